import type { Readable, Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { toAppError } from '../docker/errors';
import { helperHostConfig, VOLUME_MOUNT, type HelperAccess } from '../docker/helperHardening';
import { waitForExit } from './containerExit';
import { DockerDemuxer } from './dockerStreams';
import { FEED_MOUNT } from './fifoFeed';
import { LineSplitter } from './lineSplitter';

export interface HelperSpec {
  image: string;
  /** argv, no shell: Entrypoint is the first element so an image's own entrypoint never wraps it. */
  cmd?: string[];
  volume: string;
  readOnly: boolean;
  labels: Record<string, string>;
  stdin?: boolean;
  /** A host folder of FIFOs (fifoFeed.ts), bind-mounted read-only at FEED_MOUNT. */
  feedDir?: string;
  /** A second volume (a clone's target), mounted at `target`. */
  otherVolume?: { volume: string; target: string; readOnly: boolean };
  /** The confinement when it is not what `readOnly` and `feedDir` imply (a clone reads one volume and writes another). */
  access?: HelperAccess;
}

/** Whatever the job has created, so cancel and cleanup can remove it even mid-call. */
export interface ContainerTracker {
  add(id: string): void;
  remove(id: string): Promise<void>;
}

/**
 * A helper container, confined (docker/helperHardening.ts). Called directly it is for the Engine's
 * archive API and never started; runHelper creates the ones that run (`runs`).
 */
export async function createHelper(docker: Dockerode, spec: HelperSpec, tracker: ContainerTracker, runs = false): Promise<Dockerode.Container> {
  const withStdin = spec.stdin === true;
  const cmd = spec.cmd ?? ['true'];
  try {
    const container = await docker.createContainer({
      Image: spec.image,
      Entrypoint: cmd.slice(0, 1),
      Cmd: cmd.slice(1),
      User: '0:0',
      WorkingDir: '/',
      Labels: spec.labels,
      Tty: false,
      AttachStdin: withStdin,
      AttachStdout: true,
      AttachStderr: true,
      OpenStdin: withStdin,
      StdinOnce: withStdin,
      NetworkDisabled: true,
      HostConfig: {
        // The tar engine writes the archive to stdout: with a log driver, Docker would store the whole
        // archive a second time in its JSON log.
        LogConfig: { Type: 'none', Config: {} },
        Mounts: [
          { Type: 'volume', Source: spec.volume, Target: VOLUME_MOUNT, ReadOnly: spec.readOnly },
          ...(spec.feedDir ? [{ Type: 'bind' as const, Source: spec.feedDir, Target: FEED_MOUNT, ReadOnly: true }] : []),
          ...(spec.otherVolume
            ? [{ Type: 'volume' as const, Source: spec.otherVolume.volume, Target: spec.otherVolume.target, ReadOnly: spec.otherVolume.readOnly }]
            : []),
        ],
        ...helperHostConfig(spec.access ?? (spec.readOnly ? (spec.feedDir ? 'read-to-host-fifo' : 'read') : 'write'), { runs }),
      },
    });
    tracker.add(container.id);
    return container;
  } catch (err) {
    throw toAppError(err, {
      notFound: () =>
        new AppError('IMAGE_NOT_FOUND', `The helper image ${spec.image} is not on this Docker engine.`, {
          hint: `Pull it (docker pull ${spec.image}) or choose another helper image in the settings.`,
          details: { image: spec.image, canPull: true },
        }),
    });
  }
}

export interface RunOptions {
  signal: AbortSignal;
  /** Sent to the container's stdin, which is closed at its end. */
  stdin?: Readable;
  /** Raw stdout (an archive); written with backpressure, not ended here. */
  stdout?: Writable;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** The container has started (its command may not have run yet). */
  onStarted?: () => void;
  /**
   * Its command has exited (with this code); the run still drains its output and removes the
   * container. The removal can take seconds: the first unmount after a large write flushes the disk.
   */
  onExited?: (exitCode: number) => void;
}

export interface RunResult {
  exitCode: number;
  /** The last stderr lines, for an error message. */
  stderrTail: string[];
}

/**
 * Runs a helper to completion: attach before start (nothing is lost), stream stdin in, demultiplex
 * stdout/stderr into lines or a byte sink, and finish on the container's exit (waitForExit) rather than
 * on the end of the attach stream. Abort kills the container at once.
 */
export async function runHelper(docker: Dockerode, spec: HelperSpec, opts: RunOptions, tracker: ContainerTracker): Promise<RunResult> {
  if (opts.signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
  const container = await createHelper(docker, { ...spec, stdin: opts.stdin !== undefined }, tracker, true);
  const stderrTail: string[] = [];
  const errLines = new LineSplitter((line) => {
    stderrTail.push(line);
    if (stderrTail.length > 20) stderrTail.shift();
    opts.onStderrLine?.(line);
  });
  const outLines = opts.onStdoutLine ? new LineSplitter(opts.onStdoutLine) : null;
  const stdoutSink: Writable | ((chunk: Buffer) => void) = opts.stdout ?? ((chunk: Buffer) => outLines?.push(chunk));
  const demux = new DockerDemuxer(stdoutSink, (chunk) => errLines.push(chunk));

  let failure: Error | null = null;
  let attachError: Error | null = null;
  let attached: { destroy?: () => void } | null = null;
  const fail = (err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
    void container.kill().catch(() => undefined);
    // Docker does not finish killing a container whose output nobody reads (its copy to our
    // connection blocks); once we fail, that output is unwanted: close our end.
    attached?.destroy?.();
  };
  const onAbort = () => fail(new AppError('CANCELLED', 'Cancelled.'));
  opts.signal.addEventListener('abort', onAbort, { once: true });
  // Aborted while the container was being created: the event has come and gone.
  if (opts.signal.aborted) onAbort();

  try {
    let attach: NodeJS.ReadWriteStream;
    try {
      attach = await container.attach({ stream: true, stdin: opts.stdin !== undefined, stdout: true, stderr: true, hijack: opts.stdin !== undefined });
    } catch (err) {
      throw toAppError(err);
    }
    const attachStream = attach as unknown as NodeJS.ReadWriteStream & { destroy?: () => void };
    attached = attachStream;
    if (failure) attachStream.destroy?.();
    const outputDone = new Promise<void>((resolve) => {
      demux.once('finish', resolve);
      demux.once('error', (err) => {
        fail(err);
        resolve();
      });
      // A broken attach socket (EPIPE after tar gave up on its input, or Docker going away) is judged
      // after wait(): the exit code and stderr say more than the socket error.
      attachStream.once('error', (err: Error) => {
        attachError ??= err;
        resolve();
      });
      // 'close' can come while the demuxer still writes what the socket delivered into a slow sink
      // (a busy disk under backpressure): resolving then let the caller end the archive before its
      // last blocks were written (a truncated backup under load, exit 6 in a CI rehearsal). The
      // demuxer's 'finish' is the end of the output.
      attachStream.once('close', () => {
        if (!demux.writableEnded) demux.end();
      });
    });
    attachStream.pipe(demux);

    // A failure before the start (a cancel, a refused input) found nothing running to kill.
    if (failure) throw failure;
    try {
      await container.start();
    } catch (err) {
      throw toAppError(err);
    }
    if (failure) void container.kill().catch(() => undefined);
    opts.onStarted?.();

    if (opts.stdin) {
      const input = opts.stdin;
      input.once('error', (err) => fail(err));
      // Ending the hijacked socket half-closes it, which is the container's end of stdin.
      input.pipe(attachStream as unknown as Writable);
    }

    let exitCode: number;
    try {
      // Not container.wait() alone: it never answers when the connection dies at the wrong moment.
      exitCode = await waitForExit(container, outputDone);
    } catch (err) {
      throw failure ?? toAppError(err);
    }
    opts.onExited?.(exitCode);
    // Output can still be in flight when wait() answers; give it a moment to arrive.
    await Promise.race([outputDone, new Promise((r) => setTimeout(r, 15_000).unref())]);
    errLines.end();
    outLines?.end();
    opts.stdin?.unpipe();
    attachStream.destroy?.();
    if (failure) throw failure;
    if (attachError && exitCode === 0) throw toAppError(attachError);
    return { exitCode, stderrTail };
  } catch (err) {
    throw failure ?? err;
  } finally {
    opts.signal.removeEventListener('abort', onAbort);
    await tracker.remove(container.id);
  }
}
