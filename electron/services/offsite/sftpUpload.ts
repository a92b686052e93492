import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { AppError } from '../../../shared/contract/errors';
import type { SftpTarget } from '../../../shared/contract/plans';
import { formatBytes } from '../../../shared/format';
import { formatSftpTarget } from '../../../shared/sftpTarget';
import { connectionError, openSftp, type OffsiteConfig, type SftpSession } from './sftpSession';
import { freeBytes, readdir, remoteFsError, remoteJoin, rename, stat, unlink } from './sftpFs';

/**
 * Uploads a backup and its sidecar to the SFTP folder. Streamed from the file (1 MiB reads, the SFTP
 * writes of each read in flight together), never whole in memory. Each file goes to
 * `<name>.partial-<random>` first and is renamed when complete (the archive before its sidecar, so a
 * half-done upload is never "ours" to retention). A dropped connection is retried with backoff, resuming
 * the partial archive from the size the server has; when every attempt fails, the partials are removed
 * if the server can still be reached, else by the next upload (leftover partials of this volume).
 */

export interface UploadOptions {
  /** Connections in all (default 4: the first and three retries). */
  attempts?: number;
  /** Wait before retry n (the last value repeats). Default 2 s, 10 s, 30 s. */
  backoffMs?: number[];
  sleep?: (ms: number) => Promise<void>;
  /** Told about each failed attempt that is retried. */
  onRetry?: (attempt: number, err: AppError, waitMs: number) => void;
  acceptNewHostKey?: boolean;
}

export interface UploadResult {
  /** The archive's path on the server. */
  remoteFile: string;
  bytes: number;
  attempts: number;
  /** Bytes the last attempt found already on the server and did not send again. */
  resumedFrom: number;
  /** Leftover partials of earlier runs that were removed. */
  removedPartials: string[];
}

/** `<volume>-<yyyymmdd-hhmmss>.tgz[.json].partial-<hex>`: the partials this app leaves when a run is cut off. */
export function isOurPartial(name: string, volume: string): boolean {
  const v = volume.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${v}-\\d{8}-\\d{6}(-\\d+)?\\.tgz(\\.json)?\\.partial-[0-9a-f]{12}$`).test(name);
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function uploadBackup(
  target: SftpTarget,
  config: OffsiteConfig,
  localFile: string,
  volume: string,
  opts: UploadOptions = {},
): Promise<UploadResult> {
  const attempts = Math.max(1, opts.attempts ?? 4);
  const backoff = opts.backoffMs ?? [2000, 10_000, 30_000];
  const sleep = opts.sleep ?? defaultSleep;
  const name = path.basename(localFile);
  const sidecar = `${localFile}.json`;
  const total = (await fs.promises.stat(localFile)).size;
  await fs.promises.access(sidecar, fs.constants.R_OK);
  const suffix = `.partial-${randomBytes(6).toString('hex')}`;
  const finalPath = remoteJoin(target.path, name);
  const partial = `${finalPath}${suffix}`;
  const sidecarPartial = `${finalPath}.json${suffix}`;
  const removedPartials: string[] = [];
  let last: AppError | null = null;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let session: SftpSession | null = null;
    try {
      session = await openSftp(target, config, { acceptNewHostKey: opts.acceptNewHostKey });
      const s = session;
      const { sftp } = s;
      const resumedFrom = await s.guard(
        (async () => {
          removedPartials.push(...(await prepareFolder(sftp, target, volume, [partial, sidecarPartial])));
          const have = (await stat(sftp, partial).catch(() => null))?.size ?? 0;
          const resumeAt = have <= total ? safeResumePoint(have) : 0;
          const space = await freeBytes(sftp, target.path);
          if (space !== null && space < total - resumeAt)
            throw new AppError(
              'DISK_FULL',
              `The SFTP server has ${formatBytes(space)} free in ${target.path}; this backup needs ${formatBytes(total - resumeAt)}.`,
              {
                hint: `Free space on the server, or keep fewer backups there (the local backup is kept).`,
              },
            );
          await send(s, localFile, partial, resumeAt, `write ${partial}`, target.path);
          const sent = await stat(sftp, partial);
          if (!sent || sent.size !== total)
            throw new AppError('REMOTE_UNREACHABLE', `The upload of ${name} ended at ${sent?.size ?? 0} of ${total} bytes.`, { details: { retryable: true } });
          await send(s, sidecar, sidecarPartial, 0, `write ${sidecarPartial}`, target.path);
          await settle(sftp, partial, finalPath, total);
          await settle(sftp, sidecarPartial, `${finalPath}.json`, (await fs.promises.stat(sidecar)).size);
          return resumeAt;
        })(),
      );
      session.end();
      return { remoteFile: finalPath, bytes: total, attempts: attempt, resumedFrom, removedPartials };
    } catch (err) {
      const e = asAppError(err, target, `upload ${name}`);
      last = e;
      const retry = e.details?.retryable === true && attempt < attempts;
      if (!retry) {
        // A refusal that will not change (or the last attempt): take our partials away if the server still answers.
        if (session && !session.signal.aborted) await session.guard(removeQuietly(session.sftp, [partial, sidecarPartial])).catch(() => undefined);
        session?.end();
        if (e.details?.retryable === true) await cleanupAfterDrop(target, config, [partial, sidecarPartial]);
        break;
      }
      session?.end();
      const wait = backoff[Math.min(attempt - 1, backoff.length - 1)] ?? 0;
      opts.onRetry?.(attempt, e, wait);
      await sleep(wait);
    }
  }
  const e = last ?? new AppError('INTERNAL', 'The upload failed.');
  const tries = e.details?.retryable === true ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'}. Nothing is under the final name on the server.` : '.';
  throw new AppError(e.code, `${e.message.replace(/\.$/, '')}${tries}`, {
    hint: e.hint,
    details: { ...e.details, attempts },
  });
}

