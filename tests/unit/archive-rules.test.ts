// The rules the check and the extraction share (archiveRules.ts) and what the check costs on hostile
// archives: paths Linux cannot create are refused at once, deep paths cost their length, not its square.
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveRules, MAX_NAME_BYTES, MAX_PATH_BYTES, pathComponents } from '../../electron/services/archive/archiveRules';
import { assertSafe, inspectArchive, TopFolder } from '../../electron/services/archive/inspectArchive';
import { TarParser, type ParsedEntry } from '../../electron/services/archive/tarParser';
import { tempDir, thrownBy } from './archive-fixtures';
import { end, file, header, pax } from './tar-craft';
import { writeLongPathTgz } from '../support/hostileArchives';

let dir: string;
beforeAll(async () => {
  dir = await tempDir('rules-');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function entries(tar: Buffer): ParsedEntry[] {
  const out: ParsedEntry[] = [];
  const p = new TarParser({ onEntry: (e) => out.push(e) });
  p.write(tar);
  p.end();
  return out;
}

function kinds(tar: Buffer): string[] {
  const rules = new ArchiveRules();
  return entries(tar).flatMap((e) => rules.check(e).map((p) => p.kind));
}

describe('paths Linux cannot create', () => {
  it("refuses the issue's 238-byte .tgz with a 64 KiB path in well under a second (issue 11, item 1)", async () => {
    const p = path.join(dir, 'p.tgz');
    writeLongPathTgz(p);
    expect((await fs.stat(p)).size).toBeLessThan(400);
    const started = Date.now();
    const inspection = await inspectArchive(p);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(inspection.problems.map((x) => x.kind)).toEqual(['path-too-long']);
    const err = thrownBy(() => assertSafe(inspection));
    expect(err?.code).toBe('ARCHIVE_UNSAFE');
    expect(err?.message).toContain('path of 65537 bytes');
    expect(err?.message.length).toBeLessThan(2000); // the path is not quoted whole
    expect(`${err?.message} ${err?.hint}`.match(/Nothing was changed/g)?.length).toBe(1);
  });

  it('refuses a path over 4,095 bytes, a name over 255 bytes and a link target over 4,095 bytes, and accepts the longest that fit', () => {
    const fits = `${'d/'.repeat((MAX_PATH_BYTES - 1) / 2)}f`;
    expect(Buffer.byteLength(fits)).toBe(MAX_PATH_BYTES);
    expect(kinds(Buffer.concat([pax([['path', fits]]), file('x', 'x'), end()]))).toEqual([]);
    expect(kinds(Buffer.concat([pax([['path', `${fits}g`]]), file('x', 'x'), end()]))).toEqual(['path-too-long']);
    expect(kinds(Buffer.concat([pax([['path', `a/${'n'.repeat(MAX_NAME_BYTES)}`]]), file('x', 'x'), end()]))).toEqual([]);
    expect(kinds(Buffer.concat([pax([['path', `a/${'n'.repeat(MAX_NAME_BYTES + 1)}`]]), file('x', 'x'), end()]))).toEqual(['name-too-long']);
    // Bytes, not characters: 128 two-byte characters are 256 bytes.
    expect(kinds(Buffer.concat([pax([['path', 'é'.repeat(128)]]), file('x', 'x'), end()]))).toEqual(['name-too-long']);
    expect(kinds(Buffer.concat([pax([['linkpath', `${fits}g`]]), header({ name: 'l', type: '2' }), end()]))).toEqual(['path-too-long']);
  });

  it('refuses deep paths on many branches before their folder records add up, quickly and in little memory', async () => {
    // Each file is 2,000 folders deep on a branch of its own: a restore would hand an extractor ~6 MB
    // of folder records per file. 400 of them would be 2.4 GB.
    const tar = Buffer.concat([
      ...Array.from({ length: 400 }, (_, i) => Buffer.concat([pax([['path', `b${i}/${'a/'.repeat(2000)}f`]]), file('x', 'x')])),
      end(),
    ]);
    const p = path.join(dir, 'branches.tar');
    await fs.writeFile(p, tar);
    const heap = process.memoryUsage().heapUsed;
    const started = Date.now();
    const inspection = await inspectArchive(p);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(100 * 1024 * 1024);
    expect(inspection.problems.map((x) => x.kind)).toEqual(['too-large']);
    expect(inspection.problems[0]?.message).toContain('folder records');
  });
});

describe('the rules of the check', () => {
  it('flags what escapes the volume, as before', () => {
    const tar = Buffer.concat([
      file('/etc/x', 'x'),
      file('a/../../x', 'x'),
      header({ name: 'dev', type: '3' }),
      header({ name: 'link', type: '2', link: '/etc' }),
      file('link/passwd', 'x'),
      header({ name: 'h', type: '1', link: 'nowhere' }),
      file('ok', 'x'),
      header({ name: 'h2', type: '1', link: './ok' }),
      end(),
    ]);
    expect(kinds(tar)).toEqual(['absolute', 'dotdot', 'device', 'through-symlink', 'hardlink-outside']);
  });

  it('refuses one path as both a folder and a file, in either order, however it is spelt', () => {
    const folderThenFile = Buffer.concat([header({ name: './dir/', type: '5' }), file('dir', 'x'), end()]);
    const fileThenFolder = Buffer.concat([file('./a/f', 'x'), header({ name: 'a/f/', type: '5' }), end()]);
    const linkAtFolder = Buffer.concat([header({ name: 'd/', type: '5' }), header({ name: './d', type: '2', link: 'x' }), end()]);
    expect(kinds(folderThenFile)).toEqual(['type-changes']);
    expect(kinds(fileThenFolder)).toEqual(['type-changes']);
    expect(kinds(linkAtFolder)).toEqual(['type-changes']);
    // The same folder twice, or a file given again, is not a change of type.
    const repeated = Buffer.concat([header({ name: 'd/', type: '5' }), header({ name: 'd', type: '5' }), file('f', 'x'), file('./f', 'y'), end()]);
    expect(kinds(repeated)).toEqual([]);
  });

  it('refuses a path given again after it was a symlink, whatever comes there', () => {
    const link = (name: string, target: string) => header({ name, type: '2', link: target });
    // The fuzzer's case: GNU tar's placeholder for a "../" link, then a file; the link may win on disk.
    expect(kinds(Buffer.concat([link('./data.csv', '../notebooks/x'), file('data.csv', 'x'), end()]))).toEqual(['symlink-replaced']);
    expect(kinds(Buffer.concat([link('l', 'a'), link('./l', 'b'), end()]))).toEqual(['symlink-replaced']);
    expect(kinds(Buffer.concat([link('d/l', 'a'), header({ name: 'd/l', type: '1', link: 'd/l' }), end()]))).toEqual(['symlink-replaced']);
    // A symlink then a folder there is already a change of type; a file then a link is what tar leaves.
    expect(kinds(Buffer.concat([link('l', 'a'), header({ name: 'l/', type: '5' }), end()]))).toEqual(['type-changes']);
    expect(kinds(Buffer.concat([file('l', 'x'), link('l', '../a'), link('l2', 'l'), end()]))).toEqual([]);
  });

  it('refuses a folder with no entry inside a setgid folder; every folder given is fine', () => {
    const dir = (name: string, mode = 0o755) => header({ name, type: '5', mode });
    // The fuzzer's case: data.csv setgid, then a folder two levels below it whose parents have no entries.
    const deep = Buffer.concat([dir('./data.csv', 0o7777), file('other', 'x'), dir('data.csv/.hidden/e3/f3/', 0o644), end()]);
    expect(kinds(deep)).toEqual(['setgid-parent-missing']);
    expect(kinds(Buffer.concat([dir('./', 0o2775), file('a/b', 'x'), end()]))).toEqual(['setgid-parent-missing']);
    // Every folder given (as tar of a real folder writes it), or a missing one outside any setgid folder.
    const given = Buffer.concat([dir('./', 0o2775), dir('a/'), dir('a/b/', 0o2755), file('a/b/f', 'x'), dir('a/c/'), file('a/c/g', 'x'), end()]);
    expect(kinds(given)).toEqual([]);
    expect(kinds(Buffer.concat([dir('s/', 0o2755), file('s/f', 'x'), file('t/u/f', 'x'), dir('v/'), file('v/w/f', 'x'), end()]))).toEqual([]);
    // A setgid folder given again without the bit no longer counts; below a setgid folder, a folder's own
    // mode does not help (it is set only when tar leaves it), and the walk starts again after a folder entry.
    expect(kinds(Buffer.concat([dir('s/', 0o2755), dir('s/'), file('s/m/f', 'x'), end()]))).toEqual([]);
    expect(kinds(Buffer.concat([dir('s/', 0o2755), dir('s/m/'), file('s/m/f', 'x'), dir('s/n/', 0o755), file('s/n/o/f', 'x'), end()]))).toEqual([
      'setgid-parent-missing',
    ]);
  });

  it('refuses a folder given again under another spelling, the top folder included', () => {
    const top = Buffer.concat([header({ name: './', type: '5' }), header({ name: '././', type: '5', mode: 0o7777 }), end()]);
    const inner = Buffer.concat([header({ name: './d/', type: '5' }), header({ name: 'd', type: '5' }), end()]);
    expect(kinds(top)).toEqual(['respelt-folder']);
    expect(kinds(inner)).toEqual(['respelt-folder']);
    // A trailing slash more or less is the same spelling to tar.
    expect(kinds(Buffer.concat([header({ name: 'd/', type: '5' }), header({ name: 'd//', type: '5' }), header({ name: 'd', type: '5' }), end()]))).toEqual([]);
  });
});

/** The top-folder computation the check used before (every folder remembered), as the reference. */
function referenceTopFolder(list: Array<{ path: string; dir: boolean }>): string[] | null {
  let common: string[] | null = null;
  const dirs = new Set<string>();
  const nonEmpty = new Set<string>();
  const narrow = (d: string[]) => {
    if (common === null) {
      common = d;
      return;
    }
    let n = 0;
    while (n < common.length && n < d.length && common[n] === d[n]) n++;
    if (n < common.length) common = common.slice(0, n);
  };
  for (const e of list) {
    const parts = pathComponents(e.path);
    if (parts.length === 0) continue;
    for (let i = 0; i < parts.length - 1; i++) nonEmpty.add(parts.slice(0, i + 1).join('/'));
    if (e.dir) dirs.add(parts.join('/'));
    else narrow(parts.slice(0, -1));
  }
  for (const d of dirs) if (!nonEmpty.has(d)) narrow(pathComponents(d));
  return common;
}

describe('the top folder, found in one pass with memory of one path', () => {
  it('agrees with remembering every folder, on 3,000 random trees', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let t = 0; t < 3000; t++) {
      const list = Array.from({ length: 1 + rnd(8) }, () => ({
        path: Array.from({ length: 1 + rnd(4) }, () => 'abc'[rnd(3)]).join('/'),
        dir: rnd(2) === 0,
      }));
      const top = new TopFolder();
      for (const e of list) {
        const parts = pathComponents(e.path);
        if (e.dir) top.folder(parts);
        else top.fileIn(parts.slice(0, -1));
      }
      expect(top.value, JSON.stringify(list)).toEqual(referenceTopFolder(list));
    }
  });
});
