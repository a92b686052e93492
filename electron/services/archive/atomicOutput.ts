import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { AppError } from '../../../shared/contract/errors';
import { makePrivate, PRIVATE_FILE_MODE } from '../core/privateFiles';
import { writableEvent } from '../core/writableEvent';
import { isFsError, toArchiveFsError } from './errors';

export interface AtomicOutput {
  /** Where the bytes go until commit: `.<name>.partial-<random>` in the same folder. */
  readonly tempPath: string;
  /** Write the archive here; fs errors surface as AppError (DISK_FULL, PERMISSION_DENIED, ...). */
  readonly stream: Writable;
  /**
   * Ends the stream if needed, waits for it and fsyncs, without renaming: a caller can write the
   * file out to disk while it reads it back to verify it. commit() does it when nobody did.
   */
  flush(): Promise<void>;
  /** flush(), then renames onto the final name. */
  commit(): Promise<void>;
  /** Closes and removes the temporary file. Safe to call more than once and after a failed commit. */
  abort(): Promise<void>;
}

const WRITE_CHUNK = 1024 * 1024;

/**
 * A file that appears under its final name only when complete: the archive is written to a
 * temporary name in the same folder (so the rename is atomic and never crosses a disk) and renamed by
 * commit(). A cancelled or failed backup calls abort() and leaves nothing behind.
 */
export async function openAtomicOutput(finalPath: string, opts: { overwrite?: boolean } = {}): Promise<AtomicOutput> {
  const overwrite = opts.overwrite ?? false;
  const dir = path.dirname(finalPath);
  const name = path.basename(finalPath);
  if (!overwrite) await assertAbsent(finalPath);
  await assertFolder(dir, finalPath);

  const tempPath = path.join(dir, `.${name}.partial-${randomBytes(6).toString('hex')}`);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(tempPath, 'wx', PRIVATE_FILE_MODE);
  } catch (err) {
    throw toArchiveFsError(err, finalPath, 'write');
  }
  try {
    // A backup holds a volume's notebooks and secrets: the user's alone, whatever the umask.
    await makePrivate(handle);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.rm(tempPath, { force: true }).catch(() => undefined);
    throw toArchiveFsError(err, finalPath, 'write');
  }

  let closed = false;
  const closeHandle = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await handle.close().catch(() => undefined);
  };

  const stream = new Writable({
    highWaterMark: WRITE_CHUNK,
    write(chunk: Buffer, _enc, cb) {
      writeAll(handle, [chunk]).then(
        () => cb(),
        (err: unknown) => cb(toArchiveFsError(err, finalPath, 'write')),
      );
    },
    writev(items, cb) {
      writeAll(
        handle,
        items.map((i) => i.chunk as Buffer),
      ).then(
        () => cb(),
        (err: unknown) => cb(toArchiveFsError(err, finalPath, 'write')),
      );
    },
  });
  // The owner sees errors through its pipeline; this keeps an unobserved one from crashing the process.
  stream.on('error', () => undefined);

  let state: 'open' | 'committed' | 'aborted' = 'open';

  const abort = async (): Promise<void> => {
    if (state === 'committed' || state === 'aborted') return;
    state = 'aborted';
    if (!stream.destroyed) stream.destroy();
    await closeHandle();
    await fs.rm(tempPath, { force: true }).catch(() => undefined);
  };

  let flushing: Promise<void> | null = null;
  const flush = (): Promise<void> => {
    flushing ??= (async () => {
      try {
        await finished(stream);
        await handle.sync();
      } catch (err) {
        throw toArchiveFsError(err, finalPath, 'write');
      }
    })();
    return flushing;
  };

  const commit = async (): Promise<void> => {
    if (state !== 'open') throw new AppError('INTERNAL', `The output ${finalPath} was already ${state}.`);
    try {
      await flush();
      await closeHandle();
      if (!overwrite) await assertAbsent(finalPath);
      await fs.rename(tempPath, finalPath);
      state = 'committed';
    } catch (err) {
      await abort();
      throw toArchiveFsError(err, finalPath, 'write');
    }
    await syncDir(dir);
  };

  return { tempPath, stream, flush, commit, abort };
}

async function writeAll(handle: fs.FileHandle, chunks: Buffer[]): Promise<void> {
  for (const chunk of chunks) {
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await handle.write(chunk, off, chunk.length - off);
      off += bytesWritten;
    }
  }
}

function finished(stream: Writable): Promise<void> {
  if (stream.errored) return Promise.reject(stream.errored);
  if (stream.writableFinished) return Promise.resolve();
  if (stream.destroyed) return Promise.reject(new Error('the output stream was destroyed before it finished'));
  const done = writableEvent(stream, 'finish', () =>
    stream.writableFinished ? null : (stream.errored ?? new Error('the output stream closed before it finished')),
  );
  if (!stream.writableEnded) stream.end();
  return done;
}

async function assertAbsent(finalPath: string): Promise<void> {
  try {
    await fs.lstat(finalPath);
  } catch (err) {
    if (isFsError(err, 'ENOENT')) return;
    throw toArchiveFsError(err, finalPath, 'write');
  }
  throw new AppError('FILE_EXISTS', `${finalPath} already exists.`, {
    hint: 'Choose another name, or confirm that it may be overwritten.',
    details: { path: finalPath },
  });
}

async function assertFolder(dir: string, finalPath: string): Promise<void> {
  let st;
  try {
    st = await fs.stat(dir);
  } catch (err) {
    throw toArchiveFsError(err, finalPath, 'write');
  }
  if (!st.isDirectory()) {
    throw new AppError('INVALID_ARGUMENT', `${dir} is not a folder.`, { hint: 'Choose a folder for the backup.', details: { path: finalPath } });
  }
}

/** Makes the rename itself durable; not possible (nor needed) on Windows. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Some file systems refuse fsync on a directory; the file itself is already synced.
  }
}
