import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import type { JobKind } from '../../../shared/contract/jobs';
import { JOB_NOUN } from '../../../shared/jobKinds';
import type { ProcessRole } from '../core/context';
import { tryAcquireFileLock, type FileLock, type LockHolder } from '../core/fileLock';
import { ensurePrivateDir } from '../core/privateFiles';

/**
 * One backup or restore per volume across every process that shares the data folder: the desktop
 * app, a browser-mode server and `ailab` commands each have their own JobManager, whose in-memory lock
 * sees only its own jobs. `<dataDir>/locks/<volume>.lock` (a ../core/fileLock.ts lock: exclusive,
 * stale when its pid is gone on this host or when not refreshed for STALE_MS) names the job's holder,
 * so the second process is refused with JOB_CONFLICT saying who, and since when.
 *
 * Volume names are Docker's (`[a-zA-Z0-9][a-zA-Z0-9_.-]*`, checked by the contract): safe as file names.
 */

export const ROLE_NAMES: Record<ProcessRole, string> = {
  app: 'AI-Lab Desktop app',
  server: 'browser-mode server',
  cli: 'ailab CLI',
};

/** How often a running job touches its lock, well inside STALE_MS. */
export const REFRESH_MS = 60_000;

export function locksDir(dataDir: string): string {
  return path.join(dataDir, 'locks');
}

export function volumeLockFile(dataDir: string, volume: string): string {
  return path.join(locksDir(dataDir), `${volume}.lock`);
}

export interface VolumeLockInfo {
  kind: JobKind;
  jobId: string;
  role: ProcessRole;
}

function clock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The words for a lock held elsewhere: what runs, where, since when, and what to do. */
export function conflictError(volume: string, holder: LockHolder | null, file: string): AppError {
  if (holder === null) {
    return new AppError('JOB_CONFLICT', `A job on ${volume} is starting in another AI-Lab Desktop process; only one job per volume runs at a time.`, {
      hint: `Wait for it, or cancel it there. A crashed process's lock (${file}) frees itself.`,
      details: { volume, lockFile: file },
    });
  }
  const kind =
    holder.kind === 'restore' ? 'restore into' : `${typeof holder.kind === 'string' && holder.kind in JOB_NOUN ? JOB_NOUN[holder.kind as JobKind] : 'job'} of`;
  const role = typeof holder.role === 'string' && holder.role in ROLE_NAMES ? ROLE_NAMES[holder.role as ProcessRole] : 'AI-Lab Desktop';
  const where = holder.host === os.hostname() ? '' : ` on ${holder.host}`;
  const what =
    holder.pid === process.pid && holder.host === os.hostname()
      ? 'elsewhere in this process'
      : `in another AI-Lab Desktop process (pid ${holder.pid}${where}, ${role})`;
  return new AppError('JOB_CONFLICT', `A ${kind} ${volume} is running ${what} since ${clock(holder.since)}; wait for it or cancel it there.`, {
    hint: `Only one job per volume runs at a time. A crashed process's lock (${file}) frees itself.`,
    details: {
      volume,
      lockFile: file,
      pid: holder.pid,
      host: holder.host,
      since: holder.since,
      ...(typeof holder.jobId === 'string' ? { jobId: holder.jobId } : {}),
    },
  });
}

/** Takes the volume's lock for a job, or throws JOB_CONFLICT naming the holder. */
export async function acquireVolumeLock(dataDir: string, volume: string, info: VolumeLockInfo): Promise<FileLock> {
  await ensurePrivateDir(locksDir(dataDir));
  const file = volumeLockFile(dataDir, volume);
  const attempt = await tryAcquireFileLock(file, { ...info, volume });
  if (attempt.ok) return attempt.lock;
  throw conflictError(volume, attempt.holder, file);
}
