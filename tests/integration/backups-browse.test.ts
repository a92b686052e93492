import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import type { ArchiveFolderPage, ArchiveSearchResult, BackupDiff } from '../../shared/contract/backups';
import { ailabInProcess as ailab, cliHome } from '../support/cli';
import { coreTestEnv, type CoreTestEnv } from '../support/core';
import { docker } from '../support/docker';
import { createVolume, inVolume, removeTestVolumes, SEED_IMAGE, seedBackup, tempDir } from './jobs-support';

/**
 * The backup browser and the compare view against the real engine: a backup made by the guide's own
 * command (`tar -czvf … .` in the helper image), browsed through the handlers and `ailab backups
 * ls-files`, then compared with the volume after it changed, through the handlers and `ailab diff`.
 */
cliHome('bk-browse-cli', { helperImage: SEED_IMAGE });

let env: CoreTestEnv;
let volume: string;
let dir: string;
let backup: string;

const CONTENT = `
set -e
cd /volume
mkdir -p notebooks/old data "sp ace"
printf 'print("hello")\\n' > notebooks/start.ipynb
printf 'keep me' > notebooks/old/gone.ipynb
printf 'aaaa' > data/same-size.txt
printf '0123456789' > data/grows.txt
printf 'x' > "sp ace/ü n.txt"
ln -s ../notebooks/start.ipynb data/link
ln data/grows.txt data/grows-hard.txt
chown -R 1001:100 notebooks
chmod 2775 data
find . -mindepth 1 ! -type l -exec touch -d @1700000000 {} +
`;

/** After the backup: one file added, one folder removed, one file grown, one edited in place with its size and mtime kept. */
const CHANGES = `
set -e
cd /volume
printf 'new' > notebooks/new.ipynb
rm -r notebooks/old
printf '0123456789ab' > data/grows.txt
printf 'bbbb' > data/same-size.txt
touch -d @1700000000 data/same-size.txt
`;

beforeAll(async () => {
  env = await coreTestEnv('bk-browse');
  await env.core.settings.update({ helperImage: SEED_IMAGE });
  volume = await createVolume('bk-browse');
  await inVolume(volume, CONTENT);
  dir = tempDir('ailab-bk-browse-');
  backup = await seedBackup(volume, dir, 'guide.tgz');
  await inVolume(volume, CHANGES);
}, 120_000);

