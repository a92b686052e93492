import { describe, expect, it } from 'vitest';
import type { DiffEntry } from '../../shared/contract/backups';
import { diffTree, diffWhy, outermost, permissionsOf, visibleRows } from '../../renderer/src/features/backupFiles/model';

const side = (type: 'file' | 'dir', size = 1) => ({ type, size, modifiedAt: 0 });
const removed = (path: string, type: 'file' | 'dir' = 'file'): DiffEntry => ({ path, kind: 'removed', reason: null, backup: side(type), volume: null });
const changed = (path: string): DiffEntry => ({ path, kind: 'changed', reason: 'size', backup: side('file', 10), volume: side('file', 12) });
const added = (path: string): DiffEntry => ({ path, kind: 'added', reason: null, backup: null, volume: side('file') });

describe('the backup browser’s model', () => {
  it('writes modes as ls -l does, setuid, setgid and sticky included', () => {
    expect(permissionsOf('file', '644')).toBe('-rw-r--r--');
    expect(permissionsOf('dir', '2775')).toBe('drwxrwsr-x');
    expect(permissionsOf('dir', '1777')).toBe('drwxrwxrwt');
    expect(permissionsOf('file', '4644')).toBe('-rwSr--r--');
    expect(permissionsOf('symlink', '777')).toBe('lrwxrwxrwx');
  });

  it('sends only the outermost of the chosen paths', () => {
    expect(outermost(['notebooks/a.ipynb', 'notebooks', 'data/x.csv', 'notebooks-old/b', 'data/x.csv'])).toEqual([
      'data/x.csv',
      'notebooks',
      'notebooks-old/b',
    ]);
  });

  it('builds the compare tree with counts per folder, folders first, only the kinds shown', () => {
    const entries = [
      removed('notebooks/a.ipynb'),
      changed('notebooks/sub/b.ipynb'),
      added('notebooks/new.ipynb'),
      removed('top.txt'),
      removed('gone', 'dir'),
      removed('gone/x'),
    ];
    const all = diffTree(entries, new Set(['removed', 'changed', 'added']));
    expect(all.children.map((c) => c.name)).toEqual(['gone', 'notebooks', 'top.txt']);
    const nb = all.children[1];
    expect(nb?.counts).toEqual({ added: 1, removed: 1, changed: 1 });
    expect(nb?.children.map((c) => c.name)).toEqual(['sub', 'a.ipynb', 'new.ipynb']);
    expect(all.children[0]?.entry?.kind).toBe('removed');
    expect(visibleRows(all, new Set()).map((n) => n.path)).toEqual([
      'gone',
      'gone/x',
      'notebooks',
      'notebooks/sub',
      'notebooks/sub/b.ipynb',
      'notebooks/a.ipynb',
      'notebooks/new.ipynb',
      'top.txt',
    ]);
    expect(visibleRows(all, new Set(['notebooks'])).map((n) => n.path)).toEqual(['gone', 'gone/x', 'notebooks', 'top.txt']);
    const onlyRemoved = diffTree(entries, new Set(['removed']));
    expect(visibleRows(onlyRemoved, new Set()).map((n) => n.path)).toEqual(['gone', 'gone/x', 'notebooks', 'notebooks/a.ipynb', 'top.txt']);
    expect(diffWhy(changed('x'))).toBe('size differs');
    expect(diffWhy(removed('x'))).toBe('gone since the backup');
  });
});
