import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupsService } from '../../electron/services/backups/backupsService';
import { nameMatcher } from '../../electron/services/backups/archiveIndex';
import { editDistance } from '../../electron/services/core/editDistance';
import { INDEX_CACHE_DIR, IndexCache } from '../../electron/services/backups/indexCache';
import { appErrorOf, packTar, runOk, type PackEntry } from './archive-fixtures';
import { noBackupDirSettings as settings } from './plans-fakes';

/**
 * The backup browser's index: made-up parents, hard links, paging, search, near names, and the cache
 * in the data folder (hit, invalidation when the archive changes, the LRU bound, private modes).
 */

let dir: string;
let dataDir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-archive-index-'));
  dataDir = path.join(dir, 'data');
  fs.mkdirSync(dataDir, { mode: 0o700 });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const service = () => new BackupsService({ settings, dataDir });
const T = new Date('2026-12-01T10:00:00Z');

/** A guide-like archive: "./" first, folders with entries, a hard link, a symlink, and a file whose folders have no entries. */
const GUIDE: PackEntry[] = [
  { name: './', type: 'directory', mode: 0o755, uid: 1001, gid: 1001, mtime: T },
  { name: './notebooks/', type: 'directory', mode: 0o2775, uid: 1001, gid: 100, mtime: T },
  { name: './notebooks/start.ipynb', content: 'print("hello")\n', mode: 0o644, uid: 1001, gid: 100, mtime: T },
  { name: './notebooks/Analysis.ipynb', content: 'x'.repeat(1234), mode: 0o600, uid: 1001, gid: 100, mtime: T },
  { name: './notebooks/copy.ipynb', type: 'link', linkname: './notebooks/Analysis.ipynb', uid: 1001, gid: 100, mtime: T },
  { name: './notebooks/latest', type: 'symlink', linkname: 'Analysis.ipynb', uid: 1001, gid: 100, mtime: T },
  { name: './notebooks/zdata/', type: 'directory', mode: 0o755, mtime: T },
  { name: './deep/er/still/file.txt', content: 'deep', mode: 0o640, mtime: T },
  { name: './tool', content: '#!/bin/sh\n', mode: 0o4755, mtime: T },
];

async function archive(name: string, entries: PackEntry[] = GUIDE, gzip = true): Promise<string> {
  const file = path.join(dir, name);
  await packTar(file, entries, { gzip });
  return file;
}

