import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../shared/contract/errors';
import { archiveInvalid, cancelled, toArchiveFsError } from './errors';
import { createParallelGunzip } from './parallelGunzip';
import { TarFormatError, TarParser, type ParsedEntry } from './tarParser';
import type { ArchiveFormat } from './types';

const READ_CHUNK = 1024 * 1024;

export interface ScanProgress {
  bytesRead: number;
  totalBytes: number;
  entries: number;
  currentPath: string;
}

export interface ScanResult {
  format: ArchiveFormat;
  compressedBytes: number;
  entries: number;
  totalBytes: number;
  /** Bytes regular files put on disk (a sparse file's data, not its holes). */
  dataBytes: number;
  sha256: string;
}

/**
 * Tells the archive kind from its first bytes; refuses what we cannot restore with a message that
 * says what the file is.
 */
export function detectFormat(file: string, head: Buffer): ArchiveFormat {
  if (head.length === 0) throw archiveInvalid(file, 'the file is empty, not a backup.');
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tgz';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  if (head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04) {
    throw archiveInvalid(file, 'this is a zip file, not a .tgz backup. Backups are gzip-compressed tar files (.tgz).', { detected: 'zip' });
  }
  const other: Array<[string, number[]]> = [
    ['bzip2', [0x42, 0x5a, 0x68]],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
    ['7-Zip', [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
    ['rar', [0x52, 0x61, 0x72, 0x21]],
  ];
  for (const [name, magic] of other) {
    if (magic.every((b, i) => head[i] === b)) {
      throw archiveInvalid(file, `this is a ${name} file, not a .tgz backup. Only gzip-compressed tar (.tgz, .tar.gz) and plain .tar files can be restored.`, {
        detected: name,
      });
    }
  }
  throw archiveInvalid(file, 'this is not a tar or gzip archive.', { detected: 'unknown' });
}

async function readHead(file: string, given?: fs.FileHandle): Promise<{ head: Buffer; size: number }> {
  let handle: fs.FileHandle;
  try {
    handle = given ?? (await fs.open(file, 'r'));
  } catch (err) {
    throw toArchiveFsError(err, file, 'read');
  }
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new AppError('INVALID_ARGUMENT', `${file} is a folder, not an archive.`, { hint: 'Choose a .tgz or .tar file.' });
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, 512, 0);
    return { head: head.subarray(0, bytesRead), size: st.size };
  } catch (err) {
    throw toArchiveFsError(err, file, 'read');
  } finally {
    if (!given) await handle.close();
  }
}

/** The archive's format and size from its first block, reading no further (a one-pass restore starts with this). */
export async function sniffArchive(file: string, handle: fs.FileHandle): Promise<{ format: ArchiveFormat; size: number }> {
  const { head, size } = await readHead(file, handle);
  return { format: detectFormat(file, head), size };
}

function isZlibError(err: unknown): err is Error & { code: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function scanError(file: string, format: ArchiveFormat, err: unknown, signal: AbortSignal | undefined): AppError {
  if (err instanceof AppError) return err;
  if (signal?.aborted || (err as { name?: string } | null)?.name === 'AbortError') return cancelled('Reading the archive was cancelled.');
  if (isZlibError(err)) {
    if (err.code === 'Z_BUF_ERROR') {
      return archiveInvalid(file, 'the file is truncated: the gzip data ends early. Nothing was changed.', { truncated: true, reason: err.message });
    }
    return archiveInvalid(file, `the file is corrupt: the gzip data is damaged (${err.message}). Nothing was changed.`, { corrupt: true, reason: err.message });
  }
  if (err instanceof TarFormatError) {
    // Only a first block that is no tar header at all; a real header that is malformed is "corrupt", with the reason.
    if (format === 'tgz' && err.offset === 0 && !err.truncated && err.message.startsWith('not a tar archive')) {
      return archiveInvalid(file, 'the file is gzip-compressed but does not contain a tar archive. Nothing was changed.', { reason: err.message });
    }
    if (err.truncated) return archiveInvalid(file, `the file is truncated: ${err.message}. Nothing was changed.`, { truncated: true, offset: err.offset });
    return archiveInvalid(file, `the file is corrupt: ${err.message} at byte ${err.offset} of the tar data. Nothing was changed.`, {
      corrupt: true,
      offset: err.offset,
    });
  }
  return toArchiveFsError(err, file, 'read');
}

/**
 * Reads a whole archive once: sha256 of the file, gzip integrity of every member, tar structure, and
 * each entry handed to `onEntry`. The shared core of inspectArchive and verifyArchive.
 */
export async function scanArchive(
  file: string,
  opts: {
    signal?: AbortSignal;
    onEntry?: (e: ParsedEntry) => void;
    /** The bytes after each entry's header, as the tar parser hands them over (see TarParserHandlers.onData). */
    onData?: (chunk: Buffer) => void;
    onProgress?: (p: ScanProgress) => void;
    /** Minimum milliseconds between progress calls (the last one always comes). */
    progressIntervalMs?: number;
    /** Read this open file from its start instead of opening `file` (it stays open). */
    handle?: fs.FileHandle;
    /**
     * A plain tar stream that is not a file (an image's folder from the Engine's archive API): `file` only
     * names it, its size is unknown (progress says 0 for the total).
     */
    open?: () => Readable;
  } = {},
): Promise<ScanResult> {
  const { signal } = opts;
  if (signal?.aborted) throw cancelled('Reading the archive was cancelled.');
  const { head, size } = opts.open ? { head: null, size: 0 } : await readHead(file, opts.handle);
  const format = head ? detectFormat(file, head) : 'tar';

  const hash = createHash('sha256');
  let bytesRead = 0;
  let totalBytes = 0;
  let currentPath = '';
  let lastProgress = 0;
  const interval = opts.progressIntervalMs ?? 100;
  const parser = new TarParser({
    onEntry: (e) => {
      totalBytes += e.info.size;
      currentPath = e.info.path;
      opts.onEntry?.(e);
    },
    ...(opts.onData ? { onData: opts.onData } : {}),
  });
  const report = (force: boolean) => {
    if (!opts.onProgress) return;
    const now = Date.now();
    if (!force && now - lastProgress < interval) return;
    lastProgress = now;
    opts.onProgress({ bytesRead, totalBytes: size, entries: parser.entries, currentPath });
  };

  const hasher = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytesRead += chunk.length;
      report(false);
      cb(null, chunk);
    },
  });
  const sink = new Writable({
    highWaterMark: READ_CHUNK,
    write(chunk: Buffer, _enc, cb) {
      try {
        parser.write(chunk);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
    final(cb) {
      try {
        parser.end();
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });

  try {
    const source = opts.open
      ? opts.open()
      : opts.handle
        ? opts.handle.createReadStream({ start: 0, autoClose: false, highWaterMark: READ_CHUNK })
        : createReadStream(file, { highWaterMark: READ_CHUNK });
    if (format === 'tgz') {
      await pipeline(source, hasher, createParallelGunzip(), sink, signal ? { signal } : {});
    } else {
      await pipeline(source, hasher, sink, signal ? { signal } : {});
    }
  } catch (err) {
    throw scanError(file, format, err, signal);
  }
  report(true);
  return { format, compressedBytes: bytesRead, entries: parser.entries, totalBytes, dataBytes: parser.fileDataBytes, sha256: hash.digest('hex') };
}
