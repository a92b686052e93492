import { createHash, type Hash } from 'node:crypto';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import { LABELS } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import { pathComponents } from '../archive/archiveRules';
import { TarParser } from '../archive/tarParser';
import { engineMessage, isNotFound, toAppError } from '../docker/errors';
import { FILES_HELPER_ROLE_LABEL } from '../volumes/volumeModel';

/** Where 2.0.0+ images keep the notebooks they ship (the entrypoint copies the missing ones from here). */
export const KNOWN_DEFAULTS_PATH = '/home/jupyter/notebook-defaults';

/** One regular file the image ships, by its path relative to the defaults folder. */
export interface ShippedFile {
  size: number;
  /** Permission bits (setuid/setgid/sticky dropped: a notebook never needs them). */
  mode: number;
  mtimeMs: number;
  sha256: string;
  /** The bytes, only for the paths asked for (a copy). */
  data: Buffer | null;
}

export interface ImageDefaults {
  image: string;
  imageId: string;
  defaultsPath: string;
  defaultsPathSource: string;
  files: Map<string, ShippedFile>;
}

/** The parts of `docker image inspect` read here. */
export interface ImageInspectLike {
  Id?: string;
  Config?: {
    Env?: string[] | null;
    Volumes?: Record<string, unknown> | null;
    Entrypoint?: string[] | string | null;
    Cmd?: string[] | string | null;
  } | null;
}

/**
 * Where an image keeps its default notebooks. Real images say it only implicitly: the entrypoint is
 * called with `--notebook-defaults PATH` in some releases, and from 5.0.0 NOTEBOOKS names the notebooks
 * folder, whose sibling `notebook-defaults` holds the shipped copies. What the image says wins; the
 * known path is the last resort (a 1.x image then simply has no such folder, which the read reports).
 */
export function defaultsPathOf(inspect: ImageInspectLike): { path: string; source: string } {
  const config = inspect.Config ?? {};
  const env = config.Env ?? [];
  const envValue = (key: string) =>
    env
      .find((e) => e.startsWith(`${key}=`))
      ?.slice(key.length + 1)
      .trim();
  const explicit = envValue('NOTEBOOK_DEFAULTS');
  if (explicit?.startsWith('/')) return { path: path.posix.normalize(explicit), source: 'image: Env NOTEBOOK_DEFAULTS' };
  const argv = [config.Entrypoint, config.Cmd].flatMap((x) => (Array.isArray(x) ? x : typeof x === 'string' ? x.split(/\s+/) : []));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = a.startsWith('--notebook-defaults=') ? a.slice('--notebook-defaults='.length) : a === '--notebook-defaults' ? argv[i + 1] : undefined;
    if (value?.startsWith('/')) return { path: path.posix.normalize(value), source: 'image: entrypoint --notebook-defaults' };
  }
  const notebooks = envValue('NOTEBOOKS');
  if (notebooks?.startsWith('/')) {
    return { path: path.posix.join(path.posix.dirname(path.posix.normalize(notebooks)), 'notebook-defaults'), source: 'image: beside Env NOTEBOOKS' };
  }
  const volume = Object.keys(config.Volumes ?? {}).find((v) => /notebooks\/?$/.test(v));
  if (volume)
    return { path: path.posix.join(path.posix.dirname(path.posix.normalize(volume)), 'notebook-defaults'), source: 'image: beside its notebooks Volume' };
  return { path: KNOWN_DEFAULTS_PATH, source: 'AI-Lab 2.0.0+ layout' };
}

/** What the image's archive holds, parsed as it streams (the project's own tar parser, no extraction). */
class DefaultsCollector extends Writable {
  readonly files = new Map<string, ShippedFile>();
  /** Hard links, resolved against their targets at the end. */
  private readonly links: Array<{ path: string; target: string }> = [];
  private readonly parser: TarParser;
  private current: { path: string; hash: Hash; left: number; info: Omit<ShippedFile, 'sha256' | 'data'>; chunks: Buffer[] | null } | null = null;
  private kept = 0;

  constructor(
    private readonly keep: (p: string) => boolean,
    private readonly maxKeptBytes: number,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    this.parser = new TarParser({
      onEntry: (e) => {
        this.finish();
        const parts = pathComponents(e.info.path);
        // The Engine never sends `..`; an image that somehow did could not point a copy out of the volume.
        if (parts.length === 0 || parts.includes('..')) return;
        const p = parts.join('/');
        if (e.info.type === 'hardlink') this.links.push({ path: p, target: pathComponents(e.info.linkTarget ?? '').join('/') });
        // Only regular files are tutorials; folders follow from their paths, and a link in the shipped
        // folder is not something to copy into the user's volume.
        if (e.info.type !== 'file' || e.sparse !== null) return;
        const info = { size: e.dataSize, mode: e.info.mode & 0o777, mtimeMs: e.info.mtime * 1000 };
        const chunks = this.keep(p) ? [] : null;
        if (chunks) {
          this.kept += e.dataSize;
          if (this.kept > this.maxKeptBytes) throw new TooLarge();
        }
        this.current = { path: p, hash: createHash('sha256'), left: e.dataSize, info, chunks };
        if (e.dataSize === 0) this.finish();
      },
      onData: (chunk) => {
        const c = this.current;
        if (!c || c.left === 0) return;
        const part = chunk.length > c.left ? chunk.subarray(0, c.left) : chunk;
        c.hash.update(part);
        c.chunks?.push(Buffer.from(part));
        c.left -= part.length;
        if (c.left === 0) this.finish();
      },
    });
  }

