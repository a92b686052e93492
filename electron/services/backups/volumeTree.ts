import { createHash, type Hash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { LABELS } from '../../../shared/ailab';
import { pathComponents } from '../archive/archiveRules';
import { TarParser } from '../archive/tarParser';
import { engineMessage } from '../docker/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { runHelper, type ContainerTracker } from '../jobs/helperContainer';

/** What the volume holds now, per path, as find reports it. */
export interface VolumeRecord {
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  /** Milliseconds (find's %T@ keeps fractions; tar does not, so comparisons go by the second). */
  mtimeMs: number;
  link: string | null;
}

/**
 * GNU find's -printf for the whole volume: type, size, mtime, link target, path, each ended by NUL.
 * Only the link target and the path can hold arbitrary bytes and neither can hold NUL, so splitting
 * on NUL is exact whatever the names contain (newlines included).
 */
const TREE_FORMAT = '%y\\0%s\\0%T@\\0%l\\0%P\\0';
const FIELDS = 5;

/**
 * The helper is labelled as the file browser's (volumes/volumeModel.ts FILES_HELPER_ROLE): it too is
 * a read-only listing, and the volume views already leave such helpers out of a volume's users.
 */
const HELPER_LABELS = { [LABELS.managed]: '1', [`${LABELS.managed}.role`]: 'files' };

function typeOf(y: string): VolumeRecord['type'] {
  if (y === 'f') return 'file';
  if (y === 'd') return 'dir';
  if (y === 'l') return 'symlink';
  return 'other';
}

/** Splits find's NUL-separated stream into records as it arrives, never holding the whole output. */
class FindRecords extends Writable {
  readonly records = new Map<string, VolumeRecord>();
  private rest = '';
  private fields: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    const parts = (this.rest + chunk.toString('latin1')).split('\0');
    this.rest = parts.pop() ?? '';
    for (const p of parts) {
      this.fields.push(p);
      if (this.fields.length === FIELDS) this.take(this.fields);
    }
    cb();
  }

  private take(f: string[]): void {
    this.fields = [];
    const [y, size, mtime, link, rel] = f.map((x) => Buffer.from(x, 'latin1').toString('utf8')) as [string, string, string, string, string];
    const seconds = Number.parseFloat(mtime);
    this.records.set(rel, {
      type: typeOf(y),
      size: Number.parseInt(size, 10) || 0,
      mtimeMs: Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0,
      link: y === 'l' ? link : null,
    });
  }
}

export interface TreeDeps {
  docker: Dockerode;
  helperImage: string;
  signal: AbortSignal;
}

function tracker(docker: Dockerode): ContainerTracker {
  return {
    add: () => undefined,
    remove: async (id) => {
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    },
  };
}

function helperFailed(what: string, volume: string, image: string, err: unknown): AppError {
  if (err instanceof AppError && err.code !== 'DOCKER_ERROR') return err;
  const msg = engineMessage(err);
  if (/executable file not found|no such file or directory/i.test(msg)) {
    return new AppError('DOCKER_ERROR', `The helper image "${image}" has no \`${what}\` command, which comparing a backup with a volume needs.`, {
      hint: 'Set "Helper image" in Settings to an image with GNU find and tar, e.g. ubuntu or debian.',
      cause: err,
    });
  }
  return err instanceof AppError ? err : new AppError('DOCKER_ERROR', `Reading volume "${volume}" failed: ${msg}`, { cause: err });
}

/**
 * Every path of the volume (its root left out) with type, size, mtime and link target: GNU find in a
 * confined helper (read-only mount, no network, capabilities cut to reading), argv only.
 */
