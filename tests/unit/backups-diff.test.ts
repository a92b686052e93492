import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveBrowser } from '../../electron/services/backups/archiveBrowser';
import { diffTrees, hashArchiveFiles } from '../../electron/services/backups/backupDiff';
import type { VolumeRecord } from '../../electron/services/backups/volumeTree';
import { appErrorOf, packTar, type PackEntry } from './archive-fixtures';

/** The comparison itself, on an archive index and a volume tree given as find would report it. */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-backups-diff-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const T = new Date('2026-12-01T10:00:00Z');
const S = T.getTime();
const ENTRIES: PackEntry[] = [
  { name: './', type: 'directory', mtime: T },
  { name: './a.txt', content: 'aaaa', mtime: T },
  { name: './b.txt', content: 'bbbb', mtime: T },
  { name: './b-hard.txt', type: 'link', linkname: './b.txt', mtime: T },
  { name: './link', type: 'symlink', linkname: 'a.txt', mtime: T },
  { name: './gone/x.txt', content: 'x', mtime: T },
  { name: './folder-now-file/', type: 'directory', mtime: T },
];

async function indexOf(entries: PackEntry[] = ENTRIES) {
  const file = path.join(dir, 'b.tgz');
  await packTar(file, entries, { gzip: true });
  return { file, index: (await new ArchiveBrowser({ cache: null }).open(file)).index };
}

const rec = (type: VolumeRecord['type'], size: number, mtimeMs = S, link: string | null = null): VolumeRecord => ({ type, size, mtimeMs, link });
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('diffTrees', () => {
  it('sorts added, removed and changed by path, with the first reason, and counts the rest as the same', async () => {
    const { index, file } = await indexOf();
    const tree = new Map<string, VolumeRecord>([
      ['a.txt', rec('file', 4, S + 999)], // same second: same
      ['b.txt', rec('file', 4, S + 1000)], // one second later: mtime
      ['b-hard.txt', rec('file', 5)], // a hard link is a file: size
      ['link', rec('symlink', 5, S, 'b.txt')], // another target: content
      ['folder-now-file', rec('file', 0)], // type
      ['new', rec('dir', 4096, S + 5_000_000)],
      ['new/n.txt', rec('file', 1)],
    ]);
    const d = await diffTrees(index, tree, { file, volume: 'v' }, null);
    expect(d.entries.map((e) => `${e.kind} ${e.path} ${e.reason ?? ''}`.trim())).toEqual([
      'changed b-hard.txt size',
      'changed b.txt mtime',
      'changed folder-now-file type',
      'removed gone',
      'removed gone/x.txt',
      'changed link content',
      'added new',
      'added new/n.txt',
    ]);
    expect(d.counts).toEqual({ added: 2, removed: 2, changed: 4, same: 1 });
    expect(d.entries.find((e) => e.path === 'gone')).toMatchObject({ backup: { type: 'dir' }, volume: null });
  });

  it('with hashes, tells a same-size same-mtime edit apart; the archive side hashes hard links as their targets', async () => {
    const { index, file } = await indexOf();
    const tree = new Map<string, VolumeRecord>([
      ['a.txt', rec('file', 4)],
      ['b.txt', rec('file', 4)],
      ['b-hard.txt', rec('file', 4)],
    ]);
    let asked: Array<{ path: string; dataPath: string }> = [];
    const d = await diffTrees(index, tree, { file, volume: 'v' }, async ({ candidates }) => {
      asked = candidates;
      const backup = await hashArchiveFiles(index, [...new Set(candidates.map((c) => c.dataPath))]);
      return {
        backup,
        volume: new Map([
          ['a.txt', sha('aaaa')],
          ['b.txt', sha('BBBB')],
          ['b-hard.txt', sha('BBBB')],
        ]),
      };
    });
    expect(asked).toContainEqual({ path: 'b-hard.txt', dataPath: 'b.txt' });
    expect(d.entries.filter((e) => e.kind === 'changed').map((e) => [e.path, e.reason])).toEqual([
      ['b-hard.txt', 'content'],
      ['b.txt', 'content'],
    ]);
    expect(d.counts.same).toBe(1);
  });

  it('refuses to hash an archive that changed since it was indexed', async () => {
    const { index, file } = await indexOf();
    await packTar(file, ENTRIES.slice(0, 3), { gzip: true });
    expect((await appErrorOf(hashArchiveFiles(index, ['a.txt']))).code).toBe('ARCHIVE_INVALID');
  });
});
