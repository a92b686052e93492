import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, pipeline, type Writable } from 'node:stream';
import { AppError } from '../../../shared/contract/errors';
import type { CopyFromVolumeResult } from '../../../shared/contract/volumes';
import { createParallelGzip, createTarTap, openAtomicOutput, toArchiveFsError } from '../archive';
import { isFsError } from '../archive/errors';
import type { RunResult } from '../jobs/helperContainer';
import { helperFailed, runCopyHelper, type CopyDeps } from './copyHelper';
import { extractSingle, extractToFolder, type ExtractCounts } from './hostExtract';
import { probeVolumePath, type PathProbe } from './pathProbe';
import { containerPathFor, normalizeVolumePath } from './volumePath';

export interface CopyOutRequest {
  volume: string;
  path: string;
  dest: string;
  as: 'folder' | 'tgz';
  /** Written under this name instead of the path's own (the CLI's `cp VOL:PATH NEWNAME`). */
  name?: string;
}

/** The name a copy of `rel` gets on the host: its last component, the volume's name for the root. */
export function copyName(volume: string, rel: string): string {
  return rel === '' ? volume : (rel.split('/').pop() as string);
}

/**
 * tar's arguments for a volume path: a folder's contents as `./…` (as a backup holds a volume), a
 * file or symlink under its own name. `--` so a name starting with "-" stays a name.
 */
export function tarCreateArgs(probe: PathProbe): { cmd: string[]; top: string } {
  const rel = probe.rel;
  if (probe.target.type === 'd') return { cmd: ['tar', '-C', containerPathFor(rel), '--numeric-owner', '-cf', '-', '.'], top: '' };
  const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
  const name = rel.slice(parent === '' ? 0 : parent.length + 1);
  return { cmd: ['tar', '-C', containerPathFor(parent), '--numeric-owner', '-cf', '-', '--', name], top: name };
}

/** A plain name (no folder, not "." or ".."), for the `name` option. */
function checkName(name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new AppError('INVALID_ARGUMENT', `"${name}" is not a file name (it must not contain a folder).`, {
      hint: 'Give the folder as dest and a plain name.',
    });
  }
  return name;
}

async function checkDest(dest: string): Promise<void> {
  let st;
  try {
    st = await fs.stat(dest);
  } catch (err) {
    if (isFsError(err, 'ENOENT', 'ENOTDIR')) {
      throw new AppError('FILE_NOT_FOUND', `The folder ${dest} does not exist.`, {
        hint: 'Create it first, or choose an existing folder to copy into.',
        details: { path: dest },
      });
    }
    throw toArchiveFsError(err, path.join(dest, '.'), 'write');
  }
  if (!st.isDirectory()) {
    throw new AppError('INVALID_ARGUMENT', `${dest} is a file, not a folder.`, { hint: 'Choose the folder the copy goes into.', details: { path: dest } });
  }
}

async function assertFree(final: string, dest: string): Promise<void> {
  try {
    await fs.lstat(final);
  } catch (err) {
    if (isFsError(err, 'ENOENT')) return;
    throw toArchiveFsError(err, final, 'write');
  }
  const name = path.basename(final);
  throw new AppError('FILE_EXISTS', `"${name}" already exists in ${dest}; it was left as it is.`, {
    hint: `Choose another folder, or move or rename the existing "${name}" first.`,
    details: { path: final, dest, name },
  });
}

/** Runs tar in a read-only helper, its stdout into `sink`; fails unless tar exited 0. Not ending `sink`. */
async function tarOut(deps: CopyDeps, volume: string, cmd: string[], sink: Writable, signal: AbortSignal): Promise<void> {
  const res: RunResult = await runCopyHelper(deps, { cmd, volume, readOnly: true, stdout: sink, signal });
  if (res.exitCode !== 0) throw helperFailed(`Reading from volume "${volume}"`, res, deps.helperImage);
}

/**
 * Runs the helper into `consume`'s stream and both to their end: whichever fails first stops the
 * other (a full host disk kills the helper; a failed helper ends the consumer's stream with an error).
 */
async function pump<T>(deps: CopyDeps, volume: string, cmd: string[], consume: (stream: PassThrough) => Promise<T>): Promise<T> {
  const stream = new PassThrough({ highWaterMark: 1024 * 1024 });
  const abort = new AbortController();
  const consumed = consume(stream);
  consumed.catch(() => abort.abort());
  try {
    await tarOut(deps, volume, cmd, stream, abort.signal);
  } catch (err) {
    stream.destroy(err instanceof Error ? err : new Error(String(err)));
    await consumed.catch(() => undefined);
    // A consumer's failure (disk full) is what the user needs, not the helper's "Cancelled" it caused.
    const consumerError = await consumed.then(
      () => null,
      (e: unknown) => e,
    );
    throw consumerError !== null && abort.signal.aborted ? consumerError : err;
  }
  stream.end();
  return consumed;
}

