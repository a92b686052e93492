import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult } from '../../shared/contract/jobs';
import { inVolume, jobsWithSource, removeTestVolumes, type JobsHarness } from './jobs-support';

// startBackup with overwrite: true replaces only a backup this app wrote (its sidecar matches);
// anything else the user can write stays as it is: FILE_EXISTS. Real jobs on the real engine.

let h: JobsHarness;
let out: string;
let volume: string;

beforeAll(async () => {
  ({ h, out, source: volume } = await jobsWithSource('overwrite-src', 'echo notebook > /volume/start.ipynb'));
});

afterAll(async () => {
  await h?.close();
  await removeTestVolumes();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

async function backup(fileName: string, overwrite: boolean): Promise<BackupResult> {
  const done = await h.finish(await h.jobs.startBackup({ volume, dir: out, fileName, overwrite }));
  expect(done.status, done.error?.message).toBe('succeeded');
  return done.result as BackupResult;
}

const startOver = (fileName: string) => h.jobs.startBackup({ volume, dir: out, fileName, overwrite: true });

describe('overwrite', () => {
  it('replaces a backup this app wrote, and asks first without overwrite', async () => {
    const first = await backup('mine.tgz', false);
    await expect(h.jobs.startBackup({ volume, dir: out, fileName: 'mine.tgz' })).rejects.toMatchObject({
      code: 'FILE_EXISTS',
      message: `${first.file} already exists.`,
      details: { overwritable: true },
    });
    await inVolume(volume, 'echo more > /volume/more.txt');
    const second = await backup('mine.tgz', true);
    expect(second.file).toBe(first.file);
    expect(second.sha256).not.toBe(first.sha256);
  });

  it('never replaces a file the app did not write, nor one that changed since', async () => {
    const cases: Record<string, () => void> = {
      'notes.txt': () => fs.writeFileSync(path.join(out, 'notes.txt'), 'my notes\n'),
      'no-sidecar.tgz': () => fs.copyFileSync(path.join(out, 'mine.tgz'), path.join(out, 'no-sidecar.tgz')),
      'changed.tgz': () => {
        fs.copyFileSync(path.join(out, 'mine.tgz'), path.join(out, 'changed.tgz'));
        fs.copyFileSync(path.join(out, 'mine.tgz.json'), path.join(out, 'changed.tgz.json'));
        // Same size, other bytes: only the sha256 can tell.
        const fd = fs.openSync(path.join(out, 'changed.tgz'), 'r+');
        fs.writeSync(fd, Buffer.from('XX'), 0, 2, 100);
        fs.closeSync(fd);
      },
      'link.tgz': () => fs.symlinkSync(path.join(out, 'mine.tgz'), path.join(out, 'link.tgz')),
    };
    for (const [name, make] of Object.entries(cases)) {
      make();
      const before = fs.readFileSync(path.join(out, name));
      const refusal = {
        code: 'FILE_EXISTS',
        message: expect.stringMatching(
          new RegExp(
            `^${path.join(out, name).replace(/[.]/g, '\\.')} already exists and is not a backup that AI-Lab Desktop wrote \\(.+\\), so it is not overwritten\\.$`,
          ),
        ),
        hint: 'Choose another file name. Only a backup this app wrote, with its .json sidecar next to it, can be overwritten.',
        details: { overwritable: false },
      };
      // Asked without overwrite first (as the dialog does), the answer already says it cannot be replaced.
      await expect(h.jobs.startBackup({ volume, dir: out, fileName: name }), name).rejects.toMatchObject(refusal);
      await expect(startOver(name), name).rejects.toMatchObject(refusal);
      expect(fs.readFileSync(path.join(out, name)).equals(before), name).toBe(true);
    }
    expect(h.jobs.manager.list().filter((j) => j.status === 'running')).toEqual([]);
  });

  it('never lets the sidecar replace a file that is not one of ours', async () => {
    fs.writeFileSync(path.join(out, 'new.tgz.json'), '{"mine": true}\n');
    await expect(h.jobs.startBackup({ volume, dir: out, fileName: 'new.tgz' })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    await expect(startOver('new.tgz')).rejects.toMatchObject({
      code: 'FILE_EXISTS',
      message: expect.stringContaining('new.tgz.json exists and is not a sidecar that AI-Lab Desktop wrote'),
    });
    expect(fs.readFileSync(path.join(out, 'new.tgz.json'), 'utf8')).toBe('{"mine": true}\n');
    expect(fs.existsSync(path.join(out, 'new.tgz'))).toBe(false);
  });
});