function asAppError(err: unknown, target: SftpTarget, what: string): AppError {
  if (err instanceof AppError) return err;
  return connectionError(err, target) ?? remoteFsError(err, what, `${formatSftpTarget(target)}`);
}

/** The folder must exist and be a folder (a plan never creates folders on the server either). */
async function checkFolder(sftp: SFTPWrapper, target: SftpTarget): Promise<void> {
  let st;
  try {
    st = await stat(sftp, target.path);
  } catch (err) {
    throw remoteFsError(err, `look at ${target.path}`, target.path);
  }
  if (!st)
    throw new AppError('FILE_NOT_FOUND', `The folder ${target.path} does not exist on ${formatSftpTarget({ ...target, path: '' })}.`, {
      hint: `Create it on the server (mkdir -p ${target.path}) and let ${target.user} write to it; a plan never creates folders.`,
      details: { path: target.path },
    });
  if (!st.isDirectory())
    throw new AppError('INVALID_ARGUMENT', `${target.path} on the SFTP server is not a folder.`, { hint: 'Give the folder the backups go to.' });
}

/**
 * Before a plan names the server: log in (host key, key), the folder exists, and a file can be written
 * there (a hidden probe file, removed at once). Throws what a run would meet, now rather than at 2 am.
 */
export async function checkSftpTarget(target: SftpTarget, config: OffsiteConfig): Promise<void> {
  const session = await openSftp(target, config);
  try {
    await session.guard(
      (async () => {
        await checkFolder(session.sftp, target);
        const probe = remoteJoin(target.path, `.ailab-write-check-${randomBytes(6).toString('hex')}`);
        try {
          const handle = await new Promise<Buffer>((resolve, reject) =>
            session.sftp.open(probe, 'w', { mode: 0o600 }, (err, h) => (err ? reject(err) : resolve(h))),
          );
          await new Promise<void>((resolve) => session.sftp.close(handle, () => resolve()));
        } catch (err) {
          throw remoteFsError(err, `create a file in ${target.path}`, target.path);
        }
        await unlink(session.sftp, probe).catch(() => undefined);
      })(),
    );
  } finally {
    session.end();
  }
}

/** The folder must exist and be a folder; leftover partials of this volume (not `keep`) are removed. */
async function prepareFolder(sftp: SFTPWrapper, target: SftpTarget, volume: string, keep: string[]): Promise<string[]> {
  await checkFolder(sftp, target);
  let listing;
  try {
    listing = await readdir(sftp, target.path);
  } catch (err) {
    throw remoteFsError(err, `list ${target.path}`, target.path);
  }
  const removed: string[] = [];
  for (const f of listing) {
    const p = remoteJoin(target.path, f.name);
    if (!isOurPartial(f.name, volume) || keep.includes(p)) continue;
    await unlink(sftp, p).then(
      () => removed.push(p),
      () => undefined,
    );
  }
  return removed;
}