export async function listVolumeTree(deps: TreeDeps, volume: string): Promise<Map<string, VolumeRecord>> {
  const sink = new FindRecords();
  let res;
  try {
    res = await runHelper(
      deps.docker,
      { image: deps.helperImage, cmd: ['find', VOLUME_MOUNT, '-mindepth', '1', '-printf', TREE_FORMAT], volume, readOnly: true, labels: HELPER_LABELS },
      { signal: deps.signal, stdout: sink },
      tracker(deps.docker),
    );
  } catch (err) {
    throw helperFailed('find', volume, deps.helperImage, err);
  }
  if (res.exitCode !== 0) {
    // A partial listing would show files as removed that are there: refuse rather than mislead.
    throw new AppError('DOCKER_ERROR', `Listing volume "${volume}" failed: ${res.stderrTail.slice(-3).join(' ') || `find exited with ${res.exitCode}`}`, {
      hint: 'Files may have been changing while it was listed (stop AI-Lab, or try again).',
      details: { volume, exitCode: res.exitCode },
    });
  }
  return sink.records;
}

/**
 * sha256 of regular files' content in a tar stream, for the paths asked about (normalised). A hard
 * link takes its target's hash; sparse files are left out (their stored data is not their content).
 */
export class TarHasher extends Writable {
  readonly hashes = new Map<string, string>();
  private readonly parser: TarParser;
  private current: { path: string; hash: Hash; left: number } | null = null;

  constructor(private readonly wanted: ReadonlySet<string>) {
    super({ highWaterMark: 1024 * 1024 });
    this.parser = new TarParser({
      onEntry: (e) => {
        this.finishCurrent();
        const p = pathComponents(e.info.path).join('/');
        if (e.info.type === 'hardlink') {
          // Its target was asked for too (callers resolve links to their targets), so its hash is known.
          const target = this.hashes.get(pathComponents(e.info.linkTarget ?? '').join('/'));
          if (target !== undefined) this.hashes.set(p, target);
          else this.hashes.delete(p);
          return;
        }
        // Only what was asked for is hashed: comparing a few files must not hash a 50 GB archive's every byte.
        if (e.info.type === 'file' && e.sparse === null && this.wanted.has(p)) {
          this.current = { path: p, hash: createHash('sha256'), left: e.dataSize };
          if (e.dataSize === 0) this.finishCurrent();
        } else this.hashes.delete(p);
      },
      onData: (chunk) => {
        const c = this.current;
        if (!c || c.left === 0) return;
        const part = chunk.length > c.left ? chunk.subarray(0, c.left) : chunk;
        c.hash.update(part);
        c.left -= part.length;
        if (c.left === 0) this.finishCurrent();
      },
    });
  }

  private finishCurrent(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    if (c.left === 0) this.hashes.set(c.path, c.hash.digest('hex'));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      this.parser.write(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      this.parser.end();
      this.finishCurrent();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}

/**
 * sha256 of the named files in the volume: GNU tar in a confined helper packs exactly those paths
 * (given on stdin, NUL-separated, taken verbatim: no argv or shell ever holds a user's file name), and
 * the stream is hashed here as it arrives. Files that vanished meanwhile have no hash.
 */
export async function hashVolumeFiles(deps: TreeDeps, volume: string, paths: string[]): Promise<Map<string, string>> {
  const hasher = new TarHasher(new Set(paths));
  if (paths.length === 0) return hasher.hashes;
  const list = Readable.from([Buffer.from(paths.map((p) => `${p}\0`).join(''), 'utf8')]);
  let res;
  try {
    res = await runHelper(
      deps.docker,
      {
        image: deps.helperImage,
        cmd: ['tar', '-c', '-f', '-', '-C', VOLUME_MOUNT, '--no-recursion', '--null', '--verbatim-files-from', '-T', '-'],
        volume,
        readOnly: true,
        labels: HELPER_LABELS,
      },
      { signal: deps.signal, stdin: list, stdout: hasher },
      tracker(deps.docker),
    );
  } catch (err) {
    throw helperFailed('tar', volume, deps.helperImage, err);
  }
  // 1: some file changed or vanished while read (GNU tar); those are compared as far as they were read.
  if (res.exitCode !== 0 && res.exitCode !== 1) {
    throw new AppError(
      'DOCKER_ERROR',
      `Reading files of volume "${volume}" failed: ${res.stderrTail.slice(-3).join(' ') || `tar exited with ${res.exitCode}`}`,
      {
        details: { volume, exitCode: res.exitCode },
      },
    );
  }
  await new Promise<void>((resolve, reject) => hasher.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hasher.hashes;
}
