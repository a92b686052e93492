import { z } from 'zod';
import { method } from './define';
import type { JobEngine } from './jobs';
import { volumeNameSchema } from './validation';

/**
 * The backup catalogue (issue 14): the backups of a volume in a folder, re-verifying one, and
 * retention (restic's `forget` rules) that deletes only backups this app wrote for that volume.
 * Sizes are bytes, times epoch milliseconds.
 */

/**
 * `verified`: the sidecar this app writes after a backup verified is there and describes the file (same
 * size). `no-sidecar`: not ours (another tool's archive, or a copy without its .json). `changed`: a
 * sidecar is there but the file is not the one it describes.
 */
export type BackupStatus = 'verified' | 'no-sidecar' | 'changed';

export interface BackupEntry {
  file: string;
  fileName: string;
  /** The volume the sidecar names; null without one. */
  volume: string | null;
  /** The sidecar's createdAt; null without one. */
  createdAt: number | null;
  /** The file's size. */
  compressedBytes: number;
  modifiedAt: number;
  entries: number | null;
  totalBytes: number | null;
  engine: JobEngine | null;
  appVersion: string | null;
  sha256: string | null;
  status: BackupStatus;
  /** Why the file is not a backup of ours, in a few words; null when it is. */
  note: string | null;
}

export interface BackupCatalogue {
  dir: string;
  volume: string | null;
  /** Newest first; files without a time (not ours) last, by name. */
  backups: BackupEntry[];
}

export interface BackupVerification {
  file: string;
  entries: number;
  totalBytes: number;
  compressedBytes: number;
  sha256: string;
  /** Whether the sidecar was there to compare with (entries, sizes and sha256 all equal when it was). */
  comparedWithSidecar: boolean;
  volume: string | null;
  durationMs: number;
}

export interface RetentionPolicy {
  keepLast: number;
  keepDaily: number;
  keepWeekly: number;
  keepMonthly: number;
}

export interface RetentionDecision {
  file: string;
  createdAt: number | null;
  action: 'keep' | 'delete';
  /** Every reason it is kept ("keep-daily 3 of 7", "newest verified backup", "not ours: no sidecar"), or why it goes. */
  reasons: string[];
}

export interface PruneResult {
  dir: string;
  volume: string;
  policy: RetentionPolicy;
  dryRun: boolean;
  /** Newest first, then the files that are not ours. */
  decisions: RetentionDecision[];
  /** Removed (with their sidecars); empty on a dry run. */
  deleted: string[];
  freedBytes: number;
  /** Files that should have gone but could not be removed (or changed meanwhile), with why. */
  failures: Array<{ file: string; message: string }>;
}

const count = z.number().int().min(0).max(100_000);
export const retentionPolicySchema = z.object({
  keepLast: count,
  keepDaily: count,
  keepWeekly: count,
  keepMonthly: count,
});

const dirSchema = z.string().min(1).max(4096);

/** One entry of an archive as the backup browser shows it (issue 15). Times are epoch ms. */
export type ArchiveFileType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

export interface ArchiveFileEntry {
  /** Normalised, relative to the archive's root ("notebooks/a.ipynb"; "" is the root itself). */
  path: string;
  name: string;
  type: ArchiveFileType;
  /** Bytes of content; a hard link: its target's size (a second name of that file); a symlink: its target's length (as `ls -l`). */
  size: number;
  /** Permission bits in octal, e.g. "755"; with setuid/setgid/sticky as a fourth digit ("2775"). */
  mode: string;
  uid: number;
  gid: number;
  modifiedAt: number;
  /** Symlinks: where it points; hard links: the path it links to (normalised like `path`). */
  linkTarget: string | null;
  /** Folders: how many entries lie directly inside (made-up parents count too); null otherwise. */
  children: number | null;
  /**
   * A folder with no entry of its own, implied by deeper paths: tar creates it (owned by root, mode
   * 755 from the umask, the time of the restore), so its owner, mode and time here are those, not archived.
   */
  madeUp?: true;
}

export interface ArchiveFolderPage {
  file: string;
  /** Normalised as ArchiveFileEntry.path. */
  path: string;
  /** Folders first, then by name. */
  entries: ArchiveFileEntry[];
  /** Entries directly in `path`, of which this page is entries[offset…]. */
  total: number;
  offset: number;
  /** All entries of the archive. */
  archiveEntries: number;
  /** The index was read from the cache (the archive unchanged since it was made). */
  fromCache: boolean;
}

export interface ArchiveSearchResult {
  file: string;
  query: string;
  matches: ArchiveFileEntry[];
  /** More matched than `limit`. */
  truncated: boolean;
}

