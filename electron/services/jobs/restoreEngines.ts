import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Socket } from 'node:net';
import os from 'node:os';
import { PassThrough, Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import tarStream from 'tar-stream';
import { SCS_FILE } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type { JobEngine } from '../../../shared/contract/jobs';
import { createParallelGunzip } from '../archive/parallelGunzip';
import { RestoreGuard, TarGuardStream, type RestoreGuardOptions } from '../archive/restoreGuard';
import { createTarRewriter } from '../archive/stripTopFolder';
import { TarDrop } from '../archive/tarDrop';
import type { ParsedEntry } from '../archive/tarParser';
import { createTarSplitter } from '../archive/tarSplitter';
import { pathComponents } from '../archive/inspectArchive';
import type { ArchiveFormat, TarEntryInfo } from '../archive/types';
import { toAppError } from '../docker/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { EXTRACT_RECORDS } from '../docker/helperTar';
import { TapProgress } from './byteSampler';
import { helpersOverFifos, type FifoHelpers } from './fifoFeed';
import { createHelper, runHelper, type RunResult } from './helperContainer';
import type { JobContext } from './jobContext';
import { FindTally, MEASURE_PRINTF } from './measure';
import { settleWithin } from './settle';
import { tarFailure, VerboseListing } from './verboseListing';

const CHUNK = 1024 * 1024;
/**
 * Once tar has exited, whatever it did not read never will be: tar failed early, or met the
 * end-of-archive blocks before the end of its input. The feeding pipeline then waits for ever for a
 * reader; it gets this long to finish before it is stopped and tar's exit code decides.
 */
const FEED_GRACE_MS = 2_000;

export interface UnpackArgs {
  archivePath: string;
  /** The archive, opened for the check: read from its start instead of opening archivePath again. */
  handle?: FileHandle;
  /** A tar stream that is not a file (an image's folder, volumeOps/importImage.ts): a fresh one per call; archivePath only names it. */
  open?: () => Readable;
  /** What the check found, which the extraction must match, and what to do with setuid files. */
  guard: RestoreGuardOptions;
  format: ArchiveFormat;
  volume: string;
  image: string;
  /** The image can run `tar` (the helper image); otherwise only the Engine's archive API is used. */
  runnable?: boolean;
  /** The wrapping folder to remove (`notebooks/`), or null. */
  stripPrefix: string | null;
  /**
   * Nothing is written before this resolves (the free-space check, which runs while the extractors
   * start); a rejection stops the restore with its error.
   */
  ready?: Promise<void>;
  /**
   * A restore of chosen paths: every entry passes the guard first (the check's rules see the whole
   * archive), then `stream` keeps and renames the chosen ones; `hidden` names the folders above them
   * that are only written back as they were, left out of the log.
   */
  select?: { stream: (onEntry: (e: TarEntryInfo) => void) => Transform & { readonly tarBytes: number }; hidden: (path: string) => boolean };
  /** Drop the archive's SCS at the root (after the guard), so the volume's own stays as it is. Not with `select` (which decides that itself). */
  keepScs?: boolean;
  /** Count the volume's entries once extracted (UnpackResult.volumeEntries), where the engine can do it on the way. */
  countEntries?: boolean;
}

export interface UnpackResult {
  /** Entries that reached the volume (after stripping). */
  entries: number;
  bytes: number;
  /** The archive had a `./` entry (counted in entries). */
  rootEntry: boolean;
  /** For the job's warnings: root-owned files restored without their setuid/setgid bits, or null. */
  setuidWarning: string | null;
  /** The sha256 of the archive file as read (a one-pass restore has no earlier check that knew it). */
  sha256: string;
  /** Entries keepScs left out (the archive's root SCS; not counted in entries). */
  droppedScs: number;
  /**
   * The volume's entries after the extraction, its root folder included (as measureVolume counts):
   * when asked (countEntries) and the engine counted on the way, else null.
   */
  volumeEntries: number | null;
}

function isRootScs(e: ParsedEntry): boolean {
  const parts = pathComponents(e.info.path);
  return parts.length === 1 && parts[0] === SCS_FILE;
}

/** The stage that leaves out the archive's SCS, or null when the restore keeps it. */
function scsDrop(args: UnpackArgs, onEntry: (e: TarEntryInfo) => void): TarDrop | null {
  return args.keepScs && !args.select ? new TarDrop({ drop: isRootScs, onEntry }) : null;
}

/**
 * The archive as an uncompressed tar stream, with a top folder stripped when asked: read from the
 * descriptor the check read when there is one, every byte hashed for the guard on the way.
 */
function tarSource(args: UnpackArgs, guard: RestoreGuard): Array<Readable | Transform> {
  const source = args.open
    ? args.open()
    : args.handle
      ? args.handle.createReadStream({ start: 0, autoClose: false, highWaterMark: CHUNK })
      : createReadStream(args.archivePath, { highWaterMark: CHUNK });
  const stages: Array<Readable | Transform> = [source, guard.hasher];
  // Members the fast engine wrote decompress on all cores; any other gzip streams through zlib.
  if (args.format === 'tgz') stages.push(createParallelGunzip() as unknown as Transform);
  if (args.stripPrefix) stages.push(createTarRewriter({ stripPrefix: args.stripPrefix }));
  return stages;
}

function unpackError(err: unknown, archivePath: string): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new AppError('ARCHIVE_INVALID', `The archive ${archivePath} is damaged: ${(err as Error).message}.`, { cause: err });
  }
  return toAppError(err);
}

