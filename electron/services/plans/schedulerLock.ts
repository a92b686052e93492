import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import { tryAcquireFileLock, type FileLock } from '../core/fileLock';

/**
 * One scheduler per data folder: `plans.lock` names its holder (host, pid, a random token). The lock
 * (../core/fileLock.ts) is free when the file is missing, when its process is gone (same host: the pid
 * no longer exists) or when it was not refreshed for STALE_MS (another host sharing the folder, or a
 * pid reused). So a scheduler that crashed holds nothing for ever. The holder refreshes it on every
 * turn of its loop and checks it still holds it: if two ever raced past a stale lock, the one whose
 * token is not in the file stops.
 */
export { STALE_MS } from '../core/fileLock';

export type SchedulerLock = Pick<FileLock, 'file' | 'refresh' | 'release'>;

export async function acquireSchedulerLock(dataDir: string, now: () => number = Date.now): Promise<SchedulerLock> {
  const file = path.join(dataDir, 'plans.lock');
  const attempt = await tryAcquireFileLock(file, {}, { now });
  if (attempt.ok) return attempt.lock;
  const h = attempt.holder;
  if (h === null) throw new AppError('JOB_CONFLICT', `Another process is taking the scheduler lock ${file} right now.`, { hint: 'Try again in a moment.' });
  const who = `process ${h.pid} on ${h.host}, since ${new Date(h.since).toISOString()}`;
  throw new AppError('JOB_CONFLICT', `Another scheduler already runs the plans of this data folder (${who}).`, {
    hint: `Only one runs at a time, so no plan is backed up twice. Stop the other one, or wait for it; a crashed one's lock (${file}) frees itself.`,
    details: { lockFile: file, ...h },
  });
}
