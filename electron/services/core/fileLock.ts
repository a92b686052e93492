import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import { processAlive } from '../jobs/owner';
import { makePrivate, PRIVATE_FILE_MODE } from './privateFiles';

/**
 * A lock file shared by the processes that use one data folder (the desktop app, a browser-mode
 * server, `ailab` commands): created exclusively, naming its holder (host, pid, a random token, since
 * when, plus what the caller adds). It is free when the file is missing, when its process is gone
 * (same host: the pid no longer exists) or when it was not refreshed for `staleMs` (another host
 * sharing the folder, a reused pid, a half-written file). So a process that crashed holds nothing for
 * ever. The holder refreshes it while it works; if two ever raced past a stale lock, the one whose
 * token is not in the file learns it from `refresh()`.
 *
 * Used for the scheduler (`plans.lock`, ../plans/schedulerLock.ts) and per volume for backup and
 * restore jobs (`locks/<volume>.lock`, ../jobs/volumeLock.ts).
 */
export const STALE_MS = 10 * 60_000;

export interface LockHolder {
  host: string;
  pid: number;
  token: string;
  since: number;
  /** Whatever else the holder wrote (job kind, process role, …), unchecked. */
  [key: string]: unknown;
}

export interface FileLock {
  readonly file: string;
  readonly token: string;
  /** Refreshes the lock; false when another process holds it now (this one must stop). */
  refresh(): Promise<boolean>;
  /** Removes the file if it is still ours. */
  release(): Promise<void>;
}

/** The lock, or who holds it (null: a file being written just now, or unreadable). */
export type LockAttempt = { ok: true; lock: FileLock } | { ok: false; holder: LockHolder | null };

interface Found {
  holder: LockHolder | null;
  mtimeMs: number;
}

async function readLock(file: string): Promise<Found | null> {
  try {
    const [text, st] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    try {
      const body = JSON.parse(text) as Partial<LockHolder> | null;
      const valid = typeof body?.pid === 'number' && typeof body.token === 'string' && typeof body.host === 'string';
      return { holder: valid ? (body as LockHolder) : null, mtimeMs: st.mtimeMs };
    } catch {
      return { holder: null, mtimeMs: st.mtimeMs };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Whether the holder of a lock found on disk still counts. Exported for tests. */
export function holderAlive(found: Found, now: number, staleMs = STALE_MS): boolean {
  // A lock not refreshed for a while is stale whoever wrote it (a half-written file included).
  if (now - found.mtimeMs > staleMs) return false;
  const h = found.holder;
  if (h === null) return true; // being written just now
  if (h.host !== os.hostname()) return true;
  return processAlive(h.pid);
}

/** Reads who holds `file` now, or null when it is free (missing or stale). */
export async function lockHolder(file: string, opts: { staleMs?: number; now?: () => number } = {}): Promise<LockHolder | null | 'unknown'> {
  const found = await readLock(file);
  if (found === null || !holderAlive(found, (opts.now ?? Date.now)(), opts.staleMs)) return null;
  return found.holder ?? 'unknown';
}

/**
 * Tries to take `file`. `info` is written beside host, pid, token and since. A stale lock is removed
 * and taken; a live one is reported with its holder.
 */
export async function tryAcquireFileLock(
  file: string,
  info: Record<string, unknown> = {},
  opts: { staleMs?: number; now?: () => number } = {},
): Promise<LockAttempt> {
  const now = opts.now ?? Date.now;
  const body: LockHolder = { ...info, host: os.hostname(), pid: process.pid, token: randomBytes(8).toString('hex'), since: now() };
  let lastHolder: LockHolder | null = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(file, 'wx', PRIVATE_FILE_MODE);
      try {
        await makePrivate(handle);
        await handle.writeFile(JSON.stringify(body));
      } finally {
        await handle.close();
      }
      return { ok: true, lock: lockHandle(file, body.token) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const found = await readLock(file);
    if (found === null) continue;
    // Staleness by the real clock: the file's mtime is the file system's, not an injected one.
    if (holderAlive(found, Date.now(), opts.staleMs)) return { ok: false, holder: found.holder };
    lastHolder = found.holder;
    await fs.rm(file, { force: true });
  }
  // Others keep taking it between our attempts: report the last holder seen.
  return { ok: false, holder: lastHolder };
}

function lockHandle(file: string, token: string): FileLock {
  return {
    file,
    token,
    async refresh() {
      const found = await readLock(file).catch(() => null);
      if (found?.holder?.token !== token) return false;
      const t = new Date();
      await fs.utimes(file, t, t).catch(() => undefined);
      return true;
    },
    async release() {
      const found = await readLock(file).catch(() => null);
      if (found?.holder?.token === token) await fs.rm(file, { force: true });
    },
  };
}