/**
 * Extractors that write at once. When creating a file is expensive for the kernel (ext4 right after a
 * large delete, as when replace has just emptied the volume, scans past every recently freed inode),
 * two tar processes took the 30,000-file benchmark volume from ~30 s to ~12 s here; on a file system
 * without such a delete, one and two measured the same (9.5 vs 10 s). More than two gained nothing on
 * two cores.
 */
const WRITERS = Math.min(4, Math.max(2, os.availableParallelism()));

/** What the counting extractor prints once find has listed every entry. */
const COUNT_END = 'counted';
/**
 * tar with the arguments after the first, then the measure's find (`-printf` the first argument, so
 * the lines are measure.ts's): tar's exit code stands when it fails; find's never does.
 */
const COUNT_SCRIPT = `f=$1; shift; tar "$@" || exit; find ${VOLUME_MOUNT} -printf "$f" && echo ${COUNT_END}; exit 0`;

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * fast: decompression on the host (all cores), the tar stream split by path (createTarSplitter) and
 * extracted by several GNU tar processes in helper containers at once, each reading its share from a
 * FIFO on a local Linux engine, else on stdin (fifoFeed.ts). The Engine's `PUT /archive` is only the
 * fallback for engines without a runnable helper image: one writer, with no say over how it writes
 * (22.4 s against 12.0 s for `tar -xf` in an early measurement; about even, 14.2 vs 15.0 s with the
 * checks, in the fair benchmark). `--numeric-owner` keeps the uid/gid as stored, whatever names the
 * helper's /etc/passwd knows.
 */
