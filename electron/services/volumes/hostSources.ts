import fs from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pack, type Pack } from 'tar-stream';
import { AppError } from '../../../shared/contract/errors';
import { isFsError } from '../archive/errors';

/** One file, folder or symlink to copy, found before anything is written. */
export interface HostEntry {
  /** Relative to the copied item, posix separators; "" for the item itself. */
  rel: string;
  abs: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  mtime: Date;
  linkname?: string;
}

export interface HostItem {
  /** The name it is copied under by default (the host name, or an upload's file name). */
  name: string;
  abs: string;
  entries: HostEntry[];
}

function unreadable(abs: string, err: unknown): AppError {
  if (isFsError(err, 'ENOENT', 'ENOTDIR')) {
    return new AppError('FILE_NOT_FOUND', `${abs} does not exist (any more); nothing was copied.`, {
      hint: 'Check the path and copy again.',
      details: { path: abs },
    });
  }
  const why = (err as { code?: string } | null)?.code ?? String(err);
  return new AppError('PERMISSION_DENIED', `${abs} cannot be read (${why}); nothing was copied.`, {
    hint: 'Give yourself read access to it (or leave it out), then copy again.',
    details: { path: abs },
    cause: err,
  });
}

/**
 * Everything under `abs`, read before anything is written: every file is opened once and every folder
 * listed, so a file that cannot be read is named now and not halfway through the copy. Symlinks are
 * entries of their own, never followed. Sockets, FIFOs and devices are refused: they hold no data.
 */
export async function walkHost(abs: string, name: string): Promise<HostItem> {
  const entries: HostEntry[] = [];
  const visit = async (p: string, rel: string): Promise<void> => {
    let st;
    try {
      st = await fs.lstat(p);
    } catch (err) {
      throw unreadable(p, err);
    }
    const base = { rel, abs: p, mode: st.mode & 0o7777, mtime: st.mtime };
    if (st.isSymbolicLink()) {
      entries.push({ ...base, type: 'symlink', size: 0, linkname: await fs.readlink(p).catch((err: unknown) => Promise.reject(unreadable(p, err))) });
    } else if (st.isFile()) {
      try {
        await (await fs.open(p, 'r')).close();
      } catch (err) {
        throw unreadable(p, err);
      }
      // setuid/setgid would follow the file to a new owner in the volume (root, with --owner 0:0).
      entries.push({ ...base, mode: base.mode & 0o1777, type: 'file', size: st.size });
    } else if (st.isDirectory()) {
      entries.push({ ...base, type: 'directory', size: 0 });
      let names: string[];
      try {
        names = await fs.readdir(p);
      } catch (err) {
        throw unreadable(p, err);
      }
      for (const n of names.sort()) await visit(path.join(p, n), rel === '' ? n : `${rel}/${n}`);
    } else {
      throw new AppError('INVALID_ARGUMENT', `${p} is not a file, a folder or a symbolic link (a socket, FIFO or device); nothing was copied.`, {
        hint: 'Leave it out of the copy.',
        details: { path: p },
      });
    }
  };
  await visit(abs, '');
  return { name, abs, entries };
}

export interface PackPlan {
  item: HostItem;
  /** The member path of the item in the stream, e.g. `.ailab-copy-1a2b/new/a (copy).txt`. */
  as: string;
}

/** Extra folders the stream starts with (the staging folder), owned by root and private. */
export interface PackOptions {
  uid: number;
  gid: number;
  leadingDirs: string[];
}

/**
 * The tar stream of the planned items, made here on the host (tar-stream, never a shell): modes and
 * mtimes as on the host, every member owned by `uid:gid`. A file that changed size since the walk
 * fails the stream rather than being padded or cut.
 */
export function packHost(plans: PackPlan[], opts: PackOptions): Readable {
  const p: Pack = pack();
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const fill = async (): Promise<void> => {
    const now = new Date();
    for (const dir of opts.leadingDirs) p.entry({ name: dir, type: 'directory', mode: 0o700, uid: 0, gid: 0, mtime: now });
    for (const { item, as } of plans) {
      for (const e of item.entries) {
        const name = e.rel === '' ? as : `${as}/${e.rel}`;
        const header = { name, mode: e.mode, mtime: e.mtime, uid: opts.uid, gid: opts.gid };
        if (e.type === 'directory') p.entry({ ...header, type: 'directory' });
        else if (e.type === 'symlink') p.entry({ ...header, type: 'symlink', linkname: e.linkname ?? '' });
        else await packFile(p, e, header);
      }
    }
    p.finalize();
  };
  p.pipe(out);
  fill().catch((err: unknown) => {
    const error = err instanceof AppError ? err : unreadable(String((err as { path?: string } | null)?.path ?? 'a source file'), err);
    out.destroy(error);
    p.destroy(error);
  });
  return out;
}

async function packFile(p: Pack, e: HostEntry, header: { name: string; mode: number; mtime: Date; uid: number; gid: number }): Promise<void> {
  if (e.size === 0) {
    p.entry({ ...header, type: 'file', size: 0 }, Buffer.alloc(0));
    return;
  }
  const handle = await fs.open(e.abs, 'r').catch((err: unknown) => Promise.reject(unreadable(e.abs, err)));
  const source = handle.createReadStream({ start: 0, end: e.size - 1 });
  let read = 0;
  source.on('data', (c: string | Buffer) => {
    read += c.length;
  });
  await new Promise<void>((resolve, reject) => {
    const sink = p.entry({ ...header, type: 'file', size: e.size }, (err) => (err ? reject(changed(e, read)) : resolve()));
    source.once('error', (err) => {
      sink.destroy();
      reject(unreadable(e.abs, err));
    });
    source.pipe(sink);
  });
}

function changed(e: HostEntry, read: number): AppError {
  return new AppError('INVALID_ARGUMENT', `${e.abs} changed while it was being copied (${read} of ${e.size} bytes); nothing was copied.`, {
    hint: 'Copy it again once nothing writes to it.',
    details: { path: e.abs },
  });
}
