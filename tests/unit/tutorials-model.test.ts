import { describe, expect, it } from 'vitest';
import { SCS_FILE } from '../../shared/ailab';
import type { VolumeRecord } from '../../electron/services/backups/volumeTree';
import { blockedBy, classifyTutorials, keepBothLabel } from '../../electron/services/tutorials/classify';
import { foldersOnTheWay, planTutorialCopy } from '../../electron/services/tutorials/copyTutorials';
import { defaultsPathOf, KNOWN_DEFAULTS_PATH } from '../../electron/services/tutorials/imageDefaults';
import { compareTagsNewestFirst } from '../../electron/services/tutorials/tutorialsService';

const file = (size = 1): VolumeRecord => ({ type: 'file', size, mtimeMs: 0, link: null });
const dir: VolumeRecord = { type: 'dir', size: 0, mtimeMs: 0, link: null };
const link: VolumeRecord = { type: 'symlink', size: 0, mtimeMs: 0, link: '/etc' };

const shipped = new Map([
  ['start.ipynb', { size: 10, sha256: 'new-start' }],
  ['tutorials/welcome.ipynb', { size: 5, sha256: 'welcome' }],
  ['tutorials/new.ipynb', { size: 7, sha256: 'fresh' }],
  ['other.ipynb', { size: 3, sha256: 'other' }],
]);

describe('classifyTutorials', () => {
  const tree = new Map<string, VolumeRecord>([
    ['start.ipynb', file()],
    ['tutorials', dir],
    ['tutorials/welcome.ipynb', file()],
    ['other.ipynb', file()],
  ]);
  const previous = [{ label: 'exasol/ai-lab:6.1.0', hashes: new Map([['start.ipynb', 'old-start']]) }];

  it('tells new, unchanged, updated upstream and edited apart', () => {
    const hashes = new Map([
      ['start.ipynb', 'old-start'],
      ['tutorials/welcome.ipynb', 'welcome'],
      ['other.ipynb', 'mine'],
    ]);
    const byPath = Object.fromEntries(classifyTutorials(shipped, tree, hashes, previous).map((f) => [f.path, f]));
    expect(byPath['tutorials/new.ipynb']).toMatchObject({ state: 'new', origin: null, blocked: null });
    expect(byPath['tutorials/welcome.ipynb']).toMatchObject({ state: 'unchanged' });
    expect(byPath['start.ipynb']).toMatchObject({ state: 'differs', origin: 'updated-upstream', matchesImages: ['exasol/ai-lab:6.1.0'] });
    expect(byPath['other.ipynb']).toMatchObject({ state: 'differs', origin: 'edited', matchesImages: [] });
  });

  it('blocks a file below a link or a file, and a name held by a folder', () => {
    const odd = new Map<string, VolumeRecord>([
      ['tutorials', link],
      ['start.ipynb', dir],
    ]);
    const byPath = Object.fromEntries(classifyTutorials(shipped, odd, new Map(), []).map((f) => [f.path, f]));
    expect(byPath['tutorials/new.ipynb']?.blocked).toMatch(/link/);
    expect(byPath['start.ipynb']).toMatchObject({ state: 'differs', origin: 'not-a-file' });
    expect(byPath['start.ipynb']?.blocked).toMatch(/folder/);
    expect(blockedBy('a/b/c', new Map([['a', file()]]))).toMatch(/file, not a folder/);
    expect(blockedBy('a/b/c', new Map([['a', dir]]))).toBeNull();
  });
});

describe('planTutorialCopy', () => {
  const tree = new Map<string, VolumeRecord>([
    ['start.ipynb', file()],
    ['start (6.2.0).ipynb', file()],
    [SCS_FILE, file()],
  ]);
  const files = classifyTutorials(
    new Map([
      ['start.ipynb', { size: 1, sha256: 'b' }],
      ['new.ipynb', { size: 1, sha256: 'n' }],
      [SCS_FILE, { size: 1, sha256: 's' }],
    ]),
    tree,
    new Map([
      ['start.ipynb', 'a'],
      [SCS_FILE, 'mine'],
    ]),
    [],
  );

  it('keeps both under a free name labelled with the version, by default', () => {
    const plan = planTutorialCopy(files, ['new.ipynb', 'start.ipynb', 'missing.ipynb'], 'keep-both', '6.2.0', tree);
    expect(plan.items).toEqual([
      { path: 'new.ipynb', as: 'new.ipynb', how: 'new' },
      { path: 'start.ipynb', as: 'start (6.2.0 2).ipynb', how: 'keep-both' },
    ]);
    expect(plan.skipped).toEqual([{ path: 'missing.ipynb', reason: 'the image does not ship it' }]);
  });

  it('overwrites or skips as told, but never replaces the Secure Configuration Storage', () => {
    const over = planTutorialCopy(files, ['start.ipynb', SCS_FILE], 'overwrite', '6.2.0', tree);
    expect(over.items).toEqual([
      { path: 'start.ipynb', as: 'start.ipynb', how: 'overwrite' },
      { path: SCS_FILE, as: 'ai_lab_secure_configuration_storage (6.2.0).sqlite', how: 'keep-both' },
    ]);
    expect(over.notes[0]).toMatch(/Secure Configuration Storage: it was not replaced/);
    const skip = planTutorialCopy(files, ['start.ipynb'], 'skip', '6.2.0', tree);
    expect(skip.items).toEqual([]);
    expect(skip.skipped[0]?.reason).toMatch(/skip/);
  });
});

describe('helpers', () => {
  it('finds the defaults folder from what the image says', () => {
    expect(defaultsPathOf({ Config: { Env: ['NOTEBOOKS=/home/jupyter/notebooks'] } })).toEqual({
      path: '/home/jupyter/notebook-defaults',
      source: 'image: beside Env NOTEBOOKS',
    });
    expect(defaultsPathOf({ Config: { Cmd: ['entry.py', '--notebook-defaults', '/opt/nb-defaults'] } }).path).toBe('/opt/nb-defaults');
    expect(defaultsPathOf({ Config: { Env: ['NOTEBOOK_DEFAULTS=/x/y/'] } }).path).toBe('/x/y/');
    expect(defaultsPathOf({ Config: { Volumes: { '/root/notebooks': {} } } }).path).toBe('/root/notebook-defaults');
    expect(defaultsPathOf({}).path).toBe(KNOWN_DEFAULTS_PATH);
  });

  it('labels, orders tags and lists folders on the way', () => {
    expect(keepBothLabel('exasol/ai-lab:6.2.0', 'sha256:abcdef0123456789')).toBe('6.2.0');
    expect(keepBothLabel('exasol/ai-lab:latest', 'sha256:abcdef0123456789')).toBe('abcdef012345');
    expect(['1.0.0', 'latest', '6.2.0', 'dev', '6.10.0'].sort(compareTagsNewestFirst)).toEqual(['latest', '6.10.0', '6.2.0', '1.0.0', 'dev']);
    expect(foldersOnTheWay(['a/b/c.ipynb', 'a/d.ipynb', 'x.ipynb'])).toEqual(['a', 'a/b']);
  });
});
