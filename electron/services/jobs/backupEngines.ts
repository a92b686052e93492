import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { AppError } from '../../../shared/contract/errors';
import type { JobEngine } from '../../../shared/contract/jobs';
import { createParallelGzip } from '../archive/parallelGzip';
import { createTarTap } from '../archive/tarTap';
import { toAppError } from '../docker/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { TapProgress } from './byteSampler';
import { helpersOverFifos, type FifoHelpers } from './fifoFeed';
import { createHelper, runHelper, type RunResult } from './helperContainer';
import type { JobContext } from './jobContext';
import { tarFailure, VerboseListing } from './verboseListing';

/**
 * gzip level of the fast engine. Measured here (Node zlib, 1 MiB blocks, notebooks-like CSV + binary):
 * level 6 (the seed's gzip default) ~21 MB/s per core, ratio 0.494; level 4 ~36 MB/s, ratio 0.512;
 * level 1 ~56 MB/s, ratio 0.527. Level 4 keeps the file within ~4 % of the seed's size at ~1.7x the
 * speed per core, which on top of using every core is what makes the backup at least twice as fast.
 */
export const FAST_GZIP_LEVEL = 4;

export interface PackResult {
  /** Entries written, which the verification re-counts. */
  entries: number;
  /** Content bytes. */
  bytes: number;
}

export interface PackArgs {
  volume: string;
  image: string;
  /** The image can run `tar` (the helper image); otherwise only the Engine's archive API is used. */
  runnable: boolean;
  /** Receives the gzip'd tar; ended by the engine when the archive is complete. */
  out: Writable;
}

/** GNU tar's exit: 1 = some files changed while being read (the archive is complete, warned); 2 = fatal. Also the transfer's sending tar. */
export function judgeTarExit(ctx: JobContext, exitCode: number, messages: string[], image: string): AppError | null {
  if (exitCode === 1) {
    ctx.warn(
      `tar reported files that changed while they were packed: ${messages.slice(0, 3).join('; ') || 'see the log'}. Stop the containers using the volume for a consistent backup.`,
    );
    return null;
  }
  return exitCode === 0 ? null : tarFailure(exitCode, messages, image);
}

/**
 * fast: `tar -C /volume -cf … .` in the helper (read-only), its output compressed on the host on all
 * cores as a multi-member gzip: the seed's format and layout, without its single-core gzip. On a
 * local Linux engine tar writes into a FIFO the host reads (fifoFeed.ts: no copies through dockerd
 * and the shim), else to its stdout. Not the Engine's own `GET /archive`: it streamed the 1 GiB
 * benchmark volume ~3× slower here (11–15 s against 4.5 s over stdout); that API is the fallback for
 * engines without a runnable helper image.
 */
