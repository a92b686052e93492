import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafe, inspectArchive } from '../../electron/services/archive/inspectArchive';
import { createParallelGzip } from '../../electron/services/archive/parallelGzip';
import { verifyArchive } from '../../electron/services/archive/verifyArchive';
import { appErrorOf, gnuList, gnuTar, noise, packTar, runOk, tempTree, thrownBy, type PackEntry } from './archive-fixtures';

let dir: string;
let tree: string;
let tgz: string;

beforeAll(async () => {
  ({ dir, tree } = await tempTree());
  // Enough incompressible content that the gzip stream is long: cuts and flips land in the data.
  await fs.writeFile(path.join(tree, 'notebooks', 'noise.bin'), noise(400_000, 9));
  tgz = path.join(dir, 'backup.tgz');
  await gnuTar(tree, tgz, { gzip: true, owner: 1001 });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

describe('inspectArchive on good archives', () => {
  it('summarises a seed-style .tgz: counts, bytes, sha256, SCS, no problems', async () => {
    const progress: number[] = [];
    const r = await inspectArchive(tgz, { onProgress: (p) => progress.push(p.bytesRead) });
    const listed = await gnuList(tgz);
    const st = await fs.stat(tgz);
    expect(r.format).toBe('tgz');
    expect(r.entries).toBe(listed.length);
    expect(r.fileCount).toBe(listed.filter((l) => l.kind === '-').length);
    expect(r.dirCount).toBe(listed.filter((l) => l.kind === 'd').length);
    expect(r.symlinkCount).toBe(3);
    expect(r.hardlinkCount).toBe(1);
    expect(r.totalBytes).toBe(listed.filter((l) => l.kind === '-').reduce((n, l) => n + (l.size ?? 0), 0));
    expect(r.compressedBytes).toBe(st.size);
    expect(r.sha256).toBe(sha256(await fs.readFile(tgz)));
    expect(r.containsScs).toBe(true);
    expect(r.rootEntry).toBe(true);
    expect(r.topFolder).toBeNull();
    expect(r.problems).toEqual([]);
    expect(r.topLevelNames).toEqual(expect.arrayContaining(['notebooks', 'empty folder', '.venv', 'ai_lab_secure_configuration_storage.sqlite']));
    expect(r.topLevelNames).not.toContain('.');
    expect(r.sample[0]).toBe('./');
    expect(progress.at(-1)).toBe(st.size);
    expect(() => assertSafe(r)).not.toThrow();
  });

  it('reads a plain .tar, and a multi-member .tgz from createParallelGzip', async () => {
    const tar = path.join(dir, 'plain.tar');
    await gnuTar(tree, tar, { format: 'pax' });
    const plain = await inspectArchive(tar);
    expect(plain.format).toBe('tar');
    const multi = path.join(dir, 'multi.tgz');
    await pipeline(createReadStream(tar), createParallelGzip({ blockSize: 64 * 1024 }), createWriteStream(multi));
    const r = await inspectArchive(multi);
    expect(r.format).toBe('tgz');
    expect(r.entries).toBe(plain.entries);
    expect(r.totalBytes).toBe(plain.totalBytes);
  });

  it.each([
    ['notebooks', 'notebooks/'],
    ['./notebooks', 'notebooks/'],
  ])('detects the wrapping folder of `tar -C parent -c %s`', async (member, expected) => {
    const parent = path.join(dir, `wrap-${expected.length}-${member.length}`);
    await fs.mkdir(parent);
    await runOk('cp', ['-a', tree, path.join(parent, 'notebooks')]);
    const file = path.join(dir, `wrapped-${member.length}.tgz`);
    await gnuTar(parent, file, { gzip: true, members: [member] });
    const r = await inspectArchive(file);
    expect(r.topFolder).toBe(expected);
    expect(r.rootEntry).toBe(false);
    expect(r.topLevelNames).toEqual(['notebooks']);
    expect(r.containsScs).toBe(true);
  });

  /** The top folder inspection finds in a tar `name` of `paths` (a trailing / makes a folder, anything else a small file). */
  async function topFolderOf(name: string, ...paths: string[]): Promise<string | null> {
    const file = path.join(dir, name);
    const entries = paths.map((p): PackEntry => (p.endsWith('/') ? { name: p, type: 'directory' } : { name: p, content: path.basename(p) }));
    await packTar(file, entries);
    return (await inspectArchive(file)).topFolder;
  }

  it('follows nested single folders (backup/<name>/) and ignores their own entries', async () => {
    const nested = ['backup/', 'backup/myvol/', 'backup/myvol/a.txt', 'backup/myvol/sub/', 'backup/myvol/sub/b.txt'];
    expect(await topFolderOf('nested.tar', ...nested)).toBe('backup/myvol/');
  });

  it('sees no top folder when there is a file or an empty folder beside it', async () => {
    expect(await topFolderOf('beside-file.tar', 'notebooks/', 'notebooks/a.txt', 'README')).toBeNull();
    expect(await topFolderOf('beside-empty.tar', 'notebooks/a/x', 'notebooks/empty/')).toBe('notebooks/');
  });

  it('can be cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    expect((await appErrorOf(inspectArchive(tgz, { signal: ac.signal }))).code).toBe('CANCELLED');
  });
});

describe('inspectArchive refuses what is not a good archive, saying what it is', () => {
  it('refuses a zip file', async () => {
    const file = path.join(dir, 'notes.zip');
    await fs.writeFile(file, Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), noise(1000)]));
    const err = await appErrorOf(inspectArchive(file));
    expect(err.code).toBe('ARCHIVE_INVALID');
    expect(err.message).toMatch(/zip file, not a \.tgz backup/);
  });

  it('refuses random bytes, an empty file, and an xz file', async () => {
    const rnd = path.join(dir, 'random.tgz');
    await fs.writeFile(rnd, noise(5000, 99));
    expect((await appErrorOf(inspectArchive(rnd))).message).toMatch(/not a tar or gzip archive/);
    const empty = path.join(dir, 'empty.tgz');
    await fs.writeFile(empty, '');
    expect((await appErrorOf(inspectArchive(empty))).code).toBe('ARCHIVE_INVALID');
    const xz = path.join(dir, 'x.tar.xz');
    await fs.writeFile(xz, Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]));
    expect((await appErrorOf(inspectArchive(xz))).message).toMatch(/xz file/);
  });

  it('refuses gzip that holds no tar', async () => {
    const file = path.join(dir, 'text.gz');
    await fs.writeFile(file, await runOk('gzip', ['-c'], { input: Buffer.from('just some text\n'.repeat(100)) }));
    const err = await appErrorOf(inspectArchive(file));
    expect(err.code).toBe('ARCHIVE_INVALID');
    expect(err.message).toMatch(/does not contain a tar archive/);
  });

  it('refuses a truncated .tgz (cut in half)', async () => {
    const buf = await fs.readFile(tgz);
    const file = path.join(dir, 'half.tgz');
    await fs.writeFile(file, buf.subarray(0, Math.floor(buf.length / 2)));
    const err = await appErrorOf(inspectArchive(file));
    expect(err.code).toBe('ARCHIVE_INVALID');
    expect(err.message).toMatch(/truncated/);
    expect(err.message).toMatch(/Nothing was changed/);
  });

  it('refuses a truncated .tar', async () => {
    const tar = path.join(dir, 'to-cut.tar');
    await gnuTar(tree, tar);
    const buf = await fs.readFile(tar);
    const file = path.join(dir, 'half.tar');
    await fs.writeFile(file, buf.subarray(0, Math.floor(buf.length / 2)));
    expect((await appErrorOf(inspectArchive(file))).message).toMatch(/truncated/);
  });

  it('refuses a corrupt .tgz (bytes flipped in the middle)', async () => {
    const buf = await fs.readFile(tgz);
    const mid = Math.floor(buf.length / 2);
    for (let i = 0; i < 16; i++) buf[mid + i] = buf[mid + i]! ^ 0xa5;
    const file = path.join(dir, 'corrupt.tgz');
    await fs.writeFile(file, buf);
    const err = await appErrorOf(inspectArchive(file));
    expect(err.code).toBe('ARCHIVE_INVALID');
    expect(err.message).toMatch(/corrupt/);
    expect(err.message).toMatch(/Nothing was changed/);
  });

  it('refuses a missing file with FILE_NOT_FOUND and a folder with INVALID_ARGUMENT', async () => {
    expect((await appErrorOf(inspectArchive(path.join(dir, 'nope.tgz')))).code).toBe('FILE_NOT_FOUND');
    expect((await appErrorOf(inspectArchive(dir))).code).toBe('INVALID_ARGUMENT');
  });
});