describe('the archive index', () => {
  it('lists the root and a folder: folders first, then by name; modes, owners, times, links, sizes', async () => {
    const file = await archive('guide.tgz');
    const root = await service().listArchiveFolder({ file, path: '' });
    expect(root).toMatchObject({ file, path: '', total: 3, offset: 0, archiveEntries: 9, fromCache: false });
    expect(root.entries.map((e) => [e.name, e.type, e.mode])).toEqual([
      ['deep', 'dir', '755'],
      ['notebooks', 'dir', '2775'],
      ['tool', 'file', '4755'],
    ]);
    const nb = await service().listArchiveFolder({ file, path: './notebooks/' });
    expect(nb.path).toBe('notebooks');
    expect(nb.entries.map((e) => e.name)).toEqual(['zdata', 'Analysis.ipynb', 'copy.ipynb', 'latest', 'start.ipynb']);
    const byName = Object.fromEntries(nb.entries.map((e) => [e.name, e]));
    expect(byName['Analysis.ipynb']).toMatchObject({
      path: 'notebooks/Analysis.ipynb',
      type: 'file',
      size: 1234,
      mode: '600',
      uid: 1001,
      gid: 100,
      modifiedAt: T.getTime(),
      children: null,
    });
    // A hard link is a second name of its target's file: the target's size, the target as a normalised path.
    expect(byName['copy.ipynb']).toMatchObject({ type: 'hardlink', size: 1234, linkTarget: 'notebooks/Analysis.ipynb' });
    expect(byName.latest).toMatchObject({ type: 'symlink', linkTarget: 'Analysis.ipynb', size: 'Analysis.ipynb'.length });
    expect(byName.zdata).toMatchObject({ type: 'dir', children: 0 });
    expect(byName.zdata?.madeUp).toBeUndefined();
  });

  it('shows folders implied by deeper paths as made-up folders, at every level', async () => {
    const file = await archive('guide.tgz');
    const s = service();
    const deep = (await s.listArchiveFolder({ file, path: '' })).entries.find((e) => e.name === 'deep');
    expect(deep).toMatchObject({ type: 'dir', madeUp: true, children: 1, mode: '755', uid: 0, gid: 0 });
    expect((await s.listArchiveFolder({ file, path: '/deep/er' })).entries).toMatchObject([{ name: 'still', type: 'dir', madeUp: true, children: 1 }]);
    expect((await s.listArchiveFolder({ file, path: 'deep/er/still' })).entries).toMatchObject([{ path: 'deep/er/still/file.txt', size: 4, mode: '640' }]);
  });

  it('reads archives without a ./ entry and plain .tar (the root is made up)', async () => {
    const file = await archive('foreign.tar', [{ name: 'a/b.txt', content: 'b' }], false);
    const root = await service().listArchiveFolder({ file, path: '/' });
    expect(root.entries).toMatchObject([{ path: 'a', type: 'dir', madeUp: true, children: 1 }]);
  });

  it('pages a folder by offset and limit, and keeps the order across pages', async () => {
    const many: PackEntry[] = [{ name: 'big/', type: 'directory' }];
    for (let i = 0; i < 25; i++) many.push({ name: `big/f${String(i).padStart(2, '0')}.txt`, content: `${i}` });
    many.push({ name: 'big/sub/', type: 'directory' });
    const file = await archive('many.tgz', many);
    const s = service();
    const first = await s.listArchiveFolder({ file, path: 'big', offset: 0, limit: 10 });
    const second = await s.listArchiveFolder({ file, path: 'big', offset: 10, limit: 10 });
    const last = await s.listArchiveFolder({ file, path: 'big', offset: 20, limit: 10 });
    expect(first.total).toBe(26);
    expect(first.entries[0]?.name).toBe('sub');
    expect([...first.entries, ...second.entries, ...last.entries].map((e) => e.name)).toEqual([
      'sub',
      ...Array.from({ length: 25 }, (_, i) => `f${String(i).padStart(2, '0')}.txt`),
    ]);
    expect(last.entries).toHaveLength(6);
    expect((await s.listArchiveFolder({ file, path: 'big', offset: 100, limit: 10 })).entries).toEqual([]);
  });

  it('searches names with * and ?, case-insensitively, with a limit that says it was reached', async () => {
    const file = await archive('guide.tgz');
    const s = service();
    expect((await s.searchArchive({ file, query: '*.IPYNB' })).matches.map((m) => m.path)).toEqual([
      'notebooks/Analysis.ipynb',
      'notebooks/copy.ipynb',
      'notebooks/start.ipynb',
    ]);
    expect((await s.searchArchive({ file, query: 's?art.*' })).matches.map((m) => m.path)).toEqual(['notebooks/start.ipynb']);
    // Without wildcards: a part of the name.
    expect((await s.searchArchive({ file, query: 'ANALY' })).matches.map((m) => m.path)).toEqual(['notebooks/Analysis.ipynb']);
    // Regex characters are literal.
    expect((await s.searchArchive({ file, query: '(.*' })).matches).toEqual([]);
    const limited = await s.searchArchive({ file, query: '*', limit: 2 });
    expect(limited.matches).toHaveLength(2);
    expect(limited.truncated).toBe(true);
    expect((await s.searchArchive({ file, query: '*', limit: 100 })).truncated).toBe(false);
  });

  it('says FILE_NOT_FOUND with near names for a missing folder, and that a file is a file', async () => {
    const file = await archive('guide.tgz');
    const s = service();
    const typo = await appErrorOf(s.listArchiveFolder({ file, path: 'notebook' }));
    expect(typo.code).toBe('FILE_NOT_FOUND');
    expect(typo.message).toBe(`There is no "notebook" in ${file}. Did you mean "notebooks"?`);
    expect(typo.details).toMatchObject({ suggestions: ['notebooks'] });
    // A typo in a folder on the way: the whole corrected path.
    const onTheWay = await appErrorOf(s.listArchiveFolder({ file, path: 'deep/err/still' }));
    expect((onTheWay.details as { suggestions: string[] }).suggestions[0]).toBe('deep/er/still');
    const inner = await appErrorOf(s.listArchiveFolder({ file, path: 'notebooks/zdat' }));
    expect((inner.details as { suggestions: string[] }).suggestions[0]).toBe('notebooks/zdata');
    // The same name elsewhere is offered too.
    const elsewhere = await appErrorOf(s.listArchiveFolder({ file, path: 'still' }));
    expect((elsewhere.details as { suggestions: string[] }).suggestions).toContain('deep/er/still');
    const isFile = await appErrorOf(s.listArchiveFolder({ file, path: 'notebooks/start.ipynb' }));
    expect(isFile.code).toBe('FILE_NOT_FOUND');
    expect(isFile.message).toBe(`"notebooks/start.ipynb" in ${file} is a file, not a folder.`);
    const up = await appErrorOf(s.listArchiveFolder({ file, path: '../etc' }));
    expect(up.code).toBe('INVALID_ARGUMENT');
  });

  it('refuses what a restore refuses, with the same codes', async () => {
    const unsafe = await archive('unsafe.tgz', [{ name: '../escape.txt', content: 'x' }]);
    expect((await appErrorOf(service().listArchiveFolder({ file: unsafe, path: '' }))).code).toBe('ARCHIVE_UNSAFE');
    const notTar = path.join(dir, 'notes.tgz');
    fs.writeFileSync(notTar, 'just text');
    expect((await appErrorOf(service().listArchiveFolder({ file: notTar, path: '' }))).code).toBe('ARCHIVE_INVALID');
    const good = await archive('good.tgz');
    const truncated = path.join(dir, 'truncated.tgz');
    const bytes = fs.readFileSync(good);
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 20));
    expect((await appErrorOf(service().listArchiveFolder({ file: truncated, path: '' }))).code).toBe('ARCHIVE_INVALID');
    expect((await appErrorOf(service().listArchiveFolder({ file: path.join(dir, 'none.tgz'), path: '' }))).code).toBe('FILE_NOT_FOUND');
    // Nothing refused was cached.
    const cacheDir = path.join(dataDir, INDEX_CACHE_DIR);
    expect(fs.existsSync(cacheDir) ? fs.readdirSync(cacheDir) : []).toEqual([]);
  });
});