/**
 * From the volume's side, since the backup: `added` is in the volume now and not in the backup,
 * `removed` is in the backup and gone from the volume (restorable), `changed` is in both but differs.
 */
export type DiffKind = 'added' | 'removed' | 'changed';

export interface DiffSide {
  type: ArchiveFileType;
  size: number;
  modifiedAt: number;
}

export interface DiffEntry {
  path: string;
  kind: DiffKind;
  /** For `changed`: what differs first (type, then size, then mtime, then content). */
  reason: 'type' | 'size' | 'mtime' | 'content' | null;
  backup: DiffSide | null;
  volume: DiffSide | null;
}

export interface BackupDiff {
  file: string;
  volume: string;
  content: boolean;
  counts: { added: number; removed: number; changed: number; same: number };
  /** Every difference, by path; a folder that is added or removed whole is one entry plus its contents. */
  entries: DiffEntry[];
}

export const listBackupsSchema = z.object({
  dir: dirSchema.optional(),
  volume: volumeNameSchema.optional(),
});

export const pruneBackupsSchema = z.object({
  dir: dirSchema,
  volume: volumeNameSchema,
  policy: retentionPolicySchema,
  dryRun: z.boolean().optional(),
  /** The run that preceded this prune failed: decide, but delete nothing. */
  runFailed: z.boolean().optional(),
});

/** A path inside an archive or a volume, relative to its root: "" is the root; "./a", "/a" and "a" are one path. */
export const archivePathSchema = z.string().max(4096);

export const listArchiveFolderSchema = z
  .object({
    /** Any archive the restore accepts: ours, the guide's, a foreign one. */
    file: dirSchema,
    path: archivePathSchema,
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(5000).default(500),
  })
  .strict();

export const searchArchiveSchema = z
  .object({
    file: dirSchema,
    /** Matched against the name (not the folders above it), case-insensitively; `*` and `?` as in a shell. */
    query: z.string().min(1).max(255),
    limit: z.number().int().min(1).max(5000).default(200),
  })
  .strict();

export const diffBackupSchema = z
  .object({
    file: dirSchema,
    volume: volumeNameSchema,
    /** Also hash files whose size and mtime agree (reads both sides in full). */
    content: z.boolean().default(false),
  })
  .strict();

export type ListArchiveFolderOptions = z.input<typeof listArchiveFolderSchema>;
export type SearchArchiveOptions = z.input<typeof searchArchiveSchema>;
export type DiffBackupOptions = z.input<typeof diffBackupSchema>;
export type ListBackupsOptions = z.infer<typeof listBackupsSchema>;
export type PruneBackupsOptions = z.infer<typeof pruneBackupsSchema>;

export const backupMethods = {
  /** The backups in a folder (default: the remembered backup folder), of one volume or all. */
  listBackups: method<BackupCatalogue>()(z.tuple([listBackupsSchema])),
  /** Re-reads a backup (gzip, tar, entries) and compares it with its sidecar; ARCHIVE_INVALID when it is corrupt, incomplete or not what the sidecar says. */
  verifyBackup: method<BackupVerification>()(z.tuple([dirSchema])),
  /** Applies retention to one volume's backups in a folder; a dry run only decides. */
  pruneBackups: method<PruneResult>()(z.tuple([pruneBackupsSchema])),
  /**
   * Deletes one backup and its sidecar: only a file the catalogue calls this app's (`verified`), never
   * another file (INVALID_ARGUMENT says why). Resolves with the folder's catalogue for that volume after it.
   */
  deleteBackup: method<BackupCatalogue>()(z.tuple([dirSchema])),
  /** Desktop only: shows a backup in the file manager (INVALID_ARGUMENT in the browser mode, whose page shows the path instead). */
  showBackupInFolder: method<void>()(z.tuple([dirSchema])),
  /**
   * The backup browser: one folder of an archive, a page at a time. The archive is indexed once (a full
   * read, with the restore's check) and the index cached by path, size, mtime and sha256.
   * FILE_NOT_FOUND with near names when `path` is not a folder of the archive.
   */
  listArchiveFolder: method<ArchiveFolderPage>()(z.tuple([listArchiveFolderSchema])),
  /** Entries whose name matches, from the same index. */
  searchArchive: method<ArchiveSearchResult>()(z.tuple([searchArchiveSchema])),
  /** Compares a backup with the volume now (a helper lists the volume; nothing is changed). */
  diffBackup: method<BackupDiff>()(z.tuple([diffBackupSchema])),
};

export const backupEvents = {};