describe('inspectArchive finds what would escape the volume', () => {
  it('flags absolute paths written by tar -P', async () => {
    const file = path.join(dir, 'absolute.tgz');
    await runOk('tar', ['-P', '-czf', file, path.join(tree, 'notebooks', 'start.ipynb')]);
    const r = await inspectArchive(file);
    expect(r.problems.map((p) => p.kind)).toContain('absolute');
    const err = thrownBy(() => assertSafe(r));
    expect(err?.code).toBe('ARCHIVE_UNSAFE');
    expect(err?.message).toContain(path.join(tree, 'notebooks', 'start.ipynb'));
  });

  it('flags .., devices, hardlinks outside, and writes through a symlink; keeps symlinks as content', async () => {
    const file = path.join(dir, 'hostile.tar');
    await packTar(file, [
      { name: './', type: 'directory' },
      { name: './ok.txt', content: 'fine' },
      { name: './.venv/bin/python', type: 'symlink', linkname: '/usr/bin/python3' },
      { name: './rel-link', type: 'symlink', linkname: '../../outside' },
      { name: './good-hardlink', type: 'link', linkname: './ok.txt' },
      { name: '../evil.txt', content: 'x' },
      { name: 'a/../../evil2.txt', content: 'x' },
      { name: './null', type: 'character-device', devmajor: 1, devminor: 3 },
      { name: './disk', type: 'block-device', devmajor: 8, devminor: 0 },
      { name: './hl-abs', type: 'link', linkname: '/etc/passwd' },
      { name: './hl-up', type: 'link', linkname: '../x' },
      { name: './hl-later', type: 'link', linkname: './not-yet' },
      { name: './not-yet', content: 'n' },
      { name: './etc', type: 'symlink', linkname: '/etc' },
      { name: './etc/passwd', content: 'root::0:0::/:/bin/sh\n' },
      { name: './etc/sub/deeper', content: 'x' },
    ]);
    const r = await inspectArchive(file);
    const kinds = r.problems.map((p) => `${p.kind} ${p.path}`);
    expect(kinds).toEqual([
      'dotdot ../evil.txt',
      'dotdot a/../../evil2.txt',
      'device ./null',
      'device ./disk',
      'hardlink-outside ./hl-abs',
      'hardlink-outside ./hl-up',
      'hardlink-outside ./hl-later',
      'through-symlink ./etc/passwd',
      'through-symlink ./etc/sub/deeper',
    ]);
    expect(r.problemCount).toBe(9);
    expect(r.symlinkCount).toBe(3);
    expect(() => assertSafe(r)).toThrow(/9 entries/);
  });

  it('passes the real tree, whose symlinks point anywhere', async () => {
    const r = await inspectArchive(tgz);
    expect(r.problems).toEqual([]);
  });
});

