import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeBackupName, timestampedBackupName } from '../../electron/services/backups/catalogue';

const at = new Date('2026-12-05T07:22:18.123Z');
let dir = '';
afterEach(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('backup file names', () => {
  it('is <volume>-<UTC yyyymmdd-hhmmss>.tgz', () => {
    expect(timestampedBackupName('notebooks', at)).toBe('notebooks-20261205-072218.tgz');
  });

  it('takes -2, -3… for a second backup within the same second, counting a lone sidecar as taken', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-name-'));
    expect(await freeBackupName(dir, 'notebooks', at)).toBe('notebooks-20261205-072218.tgz');
    fs.writeFileSync(path.join(dir, 'notebooks-20261205-072218.tgz'), '');
    expect(await freeBackupName(dir, 'notebooks', at)).toBe('notebooks-20261205-072218-2.tgz');
    fs.writeFileSync(path.join(dir, 'notebooks-20261205-072218-2.tgz.json'), '{}');
    expect(await freeBackupName(dir, 'notebooks', at)).toBe('notebooks-20261205-072218-3.tgz');
    expect(await freeBackupName(path.join(dir, 'gone'), 'notebooks', at)).toBe('notebooks-20261205-072218.tgz');
  });
});
