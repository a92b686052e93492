import { describe, expect, it } from 'vitest';
import { restoredLine } from '../../electron/cli/commands/jobs';
import { archiveParts } from '../../shared/format';
import { filesVerb } from '../../renderer/src/features/jobs/format';
import type { RestoreResult } from '../../shared/contract/jobs';

// Issue 12: the words the progress view, the Restore dialog and the CLI use for counts and outcomes.
describe('job words', () => {
  it("counts a replace's safety backup as backed up, not as unpacked", () => {
    expect(filesVerb('safety-backup', 'restore')).toBe('backed up');
    expect(filesVerb('unpacking', 'restore')).toBe('unpacked');
    expect(filesVerb('packing', 'backup')).toBe('packed');
    expect(filesVerb('verifying', 'backup')).toBe('packed');
    expect(filesVerb('rolling-back', 'restore')).toBe('put back');
  });

  it('says what an archive holds with singular and plural right, hard links only when there are some', () => {
    expect(archiveParts({ fileCount: 1, dirCount: 2, symlinkCount: 1, hardlinkCount: 0 })).toBe('1 file, 2 folders, 1 symlink');
    expect(archiveParts({ fileCount: 1200, dirCount: 1, symlinkCount: 0, hardlinkCount: 2 })).toBe('1,200 files, 1 folder, 0 symlinks, 2 hard links');
  });

  it('says what a restore did without repeating the mode ("new, new volume")', () => {
    const r = (mode: RestoreResult['mode']): RestoreResult => ({ kind: 'restore', volume: 'nc-data', mode, createdVolume: mode === 'new' }) as RestoreResult;
    expect(restoredLine('a.tgz', r('new'))).toBe('Restored a.tgz into the new volume nc-data.');
    expect(restoredLine('a.tgz', r('replace'))).toBe('Restored a.tgz into nc-data, replacing its contents.');
    expect(restoredLine('a.tgz', r('merge'))).toBe('Merged a.tgz into nc-data: files of the same names were overwritten, all others kept.');
  });
});