describe('verifyArchive', () => {
  it('confirms a good archive and its entry count', async () => {
    const r = await verifyArchive(tgz, { entries: (await gnuList(tgz)).length });
    expect(r.sha256).toBe(sha256(await fs.readFile(tgz)));
    expect(r.compressedBytes).toBe((await fs.stat(tgz)).size);
    expect(r.totalBytes).toBeGreaterThan(700_000);
  });

  it('refuses a count that does not match, and a damaged member', async () => {
    const n = (await gnuList(tgz)).length;
    const err = await appErrorOf(verifyArchive(tgz, { entries: n + 1 }));
    expect(err.code).toBe('ARCHIVE_INVALID');
    expect(err.message).toMatch(/incomplete/);

    const plain = path.join(dir, 'verify-plain.tar');
    await gnuTar(tree, plain);
    const multi = path.join(dir, 'verify-multi.tgz');
    await pipeline(createReadStream(plain), createParallelGzip({ blockSize: 64 * 1024 }), createWriteStream(multi));
    const buf = await fs.readFile(multi);
    buf[buf.length - 6] = buf[buf.length - 6]! ^ 0xff; // last member's CRC
    await fs.writeFile(multi, buf);
    expect((await appErrorOf(verifyArchive(multi, { entries: n }))).code).toBe('ARCHIVE_INVALID');
  });
});
