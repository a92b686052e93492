import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { SCS_FILE } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import { ArchiveRules, isSetuidRoot, pathComponents, shorten } from './archiveRules';
import { scanArchive, type ScanProgress } from './scanArchive';
import type { ParsedEntry } from './tarParser';
import type { ArchiveInspection, ArchiveProblem, ScsEntry } from './types';

export const MAX_PROBLEMS = 1000;
const MAX_TOP_LEVEL_NAMES = 1000;
const SAMPLE_SIZE = 200;
/** Kept from the root-owned setuid/setgid files, for the restore dialog and the job's warning. */
const SETUID_SAMPLE = 20;
/** A file or folder takes at least one block of this size on the usual file systems. */
const FS_BLOCK = 4096;

export type InspectProgress = ScanProgress;

export { pathComponents };

function commonPrefix(a: string[], b: string[]): string[] {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n === a.length ? a : a.slice(0, n);
}

function isPrefix(a: string[], b: string[]): boolean {
  if (a.length > b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The folder wrapping everything, in one pass and memory of one path: the common prefix of the folders
 * files are in and of the empty folders. A folder is empty when nothing lies below it, so the empty ones
 * are the deepest of all folders (files' folders included); their common prefix is kept with a flag
 * "they are all on one line" (then it is the deepest one) instead of remembering every folder.
 */
export class TopFolder {
  private files: string[] | null = null;
  private deepest: string[] | null = null;
  private oneLine = true;

  /** A non-folder entry's parent folder. */
  fileIn(parent: string[]): void {
    this.files = this.files === null ? parent : commonPrefix(this.files, parent);
    this.folder(parent);
  }

  /** A folder entry, or the folder a file is in. */
  folder(f: string[]): void {
    const d = this.deepest;
    if (d === null) {
      this.deepest = f;
    } else if (this.oneLine) {
      if (isPrefix(d, f)) this.deepest = f;
      else if (!isPrefix(f, d)) {
        this.deepest = commonPrefix(d, f);
        this.oneLine = false;
      }
    } else if (!isPrefix(d, f) && !isPrefix(f, d)) {
      this.deepest = commonPrefix(d, f);
    }
  }

  get value(): string[] | null {
    if (this.deepest === null) return this.files;
    return this.files === null ? this.deepest : commonPrefix(this.files, this.deepest);
  }
}

/**
 * Reads the whole archive once before anything is changed: format, gzip integrity, tar structure,
 * counts, sha256, a wrapping top folder, the SCS file, and everything that would make a restore
 * write outside the volume, create device nodes, or cannot be created (archiveRules.ts). Throws
 * ARCHIVE_INVALID for non-archives and truncated or corrupt files; returns problems for the caller
 * to refuse with assertSafe(). `handle`: read this open file (the descriptor a restore then extracts from);
 * `open`: read a tar stream that is not a file (scanArchive).
 * `onEntry`: each entry as the check sees it, so a caller that needs every entry (the backup browser's
 * index) reads the archive once, not a second time after the check.
 */
export async function inspectArchive(
  file: string,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: InspectProgress) => void;
    handle?: FileHandle;
    open?: () => Readable;
    onEntry?: (e: ParsedEntry) => void;
  } = {},
): Promise<ArchiveInspection> {
  let fileCount = 0;
  let dirCount = 0;
  let symlinkCount = 0;
  let hardlinkCount = 0;
  let rootEntry = false;
  let containsScs = false;
  let scsAtRoot: ScsEntry | null = null;
  // The root SCS's content is hashed as it streams by, so the Restore dialog can tell whether the
  // archive's SCS is the volume's own (then there is nothing to ask) without a second read.
  let scsHash: { hash: Hash; left: number; entry: ScsEntry } | null = null;
  const problems: ArchiveProblem[] = [];
  let problemCount = 0;
  const topLevel = new Set<string>();
  const sample: string[] = [];
  const setuidRootFiles: string[] = [];
  let setuidRootCount = 0;
  const rules = new ArchiveRules();
  const top = new TopFolder();

  const scan = await scanArchive(file, {
    signal: opts.signal,
    onProgress: opts.onProgress,
    handle: opts.handle,
    open: opts.open,
    onData: (chunk) => {
      if (!scsHash) return;
      const part = chunk.subarray(0, Math.min(scsHash.left, chunk.length));
      scsHash.hash.update(part);
      scsHash.left -= part.length;
      if (scsHash.left === 0) {
        scsHash.entry.sha256 = scsHash.hash.digest('hex');
        scsHash = null;
      }
    },
    onEntry: (e) => {
      if (scsHash) scsHash = null;
      opts.onEntry?.(e);
      const { info } = e;
      const raw = info.path;
      if (sample.length < SAMPLE_SIZE) sample.push(shorten(raw));
      switch (info.type) {
        case 'file':
          fileCount++;
          break;
        case 'directory':
          dirCount++;
          break;
        case 'symlink':
          symlinkCount++;
          break;
        case 'hardlink':
          hardlinkCount++;
          break;
        default:
          break;
      }
      const found = rules.check(e);
      problemCount += found.length;
      for (const p of found) if (problems.length < MAX_PROBLEMS) problems.push(p);
      // A path Linux refuses is not worth another look (and may be megabytes of components).
      if (found.some((p) => p.kind === 'path-too-long' || p.kind === 'name-too-long')) return;
      const parts = pathComponents(raw);
      if (parts.length === 0) {
        if (info.type === 'directory') rootEntry = true;
        return;
      }
      if (isSetuidRoot(info)) {
        setuidRootCount++;
        if (setuidRootFiles.length < SETUID_SAMPLE) setuidRootFiles.push(shorten(raw));
      }
      if (parts[parts.length - 1] === SCS_FILE) containsScs = true;
      if (parts.length === 1 && parts[0] === SCS_FILE) {
        scsAtRoot = { size: info.size, mtime: info.mtime, uid: info.uid, gid: info.gid, mode: info.mode, sha256: null };
        if (info.type === 'file' && e.sparse === null) {
          if (info.size === 0) scsAtRoot.sha256 = createHash('sha256').digest('hex');
          else scsHash = { hash: createHash('sha256'), left: info.size, entry: scsAtRoot };
        }
      }
      if (topLevel.size < MAX_TOP_LEVEL_NAMES) topLevel.add(parts[0] as string);
      if (info.type === 'directory') top.folder(parts);
      else top.fileIn(parts.slice(0, -1));
    },
  });

  const t = top.value;
  const topFolder = t !== null && t.length > 0 && !t.includes('..') ? `${t.join('/')}/` : null;

  return {
    file,
    format: scan.format,
    compressedBytes: scan.compressedBytes,
    entries: scan.entries,
    fileCount,
    dirCount,
    symlinkCount,
    hardlinkCount,
    totalBytes: scan.totalBytes,
    dataBytes: scan.dataBytes,
    diskBytes: scan.dataBytes + FS_BLOCK * (fileCount + dirCount),
    sha256: scan.sha256,
    topFolder,
    rootEntry,
    containsScs,
    scsAtRoot,
    setuidRootCount,
    setuidRootFiles,
    problems,
    problemCount,
    topLevelNames: [...topLevel],
    sample,
  };
}

const SHOWN_PROBLEMS = 5;

/** Refuses an archive with problems: ARCHIVE_UNSAFE naming the first few, all of them in details. */
export function assertSafe(inspection: ArchiveInspection): void {
  if (inspection.problems.length === 0) return;
  const shown = inspection.problems.slice(0, SHOWN_PROBLEMS).map((p) => `- ${p.message}`);
  const more = inspection.problemCount - shown.length;
  const lines = [
    `The archive cannot be restored safely: ${inspection.problemCount} ${inspection.problemCount === 1 ? 'entry' : 'entries'} would escape the volume, create unsupported files, or cannot be created.`,
    ...shown,
  ];
  if (more > 0) lines.push(`- …and ${more} more.`);
  throw new AppError('ARCHIVE_UNSAFE', lines.join('\n'), {
    hint: 'Nothing was changed. Such archives are not made by the app or the AI-Lab guide’s backup command; check where this file came from.',
    details: { file: inspection.file, problemCount: inspection.problemCount, problems: inspection.problems.slice(0, 50) },
  });
}
