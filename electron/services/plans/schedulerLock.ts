import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import { processAlive } from '../jobs/owner';
import { PRIVATE_FILE_MODE } from '../core/privateFiles';

/**
 * One scheduler per data folder: `plans.lock` names its holder (host, pid, a random token). The lock
 * is free when the file is missing, when its process is gone (same host: the pid no longer exists) or
 * when it was not refreshed for STALE_MS (another host sharing the folder, or a pid reused). So a
 * scheduler that crashed holds nothing for ever. The holder refreshes it on every turn of its loop and
 * checks it still holds it: if two ever raced past a stale lock, the one whose token is not in the file
 * stops.
 */
export const STALE_MS = 10 * 60_000;

interface LockBody {
  host: string;
  pid: number;
  token: string;
  since: number;
}

export interface SchedulerLock {
  readonly file: string;
  /** Refreshes the lock; false when another scheduler holds it now (this one must stop). */
  refresh(): Promise<boolean>;
  release(): Promise<void>;
}

async function readBody(file: string): Promise<{ body: LockBody | null; mtimeMs: number } | null> {
  try {
    const [text, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    try {
      const body = JSON.parse(text) as LockBody;
      return { body: typeof body?.pid === 'number' && typeof body.token === 'string' ? body : null, mtimeMs: st.mtimeMs };
    } catch {
      return { body: null, mtimeMs: st.mtimeMs };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function holderAlive(found: { body: LockBody | null; mtimeMs: number }, now: number): boolean {
  // A lock not refreshed for a while is stale whoever wrote it (a half-written file included).
  if (now - found.mtimeMs > STALE_MS) return false;
  const b = found.body;
  if (b === null) return true; // being written just now
  if (b.host !== os.hostname()) return true;
  return processAlive(b.pid);
}

export async function acquireSchedulerLock(dataDir: string, now: () => number = Date.now): Promise<SchedulerLock> {
  const file = path.join(dataDir, 'plans.lock');
  const body: LockBody = { host: os.hostname(), pid: process.pid, token: randomBytes(8).toString('hex'), since: now() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(file, 'wx', PRIVATE_FILE_MODE);
      try {
        await handle.writeFile(JSON.stringify(body));
      } finally {
        await handle.close();
      }
      return lockHandle(file, body.token);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const found = await readBody(file);
    if (found === null) continue;
    if (holderAlive(found, Date.now())) {
      const who = found.body ? `process ${found.body.pid} on ${found.body.host}, since ${new Date(found.body.since).toISOString()}` : 'another process';
      throw new AppError('JOB_CONFLICT', `Another scheduler already runs the plans of this data folder (${who}).`, {
        hint: `Only one runs at a time, so no plan is backed up twice. Stop the other one, or wait for it; a crashed one's lock (${file}) frees itself.`,
        details: { lockFile: file, ...(found.body ?? {}) },
      });
    }
    await fs.rm(file, { force: true });
  }
  throw new AppError('JOB_CONFLICT', `Could not take the scheduler lock ${file}: other processes keep taking it.`, { hint: 'Try again in a moment.' });
}

function lockHandle(file: string, token: string): SchedulerLock {
  return {
    file,
    async refresh() {
      const found = await readBody(file).catch(() => null);
      if (found?.body?.token !== token) return false;
      const t = new Date();
      await fs.utimes(file, t, t).catch(() => undefined);
      return true;
    },
    async release() {
      const found = await readBody(file).catch(() => null);
      if (found?.body?.token === token) await fs.rm(file, { force: true });
    },
  };
}
