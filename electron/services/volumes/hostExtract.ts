import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { AppError } from '../../../shared/contract/errors';

export interface ExtractCounts {
  entries: number;
  bytes: number;
}

/**
 * A tar member's path relative to the copy's root ("" for the root itself), or null when it is not
 * below `top` (`top` "" takes every member; a folder's stream from `tar -C dir .` is `./…`, a file's
 * from `tar -C parent name` is `name`). `..` and absolute paths are refused: the stream comes from a
 * helper whose image the user chose, and no member may land outside the copy.
 */
export function memberPath(raw: string, top: string): string | null {
  const parts: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') throw unsafe(raw, 'it goes above the copy ("..")');
    parts.push(seg);
  }
  if (raw.startsWith('/')) throw unsafe(raw, 'it is absolute');
  if (top === '') return parts.join('/');
  if (parts[0] !== top) return null;
  return parts.slice(1).join('/');
}

function unsafe(name: string, why: string): AppError {
  return new AppError(
    'ARCHIVE_UNSAFE',
    `The copy was stopped: the helper sent a member "${name}" that would land outside the copy (${why}). Nothing was kept.`,
    {
      hint: 'Set "Helper image" in Settings to an image you trust with GNU tar (ubuntu or debian).',
    },
  );
}

/** Permission bits only: a copy on the host is its user's, so setuid, setgid and sticky bits mean nothing there. */
const PERMISSIONS = 0o777;

/**
 * Writes a tar stream into `root` (an empty folder this process just created) without ever following
 * a link: every member's parent must be a folder this extraction made, files are created exclusively
 * (O_EXCL), symlinks are made as symlinks. Modes and mtimes are kept; owners are not (the copy belongs
 * to the user running the app, as with `cp` without -p run by that user). Folder modes and times are
 * set last, deepest first, so a read-only folder can still be filled and its mtime is not disturbed.
 * FIFOs and device nodes are skipped: they are not data, and making them needs privileges.
 * `top` is the name of the copied file or folder in the stream ("" when the stream holds the
 * folder's contents as `./…`).
 */
export async function extractToFolder(stream: Readable, root: string, top: string): Promise<ExtractCounts> {
  const ex = extract();
  stream.pipe(ex);
  stream.once('error', (err) => ex.destroy(err));
  const dirs = new Map<string, { mode: number; mtime: Date | undefined }>();
  const made = new Set<string>(['']);
  const files = new Set<string>();
  const counts: ExtractCounts = { entries: 0, bytes: 0 };
  for await (const entry of ex) {
    const h: Header = entry.header;
    const rel = memberPath(h.name, top);
    if (rel === null) {
      entry.resume();
      continue;
    }
    const parent = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
    if (rel !== '' && !made.has(parent)) throw unsafe(h.name, 'its folder came before it as something else, or not at all');
    const target = rel === '' ? root : path.join(root, rel);
    const mode = (h.mode ?? 0o644) & PERMISSIONS;
    counts.entries++;
    switch (h.type) {
      case 'directory':
        if (rel !== '') await fs.mkdir(target, { mode: 0o700 });
        made.add(rel);
        dirs.set(target, { mode, mtime: h.mtime });
        entry.resume();
        break;
      case 'file':
      case 'contiguous-file':
      case undefined:
      case null: {
        if (rel === '') throw unsafe(h.name, 'a file where the copied folder is');
        const handle = await fs.open(target, 'wx', 0o600);
        try {
          for await (const chunk of entry) {
            const buf = chunk as Buffer;
            let off = 0;
            while (off < buf.length) off += (await handle.write(buf, off, buf.length - off)).bytesWritten;
            counts.bytes += buf.length;
          }
          await handle.chmod(mode);
          if (h.mtime) await handle.utimes(h.mtime, h.mtime);
        } finally {
          await handle.close();
        }
        files.add(rel);
        break;
      }
      case 'symlink':
        if (rel === '') throw unsafe(h.name, 'a link where the copied folder is');
        await fs.symlink(h.linkname ?? '', target);
        if (h.mtime) await fs.lutimes(target, h.mtime, h.mtime).catch(() => undefined);
        entry.resume();
        break;
      case 'link': {
        const from = memberPath(h.linkname ?? '', top);
        if (from === null || !files.has(from)) throw unsafe(h.name, `a hard link to "${h.linkname ?? ''}", which is not a file of the copy`);
        await fs.link(path.join(root, from), target);
        files.add(rel);
        entry.resume();
        break;
      }
      default:
        counts.entries--;
        entry.resume();
    }
  }
  const deepestFirst = [...dirs.entries()].sort((a, b) => b[0].length - a[0].length);
  for (const [dir, { mode, mtime }] of deepestFirst) {
    await fs.chmod(dir, mode);
    if (mtime) await fs.utimes(dir, mtime, mtime);
  }
  return counts;
}

/**
 * Writes the one member of a file's (or symlink's) stream to `target`, which must not exist: the file
 * with its mode and mtime, or the link as a link. Anything else in the stream is refused.
 */
export async function extractSingle(stream: Readable, target: string, name: string): Promise<ExtractCounts> {
  const ex = extract();
  stream.pipe(ex);
  stream.once('error', (err) => ex.destroy(err));
  const counts: ExtractCounts = { entries: 0, bytes: 0 };
  for await (const entry of ex) {
    const h: Header = entry.header;
    if (counts.entries > 0 || memberPath(h.name, name) !== '') throw unsafe(h.name, `the copy of the single file "${name}" holds more than it`);
    counts.entries++;
    const mode = (h.mode ?? 0o644) & PERMISSIONS;
    if (h.type === 'symlink') {
      await fs.symlink(h.linkname ?? '', target);
      if (h.mtime) await fs.lutimes(target, h.mtime, h.mtime).catch(() => undefined);
      entry.resume();
      continue;
    }
    if (h.type !== 'file' && h.type !== 'contiguous-file') {
      entry.resume();
      throw new AppError(
        'INVALID_ARGUMENT',
        `"${name}" is not a file, a folder or a symbolic link (it is a ${h.type ?? 'special file'}), so it cannot be copied.`,
      );
    }
    const handle = await fs.open(target, 'wx', 0o600);
    try {
      for await (const chunk of entry) {
        const buf = chunk as Buffer;
        let off = 0;
        while (off < buf.length) off += (await handle.write(buf, off, buf.length - off)).bytesWritten;
        counts.bytes += buf.length;
      }
      await handle.chmod(mode);
      if (h.mtime) await handle.utimes(h.mtime, h.mtime);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  if (counts.entries === 0)
    throw new AppError('FILE_NOT_FOUND', `"${name}" was gone from the volume when the copy started.`, { hint: 'Look at the folder again.' });
  return counts;
}
