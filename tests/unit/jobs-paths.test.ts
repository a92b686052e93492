import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultBackupName, expandHome, resolveBackupDir, volumeNameFromFile, checkReadableFile } from '../../electron/services/jobs/paths';
import { withDefaultTag } from '../../electron/services/jobs/images';
import { progressLine } from '../../electron/cli/commands/jobs';
import { ownerIsAlive } from '../../electron/services/jobs/owner';

describe('backup names and folders', () => {
  it('names a backup <volume>-<YYYYMMDD-HHMMSS>.tgz in local time', () => {
    expect(defaultBackupName('notebooks', new Date(2024, 4, 1, 9, 5, 7))).toBe('notebooks-20240501-090507.tgz');
  });

  it('suggests a volume name from a file name', () => {
    expect(volumeNameFromFile('notebooks-20240501-090507.tgz')).toBe('notebooks');
    expect(volumeNameFromFile('backup.tar.gz')).toBe('backup');
    expect(volumeNameFromFile('my data (1).tgz')).toBe('my-data--1-');
    expect(volumeNameFromFile('x.tar')).toBe('restored');
  });

  it('creates the default folder ~/ailab-backups, but never a typed one', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-jobs-home-'));
    try {
      const env = { HOME: home };
      expect(await resolveBackupDir(undefined, '', env)).toBe(path.join(home, 'ailab-backups'));
      expect(fs.statSync(path.join(home, 'ailab-backups')).isDirectory()).toBe(true);
      expect(expandHome('~/x', env)).toBe(path.join(home, 'x'));
      await expect(resolveBackupDir('~/typo', '', env)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
      await expect(resolveBackupDir('relative/dir', '', env)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(checkReadableFile(home, env)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(checkReadableFile(path.join(home, 'nope.tgz'), env)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });

  it('reads image references like docker run', () => {
    expect(withDefaultTag('ubuntu')).toBe('ubuntu:latest');
    expect(withDefaultTag('registry:5000/team/img')).toBe('registry:5000/team/img:latest');
    expect(withDefaultTag('ubuntu:24.04')).toBe('ubuntu:24.04');
  });
});

describe('helper ownership', () => {
  it('treats a dead process as gone and another host as alive for a day', () => {
    expect(ownerIsAlive(`${os.hostname()}/999999/abcd`, Date.now())).toBe(false);
    expect(ownerIsAlive(undefined, Date.now())).toBe(false);
    expect(ownerIsAlive('elsewhere/1/abcd', Date.now())).toBe(true);
    expect(ownerIsAlive('elsewhere/1/abcd', Date.now() - 2 * 24 * 3600 * 1000)).toBe(false);
  });
});

describe('the CLI progress line', () => {
  it('shows phase, bar, percent, counts, sizes, speed, time and the current file within the width', () => {
    const line = progressLine(
      {
        jobId: 'job-x',
        phase: 'packing',
        filesDone: 1234,
        filesTotal: 3010,
        bytesDone: 50_000_000,
        bytesTotal: 90_000_000,
        currentFile: './notebooks/tutorials/a-very-long-name-that-does-not-fit.ipynb',
        throughput: 38_900_000,
        etaSeconds: 12,
        stalled: false,
        elapsedMs: 3000,
        percent: 55.5,
      },
      100,
      true,
    );
    expect(line).toMatch(/^Packing {2}\[#{11}-{9}\] {2}55\.5% {2}1,234\/3,010 files {2}50 MB\/90 MB {2}39 MB\/s {2}0:03 ETA 0:12/);
    expect(line.length).toBeLessThanOrEqual(99);
  });
});
