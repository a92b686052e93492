import { describe, expect, it } from 'vitest';
import { backupLabel, keepBothName } from '../../electron/services/volumes/keepBothName';

describe('keep-both names', () => {
  it('puts the label before the extension, and counts when that is taken too', () => {
    const none = () => false;
    expect(keepBothName('a.ipynb', 'backup 2026-12-01 10-00', none)).toBe('a (backup 2026-12-01 10-00).ipynb');
    expect(keepBothName('data.tar.gz', 'copy', none)).toBe('data.tar (copy).gz');
    expect(keepBothName('.bashrc', 'copy', none)).toBe('.bashrc (copy)');
    expect(keepBothName('notebooks', 'copy', none)).toBe('notebooks (copy)');
    const taken = new Set(['a (copy).ipynb', 'a (copy 2).ipynb']);
    expect(keepBothName('a.ipynb', 'copy', (n) => taken.has(n))).toBe('a (copy 3).ipynb');
  });

  it('labels a backup by its local time to the minute', () => {
    expect(backupLabel(new Date(2026, 11, 1, 10, 0, 59))).toBe('backup 2026-12-01 10-00');
  });
});
