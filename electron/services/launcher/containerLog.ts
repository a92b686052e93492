import { PassThrough, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';

/** Turns chunks into whole lines; a partial line waits for the next chunk (demuxStream gives chunks, not lines). */
export class LineSplitter {
  private rest = '';

  constructor(private readonly maxLine = 16_384) {}

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const parts = text.split(/\r?\n/);
    this.rest = parts.pop() ?? '';
    if (this.rest.length > this.maxLine) {
      // A line without an end (a progress bar with \r) must not grow without bound.
      parts.push(this.rest);
      this.rest = '';
    }
    return parts.map((l) => (l.includes('\r') ? (l.split('\r').pop() ?? '') : l));
  }

  flush(): string[] {
    const last = this.rest;
    this.rest = '';
    return last ? [last] : [];
  }
}

export interface FollowedLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface LogFollower {
  /** Resolves when the log ends: the container stopped, or stop() was called. */
  readonly done: Promise<void>;
  stop(): void;
}

export interface FollowOptions {
  tail?: number;
  /** Unix seconds (with fraction): only lines after this, so a restarted container's old lines do not count. */
  since?: number;
  follow: boolean;
}

/**
 * Streams a container's log as lines. Containers without a TTY multiplex stdout and stderr in
 * Docker's 8-byte-header frames; the modem splits them and we split the chunks into lines.
 */
export async function followContainerLog(
  docker: Dockerode,
  container: Dockerode.Container,
  tty: boolean,
  opts: FollowOptions,
  onLines: (lines: FollowedLine[]) => void,
): Promise<LogFollower> {
  const params: Record<string, unknown> = { stdout: true, stderr: true, follow: opts.follow };
  if (opts.tail !== undefined) params.tail = opts.tail;
  if (opts.since !== undefined) params.since = opts.since;
  const raw = (await container.logs(params as { follow: true })) as unknown as Readable;
  const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  const emit = (stream: 'stdout' | 'stderr', lines: string[]) => {
    if (lines.length > 0) onLines(lines.map((line) => ({ stream, line })));
  };
  const sink = (stream: 'stdout' | 'stderr') => {
    const pass = new PassThrough();
    pass.on('data', (d: Buffer) => emit(stream, splitters[stream].push(d.toString('utf8'))));
    return pass;
  };
  if (tty) {
    raw.on('data', (d: Buffer) => emit('stdout', splitters.stdout.push(d.toString('utf8'))));
  } else if (typeof (raw as { on?: unknown }).on === 'function') {
    docker.modem.demuxStream(raw, sink('stdout'), sink('stderr'));
  }
  let stopped = false;
  const done = new Promise<void>((resolve) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      // Let the demux sinks deliver what they already hold before the partial lines are flushed.
      setImmediate(() => {
        emit('stdout', splitters.stdout.flush());
        emit('stderr', splitters.stderr.flush());
        resolve();
      });
    };
    raw.once('end', finish);
    raw.once('close', finish);
    raw.once('error', finish);
  });
  return {
    done,
    stop() {
      if (stopped) return;
      stopped = true;
      raw.destroy();
    },
  };
}

/** Non-follow logs come back as one Buffer (dockerode); split Docker's frames ourselves. */
export function demuxBuffer(buf: Buffer, tty: boolean): FollowedLine[] {
  if (tty) return new LineSplitter().push(`${buf.toString('utf8')}\n`).map((line) => ({ stream: 'stdout', line }));
  const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  const out: FollowedLine[] = [];
  let offset = 0;
  while (offset + 8 <= buf.length) {
    const type = buf[offset];
    const size = buf.readUInt32BE(offset + 4);
    const payload = buf.subarray(offset + 8, offset + 8 + size).toString('utf8');
    offset += 8 + size;
    const stream = type === 2 ? 'stderr' : 'stdout';
    for (const line of splitters[stream].push(payload)) out.push({ stream, line });
  }
  for (const stream of ['stdout', 'stderr'] as const) for (const line of splitters[stream].flush()) out.push({ stream, line });
  return out;
}