afterAll(async () => {
  await removeTestVolumes();
  await env?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Helper containers still on the engine that mount `vol` (the diff's find and tar must be gone). */
async function helpersOf(vol: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { volume: [vol] } });
  return list.map((c) => c.Id);
}

describe('browsing a backup (handlers)', () => {
  it('lists the guide backup: folders first, owners and modes as archived; the second look comes from the cache', async () => {
    const root = await env.ok('listArchiveFolder', { file: backup, path: '', offset: 0, limit: 500 });
    expect(root.fromCache).toBe(false);
    expect(root.entries.map((e) => [e.name, e.type])).toEqual([
      ['data', 'dir'],
      ['notebooks', 'dir'],
      ['sp ace', 'dir'],
    ]);
    expect(root.entries.find((e) => e.name === 'data')).toMatchObject({ mode: '2775', children: 4, modifiedAt: 1_700_000_000_000 });
    const data = await env.ok('listArchiveFolder', { file: backup, path: './data/', offset: 0, limit: 500 });
    expect(data.fromCache).toBe(true);
    const byName = Object.fromEntries(data.entries.map((e) => [e.name, e]));
    expect(byName.link).toMatchObject({ type: 'symlink', linkTarget: '../notebooks/start.ipynb' });
    // tar stores the second name of a file as a hard link to the first it met.
    const hard = data.entries.filter((e) => e.type === 'hardlink');
    expect(hard).toHaveLength(1);
    expect(hard[0]).toMatchObject({ size: 10 });
    const nb = await env.ok('listArchiveFolder', { file: backup, path: '/notebooks', offset: 0, limit: 500 });
    expect(nb.entries.find((e) => e.name === 'start.ipynb')).toMatchObject({ uid: 1001, gid: 100, size: 15 });
    // The index was written to the data folder, private.
    const cacheDir = path.join(env.core.dataDir, 'archive-index');
    expect(fs.readdirSync(cacheDir)).toHaveLength(1);
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
  });

  it('searches names and suggests near names for a missing folder', async () => {
    const found = await env.ok('searchArchive', { file: backup, query: '*.IPYNB', limit: 200 });
    expect(found.matches.map((m) => m.path).sort()).toEqual(['notebooks/old/gone.ipynb', 'notebooks/start.ipynb']);
    const err = await env.fails('listArchiveFolder', { file: backup, path: 'notebook/old', offset: 0, limit: 500 });
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain('Did you mean "notebooks/old"');
  });
});

describe('comparing a backup with the volume (handlers)', () => {
  it('finds added, removed and changed by type, size and mtime; a same-size same-mtime edit is the same without --content', async () => {
    const d = await env.ok('diffBackup', { file: backup, volume, content: false });
    expect(d.content).toBe(false);
    const lines = d.entries.map((e) => `${e.kind} ${e.path} ${e.reason ?? ''}`.trim());
    expect(lines).toEqual([
      'changed data/grows-hard.txt size',
      'changed data/grows.txt size',
      'added notebooks/new.ipynb',
      'removed notebooks/old',
      'removed notebooks/old/gone.ipynb',
    ]);
    expect(d.entries.find((e) => e.path === 'data/grows.txt')).toMatchObject({ backup: { type: 'file', size: 10 }, volume: { type: 'file', size: 12 } });
    // The volume's folders whose contents changed have other times: folders are compared by type only.
    expect(d.counts).toEqual({ added: 1, removed: 2, changed: 2, same: 7 });
    expect(await helpersOf(volume)).toEqual([]);
  });

  it('with content, catches the edit that kept size and mtime', async () => {
    const d = await env.ok('diffBackup', { file: backup, volume, content: true });
    expect(d.entries.filter((e) => e.kind === 'changed').map((e) => [e.path, e.reason])).toEqual([
      ['data/grows-hard.txt', 'size'],
      ['data/grows.txt', 'size'],
      ['data/same-size.txt', 'content'],
    ]);
    expect(d.counts).toEqual({ added: 1, removed: 2, changed: 3, same: 6 });
    expect(await helpersOf(volume)).toEqual([]);
  });

  it('says which volume is missing, as every volume lookup does', async () => {
    const err = await env.fails('diffBackup', { file: backup, volume: 'bk-browse-no-such-volume', content: false });
    expect(err.code).toBe('VOLUME_NOT_FOUND');
    expect(err.message).toBe('There is no volume named bk-browse-no-such-volume.');
  });
});

describe('the CLI', () => {
  it('ailab backups ls-files lists a folder like ls -l, and --json gives the page', async () => {
    const r = await ailab('backups', 'ls-files', backup, './data');
    expect(r.code, r.err).toBe(EXIT.OK);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^MODE\s+UID\/GID\s+SIZE\s+MODIFIED\s+NAME$/);
    expect(r.out).toMatch(/lrwxrwxrwx\s+0\/0\s+\d+\s+\S+ \S+\s+link -> \.\.\/notebooks\/start\.ipynb\n/);
    expect(r.out).toMatch(/-rw-r--r--\s+0\/0\s+4\s+\S+ \S+\s+same-size\.txt\n/);
    expect(r.out).toMatch(/ link to data\/grows/);
    const root = await ailab('backups', 'ls-files', backup);
    expect(root.out).toMatch(/drwxrwsr-x\s+0\/0\s+-\s+\S+ \S+\s+data\/\n/);
    const json = await ailab('backups', 'ls-files', backup, '/notebooks', '--json');
    expect(json.code).toBe(EXIT.OK);
    const page = JSON.parse(json.out) as ArchiveFolderPage;
    expect(page.entries.map((e) => e.name)).toEqual(['old', 'start.ipynb']);
    expect(page.total).toBe(2);
  });

  it('ailab backups ls-files --find searches, and a missing path exits 4 with near names', async () => {
    const r = await ailab('backups', 'ls-files', backup, '--find', '*.txt', '--json');
    expect(r.code, r.err).toBe(EXIT.OK);
    expect((JSON.parse(r.out) as ArchiveSearchResult).matches.map((m) => m.path).sort()).toEqual([
      'data/grows-hard.txt',
      'data/grows.txt',
      'data/same-size.txt',
      'sp ace/ü n.txt',
    ]);
    const missing = await ailab('backups', 'ls-files', backup, 'dat');
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(missing.err).toContain('Did you mean "data"?');
  });

  it('ailab diff prints +, -, ~ lines and counts, exit 0 with differences; --content --json', async () => {
    const r = await ailab('diff', backup, volume);
    expect(r.code, r.err).toBe(EXIT.OK);
    expect(r.out.split('\n').slice(0, 5)).toEqual([
      '~ data/grows-hard.txt (size 10 → 12)',
      '~ data/grows.txt (size 10 → 12)',
      '+ notebooks/new.ipynb',
      '- notebooks/old/',
      '- notebooks/old/gone.ipynb',
    ]);
    expect(r.out).toContain('1 added, 2 removed, 2 changed, 7 the same');
    const j = await ailab('diff', backup, volume, '--content', '--json');
    expect(j.code, j.err).toBe(EXIT.OK);
    const d = JSON.parse(j.out) as BackupDiff;
    expect(d.content).toBe(true);
    expect(d.entries.find((e) => e.path === 'data/same-size.txt')).toMatchObject({ kind: 'changed', reason: 'content' });
    const missing = await ailab('diff', backup, 'bk-browse-no-such-volume');
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    const usage = await ailab('diff', backup);
    expect(usage.code).toBe(EXIT.USAGE);
  });
});