describe('the index cache', () => {
  it('is used by a new service (a new process) while path, size and mtime hold; 0700 folder, 0600 files', async () => {
    const file = await archive('guide.tgz');
    expect((await service().listArchiveFolder({ file, path: '' })).fromCache).toBe(false);
    const cacheDir = path.join(dataDir, INDEX_CACHE_DIR);
    const files = fs.readdirSync(cacheDir);
    expect(files).toHaveLength(1);
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(cacheDir, files[0] as string)).mode & 0o777).toBe(0o600);
    // The cache file names no user path.
    expect(files[0]).toMatch(/^[0-9a-f]{40}\.json$/);
    const again = await service().listArchiveFolder({ file, path: 'notebooks' });
    expect(again.fromCache).toBe(true);
    expect(again.entries.map((e) => e.name)).toEqual(['zdata', 'Analysis.ipynb', 'copy.ipynb', 'latest', 'start.ipynb']);
    const cached = JSON.parse(fs.readFileSync(path.join(cacheDir, files[0] as string), 'utf8')) as { sha256: string; size: number };
    expect(cached.sha256).toBe((await runOk('sha256sum', [file])).toString().split(' ')[0]);
    expect(cached.size).toBe(fs.statSync(file).size);
  });

  it('is not used once the archive changed: another content, or the same size with another mtime', async () => {
    const file = await archive('guide.tgz');
    const s = service();
    await s.listArchiveFolder({ file, path: '' });
    await packTar(file, [{ name: 'other/', type: 'directory' }], { gzip: true });
    const changed = await s.listArchiveFolder({ file, path: '' });
    expect(changed.fromCache).toBe(false);
    expect(changed.entries.map((e) => e.name)).toEqual(['other']);
    // Same bytes, other mtime: not trusted either (a file copied over keeps its size).
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(file, later, later);
    expect((await service().listArchiveFolder({ file, path: '' })).fromCache).toBe(false);
    expect((await service().listArchiveFolder({ file, path: '' })).fromCache).toBe(true);
  });

  it('treats a damaged cache file as a miss and replaces it', async () => {
    const file = await archive('guide.tgz');
    await service().listArchiveFolder({ file, path: '' });
    const cacheDir = path.join(dataDir, INDEX_CACHE_DIR);
    const [name] = fs.readdirSync(cacheDir);
    fs.writeFileSync(path.join(cacheDir, name as string), '{"v":1,"paths":');
    expect((await service().listArchiveFolder({ file, path: 'notebooks' })).fromCache).toBe(false);
    expect((await service().listArchiveFolder({ file, path: 'notebooks' })).fromCache).toBe(true);
  });

  it('keeps at most its bound of indexes, dropping the least recently used', async () => {
    const cache = new IndexCache(path.join(dataDir, 'bounded'), 2);
    const s = new BackupsService({ settings, dataDir });
    const files = [];
    for (const n of ['a', 'b', 'c']) files.push(await archive(`${n}.tgz`, [{ name: `${n}.txt`, content: n }]));
    for (const f of files) {
      const { index } = await (s as unknown as { browser: { open(f: string): Promise<{ index: Parameters<IndexCache['put']>[0] }> } }).browser.open(f);
      await cache.put(index);
      // File times are the LRU order; make them distinct.
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(fs.readdirSync(cache.dir)).toHaveLength(2);
    const stamp = (f: string) => ({ file: f, size: fs.statSync(f).size, mtimeMs: fs.statSync(f).mtimeMs });
    expect(await cache.get(stamp(files[0] as string))).toBeNull();
    expect(await cache.get(stamp(files[2] as string))).not.toBeNull();
  });
});

describe('helpers', () => {
  it('edit distance stops at its bound', () => {
    expect(editDistance('notebook', 'notebooks', 2)).toBe(1);
    expect(editDistance('kitten', 'sitting', 5)).toBe(3);
    expect(editDistance('a', 'abcdefgh', 2)).toBe(3);
  });

  it('globs match whole names, plain words a part', () => {
    expect(nameMatcher('*.ipynb')('a.IPYNB')).toBe(true);
    expect(nameMatcher('*.ipynb')('a.ipynb.bak')).toBe(false);
    expect(nameMatcher('a?c')('abc')).toBe(true);
    expect(nameMatcher('a?c')('abbc')).toBe(false);
    expect(nameMatcher('b.c')('abxc')).toBe(false);
    expect(nameMatcher('b.c')('ab.cd')).toBe(true);
  });
});
