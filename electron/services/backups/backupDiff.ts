import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArchiveFileType, BackupDiff, DiffEntry, DiffSide } from '../../../shared/contract/backups';
import { createParallelGunzip } from '../archive/parallelGunzip';
import { toArchiveFsError } from '../archive/errors';
import { archiveChanged } from './archiveBrowser';
import type { ArchiveIndex } from './archiveIndex';
import { TarHasher, type VolumeRecord } from './volumeTree';

/** What a path is once restored: a hard link is a second name of a regular file. */
function restoredType(t: ArchiveFileType): ArchiveFileType {
  return t === 'hardlink' ? 'file' : t;
}

function backupSide(index: ArchiveIndex, i: number): DiffSide {
  return { type: restoredType(index.typeAt(i)), size: index.sizeAt(i), modifiedAt: index.mtimeAt(i) * 1000 };
}

function volumeSide(r: VolumeRecord): DiffSide {
  return { type: r.type, size: r.size, modifiedAt: r.mtimeMs };
}

/** The archive path whose data a restored path gets (its own, or its hard link target's). */
function dataPathOf(index: ArchiveIndex, i: number): string {
  return index.typeAt(i) === 'hardlink' ? (index.linkAt(i) ?? '') : index.pathAt(i);
}

type Reason = DiffEntry['reason'];

/**
 * What differs without reading content: the type; for files the size, then the mtime to the second
 * (tar keeps whole seconds); for symlinks the target (as `content`, it is their content). Folders
 * differ by type only: their size and time follow what is inside, which shows as added and removed.
 * A made-up folder (no entry of its own) likewise.
 */
function metadataReason(index: ArchiveIndex, i: number, v: VolumeRecord): Reason {
  const type = restoredType(index.typeAt(i));
  if (type !== v.type) return 'type';
  if (type === 'symlink') return index.linkAt(i) === v.link ? null : 'content';
  if (type !== 'file') return null;
  if (index.sizeAt(i) !== v.size) return 'size';
  if (index.mtimeAt(i) !== Math.floor(v.mtimeMs / 1000)) return 'mtime';
  return null;
}

const byPath = (a: DiffEntry, b: DiffEntry) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export interface ContentHashes {
  /** Paths to hash in the volume and their archive data paths. */
  candidates: Array<{ path: string; dataPath: string }>;
}

/**
 * Compares the archive's index with the volume's tree. With `hash`, files that agree on type, size and
 * mtime are hashed on both sides (only those: a size that differs already says they differ).
 */
export async function diffTrees(
  index: ArchiveIndex,
  tree: Map<string, VolumeRecord>,
  meta: { file: string; volume: string },
  hash: ((c: ContentHashes) => Promise<{ backup: Map<string, string>; volume: Map<string, string> }>) | null,
): Promise<BackupDiff> {
  const entries: DiffEntry[] = [];
  const counts = { added: 0, removed: 0, changed: 0, same: 0 };
  const sameFiles: Array<{ path: string; i: number; v: VolumeRecord }> = [];
  for (const [path, v] of tree) {
    const i = index.lookup.get(path);
    if (i === undefined) {
      entries.push({ path, kind: 'added', reason: null, backup: null, volume: volumeSide(v) });
      counts.added++;
      continue;
    }
    const reason = metadataReason(index, i, v);
    if (reason !== null) {
      entries.push({ path, kind: 'changed', reason, backup: backupSide(index, i), volume: volumeSide(v) });
      counts.changed++;
    } else if (hash && v.type === 'file' && v.size > 0) sameFiles.push({ path, i, v });
    else counts.same++;
  }
  // The root is the volume itself: always there, never a difference.
  for (let i = 1; i < index.size; i++) {
    const path = index.pathAt(i);
    if (tree.has(path)) continue;
    entries.push({ path, kind: 'removed', reason: null, backup: backupSide(index, i), volume: null });
    counts.removed++;
  }
  if (hash && sameFiles.length > 0) {
    const hashes = await hash({ candidates: sameFiles.map((s) => ({ path: s.path, dataPath: dataPathOf(index, s.i) })) });
    for (const s of sameFiles) {
      const b = hashes.backup.get(dataPathOf(index, s.i));
      const v = hashes.volume.get(s.path);
      // No hash on a side (a sparse file in the archive, a file gone meanwhile): nothing to tell, so same.
      if (b !== undefined && v !== undefined && b !== v) {
        entries.push({ path: s.path, kind: 'changed', reason: 'content', backup: backupSide(index, s.i), volume: volumeSide(s.v) });
        counts.changed++;
      } else counts.same++;
    }
  }
  entries.sort(byPath);
  return { file: meta.file, volume: meta.volume, content: hash !== null, counts, entries };
}

/**
 * sha256 of the named files' content in the archive, read again from the start (gunzip as needed),
 * with the file's own sha256 checked against the index's: a file that changed since it was indexed
 * cannot be compared (ARCHIVE_INVALID).
 */
export async function hashArchiveFiles(index: ArchiveIndex, dataPaths: string[], signal?: AbortSignal): Promise<Map<string, string>> {
  const { file, sha256, format } = index.file;
  const whole = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      whole.update(chunk);
      cb(null, chunk);
    },
  });
  const hasher = new TarHasher(new Set(dataPaths));
  const source = createReadStream(file, { highWaterMark: 1024 * 1024 });
  try {
    if (format === 'tgz') await pipeline(source, tap, createParallelGunzip(), hasher, signal ? { signal } : {});
    else await pipeline(source, tap, hasher, signal ? { signal } : {});
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('Z_') || (err as Error).name === 'TarFormatError') throw archiveChanged(file);
    throw toArchiveFsError(err, file, 'read');
  }
  if (whole.digest('hex') !== sha256) throw archiveChanged(file);
  return hasher.hashes;
}
