import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { BackupResult, RestoreResult } from '../../shared/contract/jobs';
import { createCore } from '../../electron/services/createCore';
import { createVolume, inVolume, newVolumeName, removeTestVolumes, SEED_IMAGE } from './jobs-support';

// What the app writes holds notebooks and ai_lab_secure_configuration_storage.sqlite: with the usual
// umask 022 (and even 000) it must still be readable by the user alone. Real jobs on the real engine.

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const octal = (m: number) => `0${m.toString(8)}`;
const roots: string[] = [];
const before = { umask: process.umask(), home: process.env.HOME };

afterEach(() => {
  process.umask(before.umask);
  process.env.HOME = before.home;
});

afterAll(async () => {
  await removeTestVolumes();
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

async function appIn(root: string) {
  const core = await createCore({
    mode: 'browser',
    openExternal: async () => undefined,
    env: { ...process.env, AILAB_DESKTOP_HOME: path.join(root, 'data'), HOME: path.join(root, 'home') },
    watchDocker: false,
  });
  return { core, jobs: core.jobs };
}

describe.each([0o022, 0o000, 0o077])('with umask %o', (umask) => {
  it('the data folder is 0700 and every archive, log, sidecar, settings file and safety backup 0600', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-private-'));
    roots.push(root);
    fs.mkdirSync(path.join(root, 'home'));
    // The default backup folder is found from the process's HOME.
    process.env.HOME = path.join(root, 'home');
    process.umask(umask);
    const { core, jobs } = await appIn(root);
    try {
      const data = path.join(root, 'data');
      expect(octal(mode(data))).toBe('0700');
      await core.settings.update({ helperImage: SEED_IMAGE });
      expect(octal(mode(path.join(data, 'settings.json')))).toBe('0600');

      const volume = await createVolume('private-src');
      await inVolume(volume, 'echo secret > /volume/ai_lab_secure_configuration_storage.sqlite');
      // No folder given: ~/ailab-backups, which the app creates, privately.
      const backup = await jobs.manager.wait((await jobs.startBackup({ volume, fileName: 'b.tgz' })).id);
      expect(backup.status).toBe('succeeded');
      const archive = (backup.result as BackupResult).file;
      expect(path.dirname(archive)).toBe(path.join(root, 'home', 'ailab-backups'));
      expect(octal(mode(path.dirname(archive)))).toBe('0700');
      expect(octal(mode(archive))).toBe('0600');
      expect(octal(mode(`${archive}.json`))).toBe('0600');
      expect(octal(mode(path.join(data, 'jobs')))).toBe('0700');
      expect(octal(mode(path.join(data, 'jobs', `${backup.id}.log`)))).toBe('0600');
      expect(octal(mode(path.join(data, 'jobs', 'history.json')))).toBe('0600');

      // A folder the user chose keeps its mode; the backup in it is still 0600.
      const shared = path.join(root, 'shared');
      fs.mkdirSync(shared);
      fs.chmodSync(shared, 0o755);
      const second = await jobs.manager.wait((await jobs.startBackup({ volume, dir: shared, fileName: 'c.tgz', engine: 'tar' })).id);
      expect(second.status).toBe('succeeded');
      expect(octal(mode(shared))).toBe('0755');
      expect(octal(mode(path.join(shared, 'c.tgz')))).toBe('0600');
      expect(octal(mode(path.join(shared, 'c.tgz.json')))).toBe('0600');
      expect(octal(mode(path.join(data, 'settings.json')))).toBe('0600');

      // replace: the safety backup of the volume's current contents.
      const restore = await jobs.manager.wait((await jobs.startRestore({ source: { archivePath: archive }, volume, mode: 'replace' })).id);
      expect(restore.status).toBe('succeeded');
      const safety = (restore.result as RestoreResult).safetyBackup as string;
      expect(octal(mode(path.dirname(safety)))).toBe('0700');
      expect(octal(mode(safety))).toBe('0600');
      expect(octal(mode(`${safety}.json`))).toBe('0600');

      // The user may share a backup; the app leaves that choice alone.
      fs.chmodSync(archive, 0o644);
      const copy = newVolumeName('private-copy');
      const restored = await jobs.manager.wait((await jobs.startRestore({ source: { archivePath: archive }, volume: copy, mode: 'new' })).id);
      expect(restored.status).toBe('succeeded');
      expect(octal(mode(archive))).toBe('0644');
    } finally {
      await core.shutdown();
    }
  });
});

it('a data folder an earlier version created 0755 becomes 0700', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-private-'));
  roots.push(root);
  fs.mkdirSync(path.join(root, 'data'));
  fs.chmodSync(path.join(root, 'data'), 0o755);
  const { core } = await appIn(root);
  await core.shutdown();
  expect(octal(mode(path.join(root, 'data')))).toBe('0700');
});