/**
 * Streams `local` from `start` into `remote` (created 0600, or opened at `start` to resume): 1 MiB reads,
 * each sent as one SFTP write (ssh2 splits it into packets, all in flight). A lost connection aborts
 * the read (session.signal) and surfaces through session.guard.
 */
async function send(session: SftpSession, local: string, remote: string, start: number, what: string, folder: string): Promise<void> {
  const { sftp } = session;
  let handle: Buffer;
  try {
    handle = await new Promise<Buffer>((resolve, reject) =>
      sftp.open(remote, start > 0 ? 'r+' : 'w', { mode: 0o600 }, (err, h) => (err ? reject(err) : resolve(h))),
    );
  } catch (err) {
    throw asAppErrorPlain(err, what, folder);
  }
  let pos = start;
  const file = await fs.promises.open(local, 'r');
  try {
    // Up to IN_FLIGHT writes outstanding (twice the throughput of one at a time); see safeResumePoint.
    const inFlight: Array<Promise<void>> = [];
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await file.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      const at = pos;
      const write = whileConnected(session, (cb) => sftp.write(handle, buf, 0, bytesRead, at, cb));
      write.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
      inFlight.push(write);
      pos += bytesRead;
      if (inFlight.length >= IN_FLIGHT) await inFlight.shift();
    }
    for (const w of inFlight) await w;
    await whileConnected(session, (cb) => sftp.close(handle, cb));
  } catch (err) {
    if (!session.signal.aborted) sftp.close(handle, () => undefined);
    throw asAppErrorPlain(err, what, folder);
  } finally {
    await file.close();
  }
}

/** Bytes read from the backup and sent as one SFTP write (ssh2 splits it into packets, all in flight). */
const CHUNK = 1 << 20;
const IN_FLIGHT = 4;

/**
 * Where to resume when the server holds `size` bytes of the partial. Writes go out IN_FLIGHT at a time,
 * and a server may finish a later one before an earlier one was done when the connection dropped, so
 * only the bytes before the last IN_FLIGHT chunks are certain: everything below that was acknowledged
 * before the write that reached `size` was sent. Those last chunks are sent again.
 */
export function safeResumePoint(size: number): number {
  return Math.max(0, Math.floor(size / CHUNK) - IN_FLIGHT) * CHUNK;
}

/** An SFTP call that rejects when the connection is lost instead of waiting for ever. */
function whileConnected(session: SftpSession, call: (cb: (err?: Error | null) => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const lost = () => reject(new Error('connection lost'));
    if (session.signal.aborted) return lost();
    session.signal.addEventListener('abort', lost, { once: true });
    call((err) => {
      session.signal.removeEventListener('abort', lost);
      if (err) reject(err);
      else resolve();
    });
  });
}

function asAppErrorPlain(err: unknown, what: string, folder: string): AppError {
  if (err instanceof AppError) return err;
  return typeof (err as { code?: unknown }).code === 'number'
    ? remoteFsError(err, what, folder)
    : new AppError('REMOTE_UNREACHABLE', `The connection dropped: ${(err as Error).message}.`, { details: { retryable: true } });
}

/** Renames a complete partial to its final name. A final file already there with the right size is an earlier attempt's rename whose answer was lost. */
async function settle(sftp: SFTPWrapper, from: string, to: string, size: number): Promise<void> {
  try {
    await rename(sftp, from, to);
  } catch (err) {
    const there = await stat(sftp, to).catch(() => null);
    if (there && there.size === size) {
      await unlink(sftp, from).catch(() => undefined);
      return;
    }
    if (there)
      throw new AppError('FILE_EXISTS', `${to} already exists on the SFTP server with other content.`, {
        hint: 'Move it away on the server; the app never overwrites a file there.',
      });
    throw asAppErrorPlain(err, `rename to ${to}`, path.posix.dirname(to));
  }
}

async function removeQuietly(sftp: SFTPWrapper, files: string[]): Promise<void> {
  for (const f of files) await unlink(sftp, f).catch(() => undefined);
}

/** After the last dropped attempt: one short connection to take the partials away (else the next run does). */
async function cleanupAfterDrop(target: SftpTarget, config: OffsiteConfig, files: string[]): Promise<void> {
  let session: SftpSession | null = null;
  try {
    session = await openSftp(target, { ...config, timeoutMs: Math.min(config.timeoutMs ?? 5000, 5000) });
    await session.guard(removeQuietly(session.sftp, files));
  } catch {
    // Unreachable now: the next upload removes them (prepareFolder).
  } finally {
    session?.end();
  }
}
