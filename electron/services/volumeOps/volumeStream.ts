import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { createTarTap } from '../archive/tarTap';
import { toAppError } from '../docker/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { EXTRACT_RECORDS } from '../docker/helperTar';
import { judgeTarExit } from '../jobs/backupEngines';
import { TapProgress } from '../jobs/byteSampler';
import { runHelper, type ContainerTracker, type RunResult } from '../jobs/helperContainer';
import type { JobContext } from '../jobs/jobContext';
import { tarFailure } from '../jobs/verboseListing';

/** The sending side: pax (nanosecond times, long names, sparse maps), owners as numbers, holes kept as holes. */
export const SEND_TAR = ['tar', '-C', VOLUME_MOUNT, '--format=posix', '--sparse', '--numeric-owner', '-cf', '-', '.'];
/** The receiving side: owners as numbers, modes exactly (setgid, 000), into the mounted target volume. */
export const RECEIVE_TAR = ['tar', '-C', VOLUME_MOUNT, '--numeric-owner', ...EXTRACT_RECORDS, '-xpf', '-'];

/** sha256 and byte count of what crosses between the engines. */
class StreamDigest extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor() {
    super({ highWaterMark: 1024 * 1024 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

export interface StreamArgs {
  volume: string;
  image: string;
  target: { docker: Dockerode; words: string; tracker: ContainerTracker };
  targetVolume: string;
}

export interface StreamResult {
  entries: number;
  bytes: number;
  streamBytes: number;
  sha256: string;
  seconds: number;
}

/**
 * One tar stream from engine to engine, through this process and never through a file: a read-only
 * helper on the source writes the volume as tar to its stdout, which is parsed as it passes (each
 * entry's path and size for progress), hashed and counted, and written into the stdin of a writing
 * helper on the target. Backpressure holds end to end (a slow target slows the source's tar: the
 * demultiplexer waits for the pipe to drain). A failure on either side kills the other.
 */
export async function streamVolume(ctx: JobContext, args: StreamArgs): Promise<StreamResult> {
  const started = Date.now();
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const counter = new TapProgress(ctx.progress, ctx.log);
  const tap = createTarTap(counter.onEntry);
  counter.attach(tap);
  const digest = new StreamDigest();
  tap.pipe(digest);
  let streamError: unknown = null;
  const failStream = (err: unknown) => {
    streamError ??= err;
    abort.abort();
  };
  tap.once('error', failStream);
  digest.once('error', failStream);

  const receiving: Promise<RunResult> = runHelper(
    args.target.docker,
    { image: args.image, cmd: RECEIVE_TAR, volume: args.targetVolume, readOnly: false, labels: ctx.labels },
    { signal: abort.signal, stdin: digest, onStderrLine: (line) => ctx.log(`target: ${line}`) },
    args.target.tracker,
  ).then(
    (res) => {
      // The target gave up (a full disk, a broken volume): the source must not wait on a pipe nobody reads.
      if (res.exitCode !== 0) abort.abort();
      return res;
    },
    (err: unknown) => {
      abort.abort();
      throw err;
    },
  );
  receiving.catch(() => undefined);

  let sendError: unknown = null;
  try {
    const sent = await runHelper(
      ctx.docker,
      { image: args.image, cmd: SEND_TAR, volume: args.volume, readOnly: true, labels: ctx.labels },
      { signal: abort.signal, stdout: tap, onStderrLine: (line) => ctx.log(line) },
      ctx.tracker,
    );
    sendError = judgeTarExit(ctx, sent.exitCode, sent.stderrTail, args.image);
  } catch (err) {
    sendError = err;
  }
  // All of the volume went through the tap: ending it half-closes the target's stdin, which ends its tar.
  if (sendError === null && streamError === null) tap.end();
  else abort.abort();

  let received: RunResult | null = null;
  let receiveError: unknown = null;
  try {
    received = await receiving;
  } catch (err) {
    receiveError = err;
  }
  counter.stop();
  ctx.signal.removeEventListener('abort', onAbort);
  tap.destroy();
  digest.destroy();

  if (ctx.signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
  // The target's own words first: a full disk there is why the source was stopped.
  if (received && received.exitCode !== 0) throw onTarget(tarFailure(received.exitCode, received.stderrTail, args.image), args);
  if (receiveError !== null && !(sendError !== null && isCancel(receiveError))) throw onTarget(toAppError(receiveError), args);
  if (sendError !== null) throw toAppError(sendError);
  if (streamError !== null) throw toAppError(streamError);
  if (receiveError !== null) throw onTarget(toAppError(receiveError), args);
  const seconds = Math.max(0.001, (Date.now() - started) / 1000);
  return { entries: counter.entries, bytes: counter.bytes, streamBytes: digest.bytes, sha256: digest.hash.digest('hex'), seconds };
}

function isCancel(err: unknown): boolean {
  return (err as { code?: unknown }).code === 'CANCELLED';
}

/** An error of the receiving side, said of the target engine (the user has two). */
function onTarget(e: AppError, args: StreamArgs): AppError {
  if (e.code === 'DISK_FULL') {
    return new AppError('DISK_FULL', `The volume ${args.targetVolume} on the target engine ${args.target.words} is full: ${e.message}`, {
      hint: `Free space on that engine's disk (docker --context … system df), or transfer into a volume with more room.`,
      details: e.details,
      cause: e,
    });
  }
  if (e.code === 'DOCKER_ERROR' || e.code === 'DOCKER_UNREACHABLE') {
    return new AppError(e.code, `On the target engine ${args.target.words}: ${e.message}`, { hint: e.hint, details: e.details, cause: e });
  }
  return e;
}
