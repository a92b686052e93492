import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/contract/errors';
import { createTarRewriter } from '../../electron/services/archive/stripTopFolder';
import { createTarTap } from '../../electron/services/archive/tarTap';
import { describeTree, gnuList, gnuTar, LONG_NAME, makeTree, packTar, run, runOk, tempDir } from './archive-fixtures';

let dir: string;
let parent: string;

beforeAll(async () => {
  dir = await tempDir();
  parent = path.join(dir, 'parent');
  await fs.mkdir(parent);
  await makeTree(path.join(parent, 'notebooks'));
  // A name that fits the ustar fields only once the prefix is gone, and one that never does.
  await fs.writeFile(path.join(parent, 'notebooks', 'x'.repeat(95)), 'short after strip\n');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function rewrite(input: string, output: string, stripPrefix: string): Promise<void> {
  await pipeline(createReadStream(input, { highWaterMark: 4096 }), createTarRewriter({ stripPrefix }), createWriteStream(output));
}

async function extract(tar: string, args: string[] = []): Promise<string[]> {
  const dest = await fs.mkdtemp(path.join(dir, 'x-'));
  await runOk('tar', ['-C', dest, '-xf', tar, ...args]);
  return describeTree(dest);
}

describe('createTarRewriter', () => {
  it.each([
    ['gnu', 'notebooks', 'notebooks/', 1],
    ['pax', 'notebooks', 'notebooks/', 1],
    ['gnu', './notebooks', 'notebooks/', 2],
    ['pax', './notebooks', './notebooks/', 2],
  ] as const)('in --format=%s, `%s` stripped by "%s" extracts like tar --strip-components=%d', async (format, member, prefix, n) => {
    const input = path.join(dir, `in-${format}-${n}.tar`);
    await gnuTar(parent, input, { format, owner: 1001, members: [member] });
    const output = path.join(dir, `out-${format}-${n}.tar`);
    await rewrite(input, output, prefix);

    const ours = await extract(output);
    const gnu = await extract(input, [`--strip-components=${n}`]);
    expect(ours).toEqual(gnu);
    expect(ours.some((l) => l.startsWith(`f ${LONG_DIR_PREFIX}`) && l.includes(LONG_NAME))).toBe(true);
    expect(ours.find((l) => l.startsWith('l .venv/bin/python'))).toBe('l .venv/bin/python -> /usr/bin/python3 1001:1001');
    expect(ours.filter((l) => l.includes('links=2'))).toHaveLength(2);

    // Other readers agree it is well-formed: GNU tar's listing, BusyBox, tar-stream, our own tap.
    const listed = await gnuList(output);
    const dot = member.startsWith('./') ? './' : '';
    expect(listed.map((l) => l.path)).toContain(`${dot}notebooks/start.ipynb`);
    expect(listed.map((l) => l.path)).not.toContain(`${dot}notebooks/notebooks/start.ipynb`);
    expect(listed.every((l) => l.uid === 1001)).toBe(true);
    const bb = await run('/bin/busybox', ['tar', '-tf', output]);
    expect(bb.code).toBe(0);
    expect(bb.stdout.toString().split('\n').filter(Boolean)).toHaveLength(listed.length);
    const names: string[] = [];
    const extractor = tarStream.extract();
    extractor.on('entry', (h, s, next) => {
      names.push(h.name);
      s.on('end', next);
      s.resume();
    });
    await pipeline(createReadStream(output), extractor);
    expect(names).toEqual(listed.map((l) => l.path));
    let tapped = 0;
    await pipeline(
      createReadStream(output),
      createTarTap(() => tapped++),
      async function* (src: AsyncIterable<Buffer>) {
        for await (const _ of src) yield* [];
      },
    );
    expect(tapped).toBe(listed.length);
    // A ./ in front stays: the seed's layout stays the seed's layout.
    expect(listed.every((l) => l.path.startsWith('./'))).toBe(member.startsWith('./'));
  });

  it('drops the prefix, its parents and everything outside it, and moves hardlink targets', async () => {
    const input = path.join(dir, 'nested.tar');
    await packTar(input, [
      { name: 'backup/', type: 'directory' },
      { name: 'backup/myvol/', type: 'directory', mode: 0o700 },
      { name: 'backup/myvol/a.txt', content: 'a', uid: 1001, mode: 0o640 },
      { name: 'backup/myvol/b.txt', type: 'link', linkname: 'backup/myvol/a.txt' },
      { name: 'backup/other.txt', content: 'o' },
      { name: 'elsewhere.txt', content: 'e' },
      { name: `backup/myvol/${'z'.repeat(150)}`, content: 'long' },
    ]);
    const output = path.join(dir, 'nested-out.tar');
    const rw = createTarRewriter({ stripPrefix: 'backup/myvol/' });
    await pipeline(createReadStream(input), rw, createWriteStream(output));
    expect(rw.kept).toBe(3);
    expect(rw.dropped).toBe(4);
    const listed = await gnuList(output);
    expect(listed.map((l) => [l.path, l.kind, l.link])).toEqual([
      ['a.txt', '-', null],
      ['b.txt', 'h', 'a.txt'],
      ['z'.repeat(150), '-', null],
    ]);
    expect(listed[0]).toMatchObject({ uid: 1001, mode: 'rw-r-----' });
  });

  it('refuses a prefix that strips nothing or climbs', () => {
    expect(() => createTarRewriter({ stripPrefix: './' })).toThrow(AppError);
    expect(() => createTarRewriter({ stripPrefix: '../x/' })).toThrow(AppError);
  });

  it('fails with ARCHIVE_INVALID on input that is not tar', async () => {
    const err = await pipeline(
      Readable.from([Buffer.alloc(1024, 0x41)]),
      createTarRewriter({ stripPrefix: 'a/' }),
      async function* (src: AsyncIterable<Buffer>) {
        for await (const _ of src) yield* [];
      },
    ).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('ARCHIVE_INVALID');
  });
});

// The fixture's long folder as it appears after stripping (its first component).
const LONG_DIR_PREFIX = 'deep-folder-name-';
