import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackupsService } from '../../electron/services/backups/backupsService';
import type { DesktopIntegration } from '../../electron/services/core/context';
import { noBackupDirSettings as settings, writeFakeBackup } from './plans-fakes';

/** deleteBackup and showInFolder: only backups the catalogue calls ours, never another file. */

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-backups-delete-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function ourBackup(name: string, volume = 'notebooks', bytes = 64): Promise<string> {
  const file = path.join(dir, name);
  await writeFakeBackup(file, volume, new Date('2026-12-05T02:00:00.000Z'), bytes);
  return file;
}

describe('BackupsService.deleteBackup', () => {
  it('deletes our backup and its sidecar and returns what is left of that volume in the folder', async () => {
    const gone = await ourBackup('notebooks-20261205-020000.tgz');
    const kept = await ourBackup('notebooks-20261205-030000.tgz');
    const after = await new BackupsService({ settings }).deleteBackup(gone);
    expect(fs.existsSync(gone)).toBe(false);
    expect(fs.existsSync(`${gone}.json`)).toBe(false);
    expect(after).toMatchObject({ dir, volume: 'notebooks' });
    expect(after.backups.map((b) => b.file)).toEqual([kept]);
  });

  it('refuses a file without our sidecar, one that no longer matches it, a symlink, and a missing file, touching none', async () => {
    const service = new BackupsService({ settings });
    const foreign = path.join(dir, 'notebooks-guide.tgz');
    fs.writeFileSync(foreign, 'not ours');
    await expect(service.deleteBackup(foreign)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'notebooks-guide.tgz is not a backup this app wrote (not ours: no sidecar), so the app does not delete it.',
    });
    const grown = await ourBackup('notebooks-grown.tgz');
    fs.appendFileSync(grown, 'x');
    await expect(service.deleteBackup(grown)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const link = path.join(dir, 'notebooks-link.tgz');
    fs.symlinkSync(await ourBackup('notebooks-real.tgz'), link);
    await expect(service.deleteBackup(link)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(service.deleteBackup(path.join(dir, 'nothing.tgz'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(service.deleteBackup('relative.tgz')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(fs.readdirSync(dir).sort()).toEqual([
      'notebooks-grown.tgz',
      'notebooks-grown.tgz.json',
      'notebooks-guide.tgz',
      'notebooks-link.tgz',
      'notebooks-real.tgz',
      'notebooks-real.tgz.json',
    ]);
  });
});

describe('BackupsService.showInFolder', () => {
  it('asks the desktop to show an existing backup, and says the browser mode has no file manager', async () => {
    const file = await ourBackup('notebooks-20261205-020000.tgz');
    const shown: string[] = [];
    const desktop = { showItemInFolder: (f: string) => shown.push(f) } as unknown as DesktopIntegration;
    await new BackupsService({ settings, desktop }).showInFolder(file);
    expect(shown).toEqual([file]);
    await expect(new BackupsService({ settings, desktop }).showInFolder(path.join(dir, 'missing.tgz'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(new BackupsService({ settings }).showInFolder(file)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'Show in folder is available in the desktop app only.',
    });
  });
});
