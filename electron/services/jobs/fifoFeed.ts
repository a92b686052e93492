import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { processAlive } from './owner';

const run = promisify(execFile);

/** Where the FIFO folder is mounted in a helper container. */
export const FEED_MOUNT = '/feed';

/**
 * Why FIFOs: a helper's stdin and stdout go through dockerd and containerd-shim, two extra copies of
 * every byte. Measured on the 1 GiB benchmark restore: dockerd and the shim took 18% of all CPU, and
 * one `tar -xf` fed from a bind-mounted FIFO finished ~1 s sooner than the same tar fed over stdin
 * (10.3–10.7 s against 11.0–12.3 s) with 3 s less CPU. A FIFO only works when the Engine runs on
 * this machine's kernel and sees its files: a local socket on Linux, not Docker Desktop's VM. Anything
 * else is found out by the handshake (the helper never opens its end) and falls back to stdio.
 */
export type FeedVerdict = { usable: true } | { usable: false; reason: string };

const verdicts = new WeakMap<Dockerode, FeedVerdict>();

/** AILAB_FIFO_FEEDS=0 turns FIFOs off (helpers use stdin/stdout): an escape hatch, and how tests cover stdio. */
export async function fifoFeedsUsable(docker: Dockerode): Promise<FeedVerdict> {
  if (process.env.AILAB_FIFO_FEEDS === '0') return { usable: false, reason: 'AILAB_FIFO_FEEDS=0' };
  const known = verdicts.get(docker);
  if (known) return known;
  const verdict = await judge(docker);
  verdicts.set(docker, verdict);
  return verdict;
}

/** After a failed handshake: helpers on this Engine use stdio from now on, in this process. */
export function markFifoFeedsUnusable(docker: Dockerode, reason: string): void {
  verdicts.set(docker, { usable: false, reason });
}

async function judge(docker: Dockerode): Promise<FeedVerdict> {
  if (process.platform !== 'linux') return { usable: false, reason: `the Engine runs in a VM on ${process.platform}` };
  const socketPath = (docker.modem as { socketPath?: unknown }).socketPath;
  if (typeof socketPath !== 'string') return { usable: false, reason: 'the Engine is reached over the network' };
  try {
    const info = (await docker.info()) as { OperatingSystem?: unknown };
    if (typeof info.OperatingSystem === 'string' && /docker desktop/i.test(info.OperatingSystem)) {
      return { usable: false, reason: 'Docker Desktop runs the Engine in a VM' };
    }
  } catch {
    return { usable: false, reason: 'the Engine did not say what it runs on' };
  }
  return { usable: true };
}

export interface FifoFolder {
  /** The folder to bind-mount (read-only) at FEED_MOUNT. */
  dir: string;
  /** Host paths of the FIFOs, and the same FIFOs as the container sees them. */
  hostPaths: string[];
  containerPaths: string[];
  remove(): Promise<void>;
}

/**
 * `count` FIFOs in a fresh private folder (0700: no other user can open them and inject data; an
 * Engine whose root cannot read it, with user namespaces, fails the handshake and uses stdin/stdout).
 */
export async function createFifoFolder(count: number, tmpDir = os.tmpdir()): Promise<FifoFolder> {
  // The pid in the name lets a later start remove what a crashed process left (removeLeftoverFifoFolders).
  const dir = await fsp.mkdtemp(path.join(tmpDir, `${FOLDER_PREFIX}${process.pid}-`));
  const names = Array.from({ length: count }, (_, i) => String(i));
  const hostPaths = names.map((n) => path.join(dir, n));
  try {
    // Node has no mkfifo; coreutils' takes the paths as argv (no shell).
    await run('mkfifo', ['-m', '600', '--', ...hostPaths]);
  } catch (err) {
    await fsp.rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    hostPaths,
    containerPaths: names.map((n) => `${FEED_MOUNT}/${n}`),
    remove: () => fsp.rm(dir, { recursive: true, force: true }),
  };
}

const FOLDER_PREFIX = 'ailab-feed-';

/**
 * FIFO folders of processes that are gone (a crash or a kill skips the removal in `finally`). Folders
 * of live processes stay: their jobs may still be using them.
 */
export async function removeLeftoverFifoFolders(tmpDir = os.tmpdir()): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(tmpDir);
  } catch {
    return [];
  }
  const ofPid = new RegExp(`^${FOLDER_PREFIX}(\\d+)-`);
  const removed: string[] = [];
  for (const name of names) {
    const m = ofPid.exec(name);
    if (!m || processAlive(Number(m[1]))) continue;
    await fsp.rm(path.join(tmpDir, name), { recursive: true, force: true }).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

/** Which end of a FIFO the host holds: it writes what helpers read (restore), or reads what they write (backup). */
export type HostEnd = 'write' | 'read';

/**
 * Opens the host's end of a FIFO once a helper has opened the other, as a socket (libuv then reads
 * or writes without blocking a thread). The open blocks a threadpool thread until the helper comes;
 * on abort the other end is opened here (non-blocking), which releases it, and the promise rejects
 * only once that open has returned, so the caller may then remove the FIFO without stranding a thread.
 */
export function openFifoEnd(fifo: string, end: HostEnd, signal: AbortSignal): Promise<net.Socket> {
  const { O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
  const abortError = () => (signal.reason instanceof Error ? signal.reason : new Error('aborted'));
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError());
      return;
    }
    const onAbort = () => {
      fs.open(fifo, (end === 'write' ? O_RDONLY : O_WRONLY) | O_NONBLOCK, (err, fd) => {
        if (!err) fs.close(fd, () => undefined);
      });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    fs.open(fifo, end === 'write' ? O_WRONLY : O_RDONLY, (err, fd) => {
      signal.removeEventListener('abort', onAbort);
      if (signal.aborted) {
        if (!err) fs.close(fd, () => undefined);
        reject(abortError());
      } else if (err) {
        reject(err);
      } else {
        resolve(new net.Socket({ fd, readable: end === 'read', writable: end === 'write' }));
      }
    });
  });
}