/**
 * Copies a file or folder of a volume into the host folder `dest` (copyFromVolume). Nothing half-written
 * ever has the final name: a folder is extracted into `.<name>.partial-<random>` beside it, a file
 * written to such a name, a .tgz through atomicOutput, then renamed; on any failure the temporary is
 * removed. The final name must be free (FILE_EXISTS otherwise: a copy never replaces a user's file).
 */
export async function copyFromVolume(deps: CopyDeps, req: CopyOutRequest): Promise<CopyFromVolumeResult> {
  const rel = normalizeVolumePath(req.path);
  const dest = path.resolve(req.dest);
  await checkDest(dest);
  const probe = await probeVolumePath(deps, req.volume, rel, { children: false });
  const isDir = probe.target.type === 'd';
  const asTgz = isDir && req.as === 'tgz';
  const ownName = copyName(req.volume, rel);
  const name = req.name !== undefined ? checkName(req.name) : asTgz ? `${ownName}.tgz` : ownName;
  const final = path.join(dest, name);
  await assertFree(final, dest);
  const { cmd, top } = tarCreateArgs(probe);

  if (asTgz) return { written: final, ...(await writeTgz(deps, req.volume, cmd, final)) };

  const temp = path.join(dest, `.${name}.partial-${randomBytes(6).toString('hex')}`);
  try {
    let counts: ExtractCounts;
    if (isDir) {
      await fs.mkdir(temp, { mode: 0o700 });
      counts = await pump(deps, req.volume, cmd, (s) => extractToFolder(s, temp, top));
    } else {
      counts = await pump(deps, req.volume, cmd, (s) => extractSingle(s, temp, top));
    }
    await assertFree(final, dest);
    await fs.rename(temp, final);
    return { written: final, ...counts };
  } catch (err) {
    await fs.rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw hostWriteError(err, final);
  }
}

function hostWriteError(err: unknown, final: string): unknown {
  if (err instanceof AppError) return err;
  if (isFsError(err, 'ENOSPC', 'EDQUOT')) {
    return new AppError('DISK_FULL', `The disk holding ${path.dirname(final)} is full: "${path.basename(final)}" was not written.`, {
      hint: 'Free space or choose another folder.',
      details: { path: final },
      cause: err,
    });
  }
  return toArchiveFsError(err, final, 'write');
}

/** A folder as one .tgz: the helper's tar, gzip on the host's cores, a private file (0600) like a backup. */
async function writeTgz(deps: CopyDeps, volume: string, cmd: string[], final: string): Promise<ExtractCounts> {
  const out = await openAtomicOutput(final);
  const tap = createTarTap(() => undefined);
  const gzip = createParallelGzip();
  try {
    const written = new Promise<void>((resolve, reject) => pipeline(tap, gzip, out.stream, (err) => (err ? reject(err) : resolve())));
    await pump(deps, volume, cmd, async (s) => {
      s.pipe(tap);
      s.once('error', (err) => tap.destroy(err));
      await written;
    });
    await out.commit();
    return { entries: tap.entries, bytes: tap.contentBytes };
  } catch (err) {
    await out.abort();
    throw hostWriteError(err, final);
  }
}

/**
 * The raw tar stream of a file or folder of a volume, as `docker cp VOL:PATH -` writes it: members
 * under the copy's own name (`name`, `name/…`; the root as `./…`), numeric owners kept. For the CLI's
 * `-`; `out` is not ended.
 */
export async function streamFromVolume(deps: CopyDeps, volume: string, rawPath: string, out: Writable): Promise<ExtractCounts> {
  const rel = normalizeVolumePath(rawPath);
  // Refuses `..`, a link on the way and a missing path before any byte is written to `out`.
  await probeVolumePath(deps, volume, rel, { children: false });
  const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
  const cmd =
    rel === ''
      ? ['tar', '-C', containerPathFor(''), '--numeric-owner', '-cf', '-', '.']
      : ['tar', '-C', containerPathFor(parent), '--numeric-owner', '-cf', '-', '--', copyName(volume, rel)];
  const tap = createTarTap(() => undefined);
  tap.pipe(out, { end: false });
  await pump(deps, volume, cmd, async (s) => {
    s.pipe(tap);
    await new Promise<void>((resolve, reject) => {
      tap.once('end', resolve);
      tap.once('error', reject);
      s.once('error', reject);
    });
  });
  return { entries: tap.entries, bytes: tap.contentBytes };
}
