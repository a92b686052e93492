// What the PlansService unit tests share: fresh data and destination folders per test, a clock the
// test moves, and the file plus sidecar a real backup job leaves.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { writeManifest } from '../../electron/services/archive/manifest';
import type { Clock } from '../../electron/services/plans/plansService';
import type { SettingsStore } from '../../electron/services/settings/settingsStore';
import { manifestOf } from '../support/manifest';

/** `home` (the data folder) and `dest` (a plan's folder), made before and removed after each test. */
export function planTestDirs(name: string): { home: string; dest: string } {
  const dirs = { home: '', dest: '' };
  beforeEach(() => {
    dirs.home = fs.mkdtempSync(path.join(os.tmpdir(), `ailab-${name}-`));
    dirs.dest = fs.mkdtempSync(path.join(os.tmpdir(), `ailab-${name}-dest-`));
  });
  afterEach(() => {
    fs.rmSync(dirs.home, { recursive: true, force: true });
    fs.rmSync(dirs.dest, { recursive: true, force: true });
  });
  return dirs;
}

export const noBackupDirSettings = { get: () => ({ backupDir: '' }) } as unknown as SettingsStore;

/** A clock at 2026-12-05 02:00 UTC that moves only when slept on or set. */
export function testClock(): Clock & { t: number } {
  const clock: Clock & { t: number } = { t: Date.parse('2026-12-05T02:00:00Z'), now: () => clock.t, sleep: async (ms) => void (clock.t += ms) };
  return clock;
}

/** What a good backup job leaves: `bytes` bytes and the sidecar the real job writes. */
export async function writeFakeBackup(file: string, volume: string, createdAt: Date, bytes = 100): Promise<void> {
  fs.writeFileSync(file, Buffer.alloc(bytes, 1));
  await writeManifest(file, manifestOf(volume, createdAt.toISOString(), bytes));
}