export async function unpackFast(ctx: JobContext, args: UnpackArgs): Promise<UnpackResult> {
  if (args.runnable === false) return unpackViaArchiveApi(ctx, args);
  const counter = new TapProgress(ctx.progress, ctx.log);
  const guard = new RestoreGuard(args.guard);
  const stages = tarSource(args, guard);
  let splitter: ReturnType<typeof createTarSplitter>;
  const drop = scsDrop(args, counter.onEntry);
  if (args.select || drop) {
    const select = drop ?? (args.select as NonNullable<UnpackArgs['select']>).stream(counter.onEntry);
    stages.push(new TarGuardStream(guard, () => undefined), select);
    splitter = createTarSplitter(WRITERS, { highWaterMark: CHUNK });
    counter.attach(select);
  } else {
    splitter = createTarSplitter(WRITERS, { highWaterMark: CHUNK, onEntry: counter.onEntry, guard });
    counter.attach(splitter);
  }
  const abort = new AbortController();
  // What stopped the others first: a bad archive, or a failed extractor (Docker gone, volume full).
  type Failure = { from: 'archive' | 'tar'; err: unknown };
  let failure: Failure | null = null;
  const stop = (from: 'archive' | 'tar', err: unknown) => {
    failure ??= { from, err };
    abort.abort();
  };
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  // Whether each extractor has exited (its code), or null once its run ended without an exit code.
  const exits = splitter.outputs.map(() => deferred<number | null>());
  const count = args.countEntries ? { tally: new FindTally(), complete: false } : null;
  const writer = (
    index: number,
    source: string,
    opts: { signal: AbortSignal; stdin?: Readable; feedDir?: string; onStarted?: () => void },
  ): Promise<RunResult> => {
    const tar = ['tar', '-C', VOLUME_MOUNT, '--numeric-owner', ...EXTRACT_RECORDS, '-xf', source];
    // The first extractor is the last to finish (folders are set last): it counts the volume's
    // entries right after, which saves a helper container of its own (countRestored).
    const counts = index === 0 && count !== null;
    const run = runHelper(
      ctx.docker,
      {
        image: args.image,
        cmd: counts ? ['sh', '-c', COUNT_SCRIPT, 'sh', MEASURE_PRINTF, ...tar.slice(1)] : tar,
        volume: args.volume,
        readOnly: false,
        labels: ctx.labels,
        feedDir: opts.feedDir,
      },
      {
        signal: opts.signal,
        stdin: opts.stdin,
        onStarted: opts.onStarted,
        onStderrLine: (line) => ctx.log(line),
        onStdoutLine: counts
          ? (line) => {
              if (line === COUNT_END) count.complete = true;
              else if (!count.complete) count.tally.line(line);
            }
          : undefined,
        onExited: (code) => exits[index]?.resolve(code),
      },
      ctx.tracker,
    );
    run.then(
      () => exits[index]?.resolve(null),
      () => exits[index]?.resolve(null),
    );
    return run;
  };
  const judge = (run: Promise<RunResult>): Promise<void> =>
    run.then(
      (res) => {
        if (res.exitCode !== 0) stop('tar', tarFailure(res.exitCode, res.stderrTail, args.image));
      },
      (err: unknown) => stop('tar', err),
    );
  let overFifos: FifoHelpers<RunResult> | null = null;
  try {
    const fifos = await helpersOverFifos(ctx.docker, WRITERS, 'write', (path, feedDir, hooks, i) => writer(i, path, { ...hooks, feedDir }), abort.signal);
    const outputs = splitter.outputs as PassThrough[];
    let done: Array<Promise<void>>;
    if ('failed' in fifos) {
      ctx.log(`${WRITERS} tar processes extract at once, each reading its share on stdin (no FIFOs: ${fifos.failed}).`);
      done = outputs.map((stdin, i) => judge(writer(i, '-', { signal: abort.signal, stdin })));
    } else {
      ctx.log(`${WRITERS} tar processes extract at once, each reading its share from a FIFO.`);
      overFifos = fifos;
      done = fifos.runs.map(judge);
      outputs.forEach((out, i) => {
        const input = fifos.ends[i] as Socket;
        // A broken pipe means tar stopped reading: its exit code and stderr say why.
        input.on('error', () => undefined);
        out.pipe(input);
      });
    }
    await args.ready?.catch((err: unknown) => stop('archive', err));
    if (!abort.signal.aborted) await pipeline([...stages, splitter], { signal: abort.signal }).catch((err: unknown) => stop('archive', err));
    // Folders get their owner, mode and time last, once no other extractor writes into them: as soon
    // as the others have exited, not once their containers are gone (the first removal after a large
    // write waits for the disk to be flushed, ~2 s for 1 GiB here, and the last extractor's folders
    // and count now run during that flush).
    const othersExited = await Promise.all(exits.slice(1).map((e) => e.promise));
    if (!abort.signal.aborted && othersExited.every((code) => code === 0)) splitter.finish();
    await Promise.all(done);
    counter.stop();
    if (ctx.signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
    const failed = failure as Failure | null; // set in callbacks, which the compiler cannot see
    if (failed) throw failed.from === 'archive' ? unpackError(failed.err, args.archivePath) : toAppError(failed.err);
    return {
      entries: counter.entries,
      bytes: counter.bytes,
      rootEntry: counter.rootEntry !== null,
      setuidWarning: guard.strippedWarning(),
      droppedScs: drop?.dropped ?? 0,
      sha256: guard.sha256(),
      volumeEntries: count?.complete ? count.tally.entries : null,
    };
  } finally {
    counter.stop();
    ctx.signal.removeEventListener('abort', onAbort);
    for (const out of splitter.outputs) out.destroy();
    await overFifos?.close();
  }
}

/**
 * The fallback: the tar stream goes to the Engine's archive API (`PUT /containers/{id}/archive?path=/volume`)
 * of a created, never started container, which needs no image that can run. Owners, modes, links and
 * times are kept by the Engine; the volume's own folder (the `./` entry, which the Engine skips) is set
 * afterwards.
 */
export async function unpackViaArchiveApi(ctx: JobContext, args: UnpackArgs): Promise<UnpackResult> {
  // The Engine writes what it is given with no say over folders it passes; chosen paths need tar.
  if (args.select) throw new AppError('INTERNAL', 'A restore of chosen paths needs a helper image that runs tar.');
  const container = await createHelper(ctx.docker, { image: args.image, volume: args.volume, readOnly: false, labels: ctx.labels }, ctx.tracker);
  const counter = new TapProgress(ctx.progress, ctx.log);
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const guard = new RestoreGuard(args.guard);
    const stages = tarSource(args, guard);
    const drop = scsDrop(args, counter.onEntry);
    const tap = new TarGuardStream(guard, drop ? () => undefined : counter.onEntry);
    counter.attach(drop ?? tap);
    const body = new PassThrough({ highWaterMark: CHUNK });
    const feeding = (args.ready ?? Promise.resolve())
      .then(() => pipeline([...stages, tap, ...(drop ? [drop] : []), body], { signal: abort.signal }))
      .catch((err: unknown) => {
        abort.abort();
        throw err;
      });
    const putting = container.putArchive(body, { path: VOLUME_MOUNT, abortSignal: abort.signal }).then(
      (res) => drain(res),
      (err: unknown) => {
        abort.abort();
        throw err;
      },
    );
    const [fed, put] = await Promise.allSettled([feeding, putting]);
    counter.stop();
    if (fed.status === 'rejected') throw unpackError(ctx.signal.aborted ? new AppError('CANCELLED', 'Cancelled.') : fed.reason, args.archivePath);
    if (put.status === 'rejected') throw ctx.signal.aborted ? new AppError('CANCELLED', 'Cancelled.') : toAppError(put.reason);
    if (counter.rootEntry) await setVolumeRoot(container, counter.rootEntry);
    return {
      entries: counter.entries,
      bytes: counter.bytes,
      rootEntry: counter.rootEntry !== null,
      setuidWarning: guard.strippedWarning(),
      droppedScs: drop?.dropped ?? 0,
      sha256: guard.sha256(),
      volumeEntries: null,
    };
  } finally {
    counter.stop();
    ctx.signal.removeEventListener('abort', onAbort);
    await ctx.tracker.remove(container.id);
  }
}