export async function packFast(ctx: JobContext, args: PackArgs): Promise<PackResult> {
  if (!args.runnable) return packViaArchiveApi(ctx, args);
  const counter = new TapProgress(ctx.progress, ctx.log);
  // tar's output goes straight into the tap, which feeds the compressor.
  const tap = createTarTap(counter.onEntry);
  counter.attach(tap);
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // A failed write (disk full) stops tar; the write error is what the user needs to hear. An error
  // after our own abort (tar failed, Docker went away, cancel) only echoes that abort.
  let packError: unknown = null;
  const compressing = pipeline(tap, createParallelGzip({ level: FAST_GZIP_LEVEL }), args.out, { signal: abort.signal }).catch((err: unknown) => {
    if (!abort.signal.aborted) packError ??= err;
    abort.abort();
  });
  const tar = (archive: string, opts: { signal: AbortSignal; stdout?: Writable; feedDir?: string; onStarted?: () => void }) =>
    runHelper(
      ctx.docker,
      {
        image: args.image,
        cmd: ['tar', '-C', VOLUME_MOUNT, '-cf', archive, '.'],
        volume: args.volume,
        readOnly: true,
        labels: ctx.labels,
        feedDir: opts.feedDir,
      },
      // Without -v, stderr carries only tar's own messages.
      { signal: opts.signal, stdout: opts.stdout, onStarted: opts.onStarted, onStderrLine: (line) => ctx.log(line) },
      ctx.tracker,
    );
  let overFifo: FifoHelpers<RunResult> | null = null;
  try {
    let runError: unknown = null;
    // All of tar's output has reached the tap (a FIFO can still hold some after tar exits).
    let read: Promise<unknown> = Promise.resolve();
    try {
      const helpers = await helpersOverFifos(ctx.docker, 1, 'read', (path, feedDir, hooks) => tar(path, { ...hooks, feedDir }), abort.signal);
      let running: Promise<RunResult>;
      if ('failed' in helpers) {
        ctx.log(`tar writes the archive to its stdout (no FIFO: ${helpers.failed}).`);
        running = tar('-', { signal: abort.signal, stdout: tap });
      } else {
        ctx.log('tar writes the archive into a FIFO.');
        overFifo = helpers;
        const src = helpers.ends[0] as Socket;
        read = finished(src, { writable: false });
        read.catch(() => undefined); // awaited only when tar succeeded; a cancel or failure destroys src
        abort.signal.addEventListener('abort', () => src.destroy(), { once: true });
        src.pipe(tap, { end: false });
        running = helpers.runs[0] as Promise<RunResult>;
      }
      const res = await running;
      runError = judgeTarExit(ctx, res.exitCode, res.stderrTail, args.image);
      if (runError === null) await read;
    } catch (err) {
      runError ??= err;
    }
    if (runError === null && packError === null) tap.end();
    else abort.abort();
    await compressing;
    counter.stop();
    if (ctx.signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
    if (packError !== null) throw toAppError(packError);
    if (runError !== null) throw toAppError(runError);
    return { entries: counter.entries, bytes: counter.bytes };
  } finally {
    counter.stop();
    ctx.signal.removeEventListener('abort', onAbort);
    tap.destroy();
    await overFifo?.close();
  }
}

/**
 * The fallback without a runnable image: a container is created (never started) with the volume
 * mounted read-only, the Engine streams the volume as tar (`GET /containers/{id}/archive?path=/volume/.`:
 * entries `./…`, owners, modes, links and times kept, the layout of the seed's `tar -C /volume -czvf … .`),
 * and the host compresses it on all cores.
 */
export async function packViaArchiveApi(ctx: JobContext, args: PackArgs): Promise<PackResult> {
  const container = await createHelper(ctx.docker, { image: args.image, volume: args.volume, readOnly: true, labels: ctx.labels }, ctx.tracker);
  const counter = new TapProgress(ctx.progress, ctx.log);
  try {
    let source: NodeJS.ReadableStream;
    try {
      source = await container.getArchive({ path: `${VOLUME_MOUNT}/.`, abortSignal: ctx.signal });
    } catch (err) {
      throw toAppError(err);
    }
    const tap = createTarTap(counter.onEntry);
    counter.attach(tap);
    await pipeline(source, tap, createParallelGzip({ level: FAST_GZIP_LEVEL }), args.out, { signal: ctx.signal });
    counter.stop();
    return { entries: counter.entries, bytes: counter.bytes };
  } finally {
    counter.stop();
    await ctx.tracker.remove(container.id);
  }
}

/**
 * tar: the seed's own command in the helper image, `tar -C /volume -czvvf - .`, with the archive on
 * stdout (no log driver, see createHelper) and the verbose listing on stderr, streamed line by line.
 * `-vv` adds sizes to the listing, which makes byte progress real.
 */
export async function packTar(ctx: JobContext, args: PackArgs): Promise<PackResult> {
  const listing = new VerboseListing(ctx);
  const res = await runHelper(
    ctx.docker,
    { image: args.image, cmd: ['tar', '-C', VOLUME_MOUNT, '-czvvf', '-', '.'], volume: args.volume, readOnly: true, labels: ctx.labels },
    { signal: ctx.signal, stdout: args.out, onStderrLine: listing.onLine },
    ctx.tracker,
  );
  const failed = judgeTarExit(ctx, res.exitCode, listing.messages.length > 0 ? listing.messages : res.stderrTail, args.image);
  if (failed) throw failed;
  // finished() also settles for a stream that already failed or closed, where end()'s callback and a
  // late 'error' listener would never fire.
  if (!args.out.writableEnded) args.out.end();
  await finished(args.out);
  return { entries: listing.entries, bytes: listing.bytes };
}

export function packEngine(engine: JobEngine): (ctx: JobContext, args: PackArgs) => Promise<PackResult> {
  return engine === 'tar' ? packTar : packFast;
}
