import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/contract/errors';
import { createTarTap } from '../../electron/services/archive/tarTap';
import type { TarEntryInfo } from '../../electron/services/archive/types';
import { gnuList, gnuTar, LONG_NAME, packTar, tempTree } from './archive-fixtures';

let dir: string;
let tree: string;

beforeAll(async () => {
  ({ dir, tree } = await tempTree());
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const KIND: Record<TarEntryInfo['type'], string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  hardlink: 'h',
  fifo: 'p',
  'character-device': 'c',
  'block-device': 'b',
  other: '?',
};

/** `rwxr-sr-t` → 0o3755, as `tar -tv` prints permission bits. */
function modeFromString(s: string): number {
  let mode = 0;
  const bit = (i: number, v: number) => (s[i] !== '-' ? v : 0);
  mode |= bit(0, 0o400) | bit(1, 0o200) | bit(3, 0o40) | bit(4, 0o20) | bit(6, 0o4) | bit(7, 0o2);
  const x = (c: string | undefined, exec: number, special: number) =>
    c === 'x' ? exec : c === 's' || c === 't' ? exec | special : c === 'S' || c === 'T' ? special : 0;
  mode |= x(s[2], 0o100, 0o4000) | x(s[5], 0o10, 0o2000) | x(s[8], 0o1, 0o1000);
  return mode;
}

async function tapFile(file: string, chunkSize?: number): Promise<{ entries: TarEntryInfo[]; passed: Buffer; count: number }> {
  const entries: TarEntryInfo[] = [];
  const tap = createTarTap((e) => entries.push(e));
  const out: Buffer[] = [];
  const source = chunkSize === undefined ? createReadStream(file) : Readable.from(chop(await fs.readFile(file), chunkSize));
  await pipeline(
    source,
    tap,
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return { entries, passed: Buffer.concat(out), count: tap.entries };
}

/** Cuts a buffer into pieces of varying size (1..max bytes), so headers straddle chunk edges. */
function* chop(buf: Buffer, max: number): Generator<Buffer> {
  let pos = 0;
  let i = 0;
  while (pos < buf.length) {
    const n = 1 + ((i * 7919) % max);
    yield buf.subarray(pos, pos + n);
    pos += n;
    i++;
  }
}

describe.each(['gnu', 'pax'] as const)('createTarTap on a GNU tar --format=%s archive', (format) => {
  let tarFile: string;
  beforeAll(async () => {
    tarFile = path.join(dir, `tree-${format}.tar`);
    await gnuTar(tree, tarFile, { format, owner: 1001 });
  });

  it('reports the same entries as tar -tvf, and passes the bytes through unchanged', async () => {
    const { entries, passed, count } = await tapFile(tarFile);
    const listed = await gnuList(tarFile);
    expect(entries.map((e) => e.path)).toEqual(listed.map((l) => l.path));
    expect(count).toBe(listed.length);
    for (const [i, e] of entries.entries()) {
      const l = listed[i]!;
      expect({ path: e.path, kind: KIND[e.type], uid: e.uid, gid: e.gid, mode: e.mode, link: e.linkTarget }).toEqual({
        path: l.path,
        kind: l.kind,
        uid: l.uid,
        gid: l.gid,
        mode: modeFromString(l.mode),
        link: l.link,
      });
      if (e.type === 'file') expect(e.size).toBe(l.size);
    }
    expect(passed.equals(await fs.readFile(tarFile))).toBe(true);
  });

  it('covers every kind of entry in the fixture', async () => {
    const { entries } = await tapFile(tarFile);
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect(byPath.get('./.venv/bin/python')).toMatchObject({ type: 'symlink', linkTarget: '/usr/bin/python3' });
    expect(byPath.get('./a fifo')?.type).toBe('fifo');
    expect(byPath.get('./empty folder/')?.type).toBe('directory');
    expect(byPath.get('./Übersicht – résumé 日本.md')?.type).toBe('file');
    expect(byPath.get('./notebooks/start.ipynb')).toMatchObject({ uid: 1001, gid: 1001, mtime: Date.parse('2024-05-01T12:00:00Z') / 1000 });
    const hard = entries.find((e) => e.type === 'hardlink');
    expect(hard?.linkTarget === './notebooks/start.ipynb' || hard?.linkTarget === './hardlink-to-start').toBe(true);
    expect(entries.some((e) => e.path.endsWith(`/${LONG_NAME}`) && e.type === 'file' && e.size === 5)).toBe(true);
    expect(entries.some((e) => e.type === 'symlink' && e.linkTarget === LONG_NAME)).toBe(true);
  });

  it('gives the same answer when headers are split across tiny chunks', async () => {
    const whole = await tapFile(tarFile);
    const chopped = await tapFile(tarFile, 700);
    expect(chopped.entries).toEqual(whole.entries);
    expect(chopped.passed.equals(whole.passed)).toBe(true);
  });
});

describe('createTarTap errors and special headers', () => {
  it('reads pax size, mtime and owner names, and large base-256 numbers', async () => {
    const file = path.join(dir, 'pax.tar');
    const longLink = `${'target-'.repeat(20)}end`;
    await packTar(file, [
      { name: 'x', uid: 1001, gid: 0, uname: 'someone', content: 'abc' },
      { name: `dir/${'n'.repeat(120)}`, type: 'symlink', linkname: longLink },
      { name: 'ünïcode name.txt', content: 'u' },
    ]);
    const { entries } = await tapFile(file);
    expect(entries.map((e) => e.path)).toEqual(['x', `dir/${'n'.repeat(120)}`, 'ünïcode name.txt']);
    expect(entries[1]?.linkTarget).toBe(longLink);
    expect(entries[0]?.size).toBe(3);
    expect(entries[0]?.uname).toBe('someone');
  });

  it.each(['gnu', 'pax'] as const)('reads owners too large for octal fields (GNU base-256, pax records) in --format=%s', async (format) => {
    const file = path.join(dir, `bigowner-${format}.tar`);
    await gnuTar(tree, file, { format, owner: 3_000_000 });
    const { entries } = await tapFile(file);
    expect(entries.length).toBeGreaterThan(10);
    for (const e of entries) expect([e.uid, e.gid]).toEqual([3_000_000, 3_000_000]);
  });

  it('fails with ARCHIVE_INVALID when a header is corrupt', async () => {
    const tarFile = path.join(dir, 'corrupt.tar');
    await gnuTar(tree, tarFile);
    const buf = await fs.readFile(tarFile);
    // Find a header block after the first and damage its name: the checksum no longer matches.
    const headers: number[] = [];
    for (let off = 0; off < buf.length; off += 512) if (buf.toString('latin1', off + 257, off + 262) === 'ustar') headers.push(off);
    const at = headers[2]! + 1;
    buf[at] = buf[at]! ^ 0x20;
    const err = await pipeline(
      Readable.from([buf]),
      createTarTap(() => undefined),
      new PassThrough().resume(),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ARCHIVE_INVALID');
  });

  it('fails with ARCHIVE_INVALID when the stream stops before the end marker', async () => {
    const tarFile = path.join(dir, 'cut.tar');
    await gnuTar(tree, tarFile);
    const buf = await fs.readFile(tarFile);
    const err = await pipeline(
      Readable.from([buf.subarray(0, 512 * 5)]),
      createTarTap(() => undefined),
      new PassThrough().resume(),
    ).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('ARCHIVE_INVALID');
    expect((err as AppError).message).toMatch(/end-of-archive/);
  });
});