async function drain(res: NodeJS.ReadableStream | undefined): Promise<void> {
  if (!res || typeof (res as Readable).resume !== 'function') return;
  await new Promise<void>((resolve) => {
    (res as Readable)
      .on('end', resolve)
      .on('close', resolve)
      .on('error', () => resolve());
    (res as Readable).resume();
  });
}

/**
 * The Engine skips an archive's `.` entry, so the volume's own folder would keep its old owner, mode
 * and time (GNU tar sets them). A one-entry archive `volume/` put at `/` sets exactly those.
 */
async function setVolumeRoot(container: Dockerode.Container, root: TarEntryInfo): Promise<void> {
  const pack = tarStream.pack();
  pack.entry({
    name: `${VOLUME_MOUNT.slice(1)}/`,
    type: 'directory',
    mode: root.mode & 0o7777,
    uid: root.uid,
    gid: root.gid,
    uname: root.uname,
    gname: root.gname,
    mtime: new Date(root.mtime * 1000),
  });
  pack.finalize();
  const body = Readable.from(pack as unknown as AsyncIterable<Buffer>);
  try {
    await drain((await container.putArchive(body, { path: '/' })) as NodeJS.ReadableStream);
  } catch (err) {
    throw toAppError(err);
  }
}

/**
 * tar: the seed's `tar -C /volume -xvvf -` in the helper image, the verbose listing streamed. The archive
 * is decompressed (and a top folder stripped) on the host and passes the guard there, so that this tar
 * extracts only what the check saw: GNU tar itself would read whatever the file holds by then.
 */
