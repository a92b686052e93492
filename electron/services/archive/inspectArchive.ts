import { SCS_FILE } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import { scanArchive, type ScanProgress } from './scanArchive';
import type { ArchiveInspection, ArchiveProblem, ArchiveProblemKind } from './types';

export const MAX_PROBLEMS = 1000;
const MAX_TOP_LEVEL_NAMES = 1000;
const SAMPLE_SIZE = 200;

export type InspectProgress = ScanProgress;

/** `./a//b/` → ['a', 'b']; `.` and `./` → []. Keeps `..` so the safety check can see it. */
export function pathComponents(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * Reads the whole archive once before anything is changed: format, gzip integrity, tar structure,
 * counts, sha256, a wrapping top folder, the SCS file, and everything that would make a restore
 * write outside the volume or create device nodes. Throws ARCHIVE_INVALID for non-archives and
 * truncated or corrupt files; returns problems for the caller to refuse with assertSafe().
 */
export async function inspectArchive(
  file: string,
  opts: { signal?: AbortSignal; onProgress?: (p: InspectProgress) => void } = {},
): Promise<ArchiveInspection> {
  let fileCount = 0;
  let dirCount = 0;
  let symlinkCount = 0;
  let hardlinkCount = 0;
  let rootEntry = false;
  let containsScs = false;
  const problems: ArchiveProblem[] = [];
  let problemCount = 0;
  const topLevel = new Set<string>();
  const sample: string[] = [];
  // Paths (normalised) that a later hardlink may point at, and the symlinks nothing may be written through.
  const linkable = new Set<string>();
  const symlinks = new Set<string>();
  // For the top folder: the common folder of all non-folder entries, and the folders seen (a folder
  // with something inside it never narrows the top folder; an empty one does).
  let common: string[] | null = null;
  const dirs = new Set<string>();
  const nonEmptyDirs = new Set<string>();
  const narrow = (dirParts: string[]) => {
    if (common === null) {
      common = dirParts;
      return;
    }
    let n = 0;
    while (n < common.length && n < dirParts.length && common[n] === dirParts[n]) n++;
    if (n < common.length) common = common.slice(0, n);
  };

  const problem = (path: string, kind: ArchiveProblemKind, message: string) => {
    problemCount++;
    if (problems.length < MAX_PROBLEMS) problems.push({ path, kind, message });
  };

  const scan = await scanArchive(file, {
    signal: opts.signal,
    onProgress: opts.onProgress,
    onEntry: ({ info }) => {
      const raw = info.path;
      if (sample.length < SAMPLE_SIZE) sample.push(raw);
      const parts = pathComponents(raw);
      const key = parts.join('/');

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

      if (parts.length === 0) {
        if (info.type === 'directory') rootEntry = true;
        else problem(raw, 'unsupported-type', `The archive's top entry "${raw}" is a ${info.type}, not a folder.`);
        return;
      }

      if (raw.startsWith('/')) problem(raw, 'absolute', `"${raw}" has an absolute path: it would be written outside the volume.`);
      if (parts.includes('..')) problem(raw, 'dotdot', `"${raw}" contains "..": it would be written outside the volume.`);
      if (info.type === 'character-device' || info.type === 'block-device') {
        problem(raw, 'device', `"${raw}" is a ${info.type.replace('-', ' ')}; a backup of notebooks never contains device nodes.`);
      }
      if (info.type === 'other') problem(raw, 'unsupported-type', `"${raw}" is an entry type this app does not restore.`);
      // Every ancestor folder once: is it a symlink from earlier in the archive? (and it is not empty)
      let ancestor = '';
      let throughSymlink: string | null = null;
      for (let i = 0; i < parts.length - 1; i++) {
        ancestor = i === 0 ? (parts[0] as string) : `${ancestor}/${parts[i] as string}`;
        nonEmptyDirs.add(ancestor);
        if (throughSymlink === null && symlinks.has(ancestor)) throughSymlink = ancestor;
      }
      if (throughSymlink !== null) {
        problem(raw, 'through-symlink', `"${raw}" would be written through the symlink "${throughSymlink}", possibly outside the volume.`);
      }
      if (info.type === 'hardlink') {
        const target = info.linkTarget ?? '';
        const targetParts = pathComponents(target);
        if (target.startsWith('/') || targetParts.includes('..') || targetParts.length === 0 || !linkable.has(targetParts.join('/'))) {
          problem(raw, 'hardlink-outside', `"${raw}" is a hard link to "${target}", which is not an earlier file in the archive.`);
        }
      }

      if (info.type === 'symlink') symlinks.add(key);
      if (info.type !== 'directory') linkable.add(key);
      if (parts[parts.length - 1] === SCS_FILE) containsScs = true;
      if (topLevel.size < MAX_TOP_LEVEL_NAMES) topLevel.add(parts[0] as string);

      if (info.type === 'directory') dirs.add(key);
      else narrow(parts.slice(0, -1));
    },
  });

  for (const d of dirs) if (!nonEmptyDirs.has(d)) narrow(pathComponents(d));
  const top = common as string[] | null;
  const topFolder = top !== null && top.length > 0 && !top.includes('..') ? `${top.join('/')}/` : null;

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
    sha256: scan.sha256,
    topFolder,
    rootEntry,
    containsScs,
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
    `The archive cannot be restored safely: ${inspection.problemCount} ${inspection.problemCount === 1 ? 'entry' : 'entries'} would escape the volume or create unsupported files.`,
    ...shown,
  ];
  if (more > 0) lines.push(`- …and ${more} more.`);
  throw new AppError('ARCHIVE_UNSAFE', lines.join('\n'), {
    hint: 'Nothing was changed. Such archives are not made by the app or the seed’s backup command; check where this file came from.',
    details: { file: inspection.file, problemCount: inspection.problemCount, problems: inspection.problems.slice(0, 50) },
  });
}