/** How long a started helper may take to open its FIFO before FIFOs count as not working here. */
const HANDSHAKE_MS = 10_000;

export interface FifoHelpers<T> {
  /** The host's end of each FIFO, in order. */
  ends: net.Socket[];
  /** Each helper's run, as `start` returned it. */
  runs: Array<Promise<T>>;
  /** Closes the host's ends and removes the folder: when the job is over, whatever its end. */
  close(): Promise<void>;
}

export interface FifoFailure {
  /** Why, for the log. */
  failed: string;
  /** What a helper failed with before it could open its FIFO, if it did. */
  helperError?: unknown;
}

export interface HelperHooks {
  /** Aborted with the job, and when the FIFOs do not work out (the helper must then stop). */
  signal: AbortSignal;
  onStarted: () => void;
}

/**
 * Starts `count` helpers that each open one FIFO (`start` gets the path the container sees and the
 * folder to mount) and opens the host's ends (`end`). Every helper must open its FIFO within HANDSHAKE_MS
 * of starting; if one exits first or does not, all are stopped and removed, the folder too, and the
 * reason is returned: nothing was sent, so the caller can use stdin/stdout instead. Rejects (CANCELLED)
 * only when the job was cancelled meanwhile.
 */
export async function connectThroughFifos<T>(
  count: number,
  start: (containerPath: string, folderDir: string, hooks: HelperHooks, index: number) => Promise<T>,
  opts: { end: HostEnd; signal: AbortSignal; timeoutMs?: number },
): Promise<FifoHelpers<T> | FifoFailure> {
  let folder: FifoFolder;
  try {
    folder = await createFifoFolder(count);
  } catch (err) {
    return { failed: `no FIFOs: ${(err as Error).message}` };
  }
  const fallback = new AbortController();
  const helperSignal = AbortSignal.any([opts.signal, fallback.signal]);
  const handshake = new AbortController();
  const stopHandshake = (why: string) => {
    if (!handshake.signal.aborted) handshake.abort(new Error(why));
  };
  const onJobAbort = () => stopHandshake('cancelled');
  opts.signal.addEventListener('abort', onJobAbort, { once: true });
  const timers: NodeJS.Timeout[] = [];
  const opened: boolean[] = new Array<boolean>(count).fill(false);
  let helperError: unknown;

  const runs = folder.containerPaths.map((containerPath, i) => {
    const run = start(
      containerPath,
      folder.dir,
      {
        signal: helperSignal,
        onStarted: () => {
          const t = setTimeout(
            () => stopHandshake(`a helper did not open its FIFO within ${(opts.timeoutMs ?? HANDSHAKE_MS) / 1000} s`),
            opts.timeoutMs ?? HANDSHAKE_MS,
          );
          t.unref();
          timers.push(t);
        },
      },
      i,
    );
    run.then(
      () => {
        if (!opened[i]) stopHandshake('a helper ended before opening its FIFO');
      },
      (err: unknown) => {
        // Only a failure of its own: once the handshake has stopped, helpers fail because they are stopped.
        if (!handshake.signal.aborted) helperError = err;
        stopHandshake(`a helper failed before opening its FIFO: ${(err as Error).message}`);
      },
    );
    return run;
  });
  const opens = folder.hostPaths.map((p, i) =>
    openFifoEnd(p, opts.end, handshake.signal).then((socket) => {
      opened[i] = true;
      return socket;
    }),
  );
  const results = await Promise.allSettled(opens);
  for (const t of timers) clearTimeout(t);
  opts.signal.removeEventListener('abort', onJobAbort);
  const ends = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const close = async () => {
    for (const s of ends) s.destroy();
    await folder.remove().catch(() => undefined);
  };
  if (ends.length === count) return { ends, runs, close };

  // Stop the helpers before closing their FIFOs: no data has gone either way.
  fallback.abort(new Error('falling back to stdin'));
  await Promise.allSettled(runs);
  await close();
  if (opts.signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
  const reason = handshake.signal.reason instanceof Error ? handshake.signal.reason.message : 'unknown';
  return { failed: reason, helperError };
}

/** Helper failures that say nothing about FIFOs: the job fails with them, stdio would too. */
const NOT_ABOUT_FIFOS = new Set<string>(['IMAGE_NOT_FOUND', 'DOCKER_UNREACHABLE']);

/**
 * Helpers that use FIFOs when this Engine can (see fifoFeedsUsable), else why not: the caller then
 * uses stdin/stdout. A handshake that fails for a FIFO reason turns FIFOs off for this Engine for the
 * rest of the process; a missing image or Docker gone is thrown as it is.
 */
export async function helpersOverFifos<T>(
  docker: Dockerode,
  count: number,
  end: HostEnd,
  start: (containerPath: string, folderDir: string, hooks: HelperHooks, index: number) => Promise<T>,
  signal: AbortSignal,
): Promise<FifoHelpers<T> | FifoFailure> {
  const verdict = await fifoFeedsUsable(docker);
  if (!verdict.usable) return { failed: verdict.reason };
  const result = await connectThroughFifos(count, start, { end, signal });
  if ('failed' in result) {
    if (result.helperError instanceof AppError && NOT_ABOUT_FIFOS.has(result.helperError.code)) throw result.helperError;
    markFifoFeedsUnusable(docker, result.failed);
  }
  return result;
}