  private finish(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    if (c.left !== 0) return;
    this.files.set(c.path, { ...c.info, sha256: c.hash.digest('hex'), data: c.chunks ? Buffer.concat(c.chunks) : null });
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
      this.finish();
      for (const l of this.links) {
        const target = this.files.get(l.target);
        if (target) this.files.set(l.path, { ...target, data: this.keep(l.path) ? target.data : null });
      }
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}

class TooLarge extends Error {}

/** Held in memory for a copy; the real defaults are a few MB, so this only stops a hostile or odd image. */
export const MAX_COPY_BYTES = 512 * 1024 * 1024;

function imageNotFound(image: string): AppError {
  return new AppError('IMAGE_NOT_FOUND', `There is no image "${image}" on this Docker engine.`, {
    hint: 'Pull it first (the launcher can), or choose one of the local AI-Lab images (`docker image ls exasol/ai-lab`).',
    details: { image },
  });
}

export function noDefaults(image: string, defaultsPath: string): AppError {
  return new AppError(
    'INVALID_ARGUMENT',
    `Image "${image}" ships no notebook-defaults folder (looked for ${defaultsPath}), so there are no tutorials to compare. AI-Lab images before 2.0.0 keep none.`,
    { hint: 'Choose an AI-Lab 2.0.0 or newer image.', details: { image, defaultsPath, reason: 'no-defaults' } },
  );
}

export async function inspectImageOrFail(docker: Dockerode, image: string): Promise<ImageInspectLike & { Id: string }> {
  try {
    const inspect = (await docker.getImage(image).inspect()) as ImageInspectLike;
    return { ...inspect, Id: inspect.Id ?? image };
  } catch (err) {
    throw toAppError(err, { notFound: () => imageNotFound(image) });
  }
}

/**
 * The image's shipped notebooks, read without starting anything: a container is created from the
 * image (by id, so the launcher never takes it for an AI-Lab of the user's) and never started; the
 * Engine's archive endpoint streams the defaults folder as tar, parsed and hashed here as it arrives;
 * the container is removed whatever happens. The image's declared volumes get tmpfs mounts, so the
 * create makes no anonymous volume to appear in the user's volume list.
 */
export async function readImageDefaults(
  docker: Dockerode,
  image: string,
  opts: { keep?: (p: string) => boolean; inspect?: ImageInspectLike & { Id: string } } = {},
): Promise<ImageDefaults> {
  const inspect = opts.inspect ?? (await inspectImageOrFail(docker, image));
  const where = defaultsPathOf(inspect);
  let container: Dockerode.Container;
  try {
    container = await docker.createContainer({
      Image: inspect.Id,
      Labels: { [LABELS.managed]: '1', [FILES_HELPER_ROLE_LABEL]: 'tutorials' },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: 'none',
        LogConfig: { Type: 'none', Config: {} },
        Mounts: Object.keys(inspect.Config?.Volumes ?? {}).map((target) => ({ Type: 'tmpfs' as const, Source: '', Target: target })),
      },
    });
  } catch (err) {
    throw toAppError(err, { notFound: () => imageNotFound(image) });
  }
  try {
    let source: NodeJS.ReadableStream;
    try {
      source = await container.getArchive({ path: `${where.path}/.` });
    } catch (err) {
      if (isNotFound(err)) throw noDefaults(image, where.path);
      throw toAppError(err);
    }
    const collector = new DefaultsCollector(opts.keep ?? (() => false), MAX_COPY_BYTES);
    try {
      await pipeline(source, collector);
    } catch (err) {
      if (err instanceof TooLarge) {
        throw new AppError(
          'INVALID_ARGUMENT',
          `The chosen tutorials of "${image}" are larger than ${MAX_COPY_BYTES / 1024 / 1024} MiB together; copy fewer at a time.`,
        );
      }
      if ((err as Error).name === 'TarFormatError') {
        throw new AppError('DOCKER_ERROR', `Docker sent a damaged archive of ${where.path} in "${image}": ${(err as Error).message}`, { cause: err });
      }
      throw toAppError(err);
    }
    return { image, imageId: inspect.Id, defaultsPath: where.path, defaultsPathSource: where.source, files: collector.files };
  } finally {
    await container.remove({ force: true, v: true }).catch((err: unknown) => {
      // Nothing else to do here; the error the caller gets is the one that matters.
      if (!isNotFound(err)) process.emitWarning(`Could not remove temporary container ${container.id}: ${engineMessage(err)}`);
    });
  }
}