export async function unpackTar(ctx: JobContext, args: UnpackArgs): Promise<UnpackResult> {
  const listing = new VerboseListing(ctx, args.select?.hidden);
  const guard = new RestoreGuard(args.guard);
  const stdin = new PassThrough({ highWaterMark: CHUNK });
  // A refused entry or a changed file stops tar at once: it must not wait for the rest of its input.
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let feedError: unknown = null;
  const drop = scsDrop(args, () => undefined);
  const after = args.select ? [args.select.stream(() => undefined)] : drop ? [drop] : [];
  const feeding = (args.ready ?? Promise.resolve())
    .then(() => pipeline([...tarSource(args, guard), new TarGuardStream(guard, () => undefined), ...after, stdin], { signal: abort.signal }))
    .catch((err: unknown) => {
      feedError ??= err;
      abort.abort();
      throw err;
    });
  feeding.catch(() => undefined);
  try {
    const res = await runHelper(
      ctx.docker,
      { image: args.image, cmd: ['tar', '-C', VOLUME_MOUNT, '-xvvf', '-'], volume: args.volume, readOnly: false, labels: ctx.labels },
      { signal: abort.signal, stdin, onStdoutLine: listing.onLine, onStderrLine: listing.onLine },
      ctx.tracker,
    ).catch((err: unknown) => {
      if (feedError !== null && !ctx.signal.aborted) return null;
      throw err;
    });
    if (ctx.signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
    if (res === null) throw unpackError(feedError, args.archivePath);
    // Still pending: tar stopped reading (see FEED_GRACE_MS); `finally` stops the feed, the exit code decides.
    const fed = await settleWithin(feeding, FEED_GRACE_MS);
    if (fed.state === 'rejected') throw unpackError(fed.error, args.archivePath);
    if (res.exitCode !== 0) throw listing.failure(res.exitCode, res.stderrTail, args.image);
    // The archive ends with our end-of-archive marker, sent only once all of it was read and verified.
    if (fed.state === 'pending')
      throw new AppError('INTERNAL', 'tar finished before the whole archive had been read.', { hint: 'See the job log; try the other engine.' });
    return {
      entries: listing.entries,
      bytes: listing.bytes,
      rootEntry: listing.rootEntry,
      setuidWarning: guard.strippedWarning(),
      droppedScs: drop?.dropped ?? 0,
      sha256: guard.sha256(),
      volumeEntries: null,
    };
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    stdin.destroy();
  }
}

export function unpackEngine(engine: JobEngine): (ctx: JobContext, args: UnpackArgs) => Promise<UnpackResult> {
  return engine === 'tar' ? unpackTar : unpackFast;
}
