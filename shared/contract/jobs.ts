import { z } from 'zod';
import { event, method } from './define';
import type { ApiErrorPayload } from './errors';
import { volumeNameSchema } from './validation';
import type { VolumeOpResult } from './volumeOps';

/**
 * Backup and restore jobs (issue 4). Jobs run in main and outlive the renderer: a reloaded view calls
 * listJobs/getJob and re-attaches to the events. Sizes are bytes, times are epoch milliseconds.
 */

/** backup and restore (issue 4); the volume operations of issue 16 (volumeOps.ts) run as jobs too. */
export type JobKind = 'backup' | 'restore' | 'clone' | 'rename' | 'empty' | 'export' | 'import' | 'transfer';
export const JOB_KINDS: readonly JobKind[] = ['backup', 'restore', 'clone', 'rename', 'empty', 'export', 'import', 'transfer'];
export type JobEngine = 'fast' | 'tar';
export type RestoreMode = 'new' | 'replace' | 'merge';
export type JobStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export type JobPhase =
  | 'starting'
  | 'checking-archive'
  | 'stopping-containers'
  | 'measuring'
  | 'safety-backup'
  | 'clearing-volume'
  | 'packing'
  | 'unpacking'
  | 'verifying'
  | 'counting'
  | 'rolling-back'
  | 'restarting-containers'
  /** clone, rename, transfer: the tar stream between the two volumes. */
  | 'copying'
  /** transfer: the target engine lacks the helper image; it is copied there (docker save → load). */
  | 'sending-helper'
  /** export with push: the engine's own push. */
  | 'pushing'
  /** rename: the old volume is removed after the copy was verified. */
  | 'removing-old'
  | 'done'
  | 'failed'
  | 'cancelled';

export interface JobProgress {
  jobId: string;
  phase: JobPhase;
  /** Entries (files, folders, links) packed or unpacked so far. */
  filesDone: number;
  /** Measured before the start; null while unknown. */
  filesTotal: number | null;
  /** Content bytes (uncompressed) so far. */
  bytesDone: number;
  bytesTotal: number | null;
  currentFile: string | null;
  /** Bytes per second over the last few seconds. */
  throughput: number;
  etaSeconds: number | null;
  /** No file or byte moved for 30 s. */
  stalled: boolean;
  elapsedMs: number;
  /** 0..100 of the current phase: content bytes plus a fixed cost per entry (so thousands of small files count); null while unknown. */
  percent: number | null;
}

export interface JobLogChunk {
  jobId: string;
  /** Line number (0-based, over the whole job) of lines[0]. */
  from: number;
  lines: string[];
}

export interface ContainerRef {
  id: string;
  name: string;
  image: string;
  running: boolean;
}

export interface BackupResult {
  kind: 'backup';
  file: string;
  manifestFile: string | null;
  entries: number;
  totalBytes: number;
  compressedBytes: number;
  sha256: string;
  durationMs: number;
}

export interface RestoreResult {
  kind: 'restore';
  volume: string;
  mode: RestoreMode;
  createdVolume: boolean;
  /** Entries in the archive that were restored (after stripping a top folder). */
  entries: number;
  totalBytes: number;
  compressedBytes: number;
  sha256: string;
  /** Entries counted in the volume afterwards (the check against the archive), the volume folder itself included when the archive has a "./" entry, as `entries` counts it. */
  volumeEntries: number;
  strippedPrefix: string | null;
  /** Replace mode: the safety backup of the previous contents, kept until the user deletes it. */
  safetyBackup: string | null;
  /** The archive was a browser-mode upload, removed after the restore (nothing left to list). */
  archiveRemoved: boolean;
  durationMs: number;
  /** A restore of chosen paths (startRestore's selection): what happened to the chosen files that existed. */
  selection?: RestoreSelectionResult;
  /** keepScs: the archive's SCS was not written; the volume's own (or its absence) stayed as it was. */
  keptScs?: boolean;
}

export interface RestoreSelectionResult {
  /** The chosen paths, normalised (no "./", no leading or trailing "/"). */
  only: string[];
  into: string | null;
  conflict: ConflictChoice | null;
  /** Chosen files that existed and were replaced, left as they were, or written beside (the first 50 of each, and how many). */
  overwritten: string[];
  overwrittenCount: number;
  skipped: string[];
  skippedCount: number;
  renamed: Array<{ path: string; as: string }>;
  renamedCount: number;
}

export type JobResult = BackupResult | RestoreResult | VolumeOpResult;

/** The engine a job ran on: the Docker context's name (null when DOCKER_HOST or the default socket) and its address. */
export interface JobDockerEngine {
  context: string | null;
  url: string;
}

export interface JobSummary {
  id: string;
  kind: JobKind;
  engine: JobEngine;
  volume: string;
  /** The archive written (backup) or read (restore). */
  file: string;
  fileName: string;
  mode: RestoreMode | null;
  /** clone/rename: the new volume; export/import: the image; transfer: `<context>:<volume>`. Null for backup and restore. */
  target: string | null;
  /** The engine the job ran on (null when it could not be told). */
  dockerEngine: JobDockerEngine | null;
  status: JobStatus;
  startedAt: number;
  finishedAt: number | null;
  progress: JobProgress;
  /** Containers this job stopped and starts again at the end (also on failure and cancel). */
  stoppedContainers: ContainerRef[];
  warnings: string[];
  error: ApiErrorPayload | null;
  result: JobResult | null;
}

export interface JobDetail extends JobSummary {
  /** The last lines of the log (up to ~2,000); the full log is logFile. */
  log: string[];
  /** Line number of log[0]; lines before it are only on disk. */
  logFrom: number;
  logFile: string;
}

export interface JobHistoryEntry {
  id: string;
  kind: JobKind;
  engine: JobEngine;
  volume: string;
  file: string;
  mode: RestoreMode | null;
  /** As JobSummary's (absent in entries written before issue 16). */
  target?: string | null;
  dockerEngine?: JobDockerEngine | null;
  status: Exclude<JobStatus, 'running'>;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  entries: number | null;
  totalBytes: number | null;
  compressedBytes: number | null;
  sha256: string | null;
  safetyBackup: string | null;
  error: { code: string; message: string } | null;
}

export interface BackupPlan {
  volume: string;
  /** Containers using the volume; running ones may change files while they are packed. */
  containers: ContainerRef[];
  /** The remembered folder (settings.backupDir) or ~/ailab-backups. */
  defaultDir: string;
  defaultFileName: string;
  engine: JobEngine;
  helperImage: string;
  helperImagePresent: boolean;
  /** A native folder picker is available (Electron); otherwise the UI shows a path field. */
  canChooseFolder: boolean;
  canShowInFolder: boolean;
  /** A job already running on this volume (its id), which would refuse a new one. */
  runningJobId: string | null;
  /**
   * Stopping the containers is the recommended (default) choice for this volume, and why: the Exasol
   * DB's volume (a database copied while running may not start again). Null: the user's choice, off by default.
   */
  stopFirst: { why: string; containers: string[] } | null;
}

/**
 * The sidecar `<archive>.json` written next to a backup (electron/services/archive/manifest.ts): where it
 * came from and what it holds. Validated when read: a foreign or damaged sidecar is ignored.
 */
export const backupManifestSchema = z.object({
  format: z.literal('ailab-desktop-backup'),
  formatVersion: z.literal(1),
  volume: z.string(),
  labels: z.record(z.string()),
  sourceImage: z.string().nullable(),
  /** ISO 8601. */
  createdAt: z.string(),
  entries: z.number().int().nonnegative(),
  totalBytes: z.number().nonnegative(),
  compressedBytes: z.number().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  engine: z.enum(['fast', 'tar']),
  appVersion: z.string(),
});
export type BackupManifest = z.infer<typeof backupManifestSchema>;

/** What an archive holds, as its inspection (electron/services/archive) counts it. */
export interface ArchiveCounts {
  /** Size of the file on disk (compressed size for a .tgz). */
  compressedBytes: number;
  /** Real entries, the number `tar -tvf` lists (the `./` entry included when present). */
  entries: number;
  fileCount: number;
  dirCount: number;
  symlinkCount: number;
  hardlinkCount: number;
  /** Sum of regular file sizes (a sparse file counts its full size, holes included). */
  totalBytes: number;
}

export interface ArchiveSummary extends ArchiveCounts {
  format: 'tgz' | 'tar';
  sha256: string;
  topFolder: string | null;
  containsScs: boolean;
  /** Root-owned files with the setuid/setgid bit: restored without it unless keepSetuid. */
  setuidRootCount: number;
  /** The first of them (up to 20). */
  setuidRootFiles: string[];
  topLevelNames: string[];
  sample: string[];
}

export type RestoreSource = { archivePath: string } | { uploadId: string };

/**
 * An archive whose entries all sit in one folder, and what the restore does with it (decided in main,
 * electron/services/jobs/topFolderAdvice.ts, for the dialog and the CLI alike). Never stripped by default.
 */
export interface TopFolderAdvice {
  /** "notebooks/". */
  folder: string;
  /** The strip is offered (unticked): the archive looks like a copied folder, not a volume backup. */
  offered: boolean;
  /** One sentence: why the archive is restored as it is, and when stripping makes sense. */
  why: string;
  /** Up to three entries as stored (without "./") and as a strip would write them. */
  examples: Array<{ path: string; stripped: string }>;
}

export interface RestoreTargetInfo {
  volume: string;
  exists: boolean;
  containers: ContainerRef[];
  /** Top-level names present both in the archive (as it will be restored) and in the volume. */
  overwritten: string[];
  /** The volume holds a Secure Configuration Storage that the archive's would replace. */
  overwritesScs: boolean;
  /**
   * The SCS at the volume's root and at the archive's (as restored), compared, so the dialog asks only
   * when they differ. Null when the volume does not exist.
   */
  scs: ScsComparison | null;
}

/** One SCS file: its size, time and content hash (null when it could not be hashed). */
export interface ScsStat {
  size: number;
  /** ISO 8601. */
  modifiedAt: string;
  sha256: string | null;
}

export interface ScsComparison {
  volume: ScsStat | null;
  archive: ScsStat | null;
  /**
   * Both exist and are not the same file (sha256, or size and time when a hash is missing): restoring
   * would change the master password and connection settings, so the user is asked (keepScs).
   */
  differs: boolean;
}

export interface RestorePlan {
  source: RestoreSource;
  /** Where main reads the archive from (a dropped file's path, or the upload's stored copy). */
  archivePath: string;
  fileName: string;
  archive: ArchiveSummary;
  /** The sidecar `<archive>.json` when present and matching the archive. */
  manifest: BackupManifest | null;
  /** When a manifest is present but does not match the archive (sha256), why. */
  manifestWarning: string | null;
  /** What the restore of this plan does to the target; null when no volume was named. */
  target: RestoreTargetInfo | null;
  /** Null when the archive has no single top folder. */
  topFolder: TopFolderAdvice | null;
  /** For a selective restore (planRestore's selection): what it would write and what it meets. */
  selection: RestoreSelectionPlan | null;
  /** The strip this plan describes: only when asked for (planRestore's stripTopFolder), never by default. */
  stripTopFolder: boolean;
  /** A volume name for a restore into a new volume, from the manifest or the file name, not yet taken. */
  suggestedVolume: string;
  defaultEngine: JobEngine;
  helperImage: string;
  helperImagePresent: boolean;
}

export interface ArchiveEntryRow {
  path: string;
  type: string;
  size: number;
  linkTarget: string | null;
}

export interface ArchiveListingPage {
  entries: ArchiveEntryRow[];
  offset: number;
  /** More entries follow this page. */
  more: boolean;
}

export interface SafetyBackup {
  file: string;
  volume: string;
  createdAt: number;
  compressedBytes: number;
}

export interface ImagePullProgress {
  image: string;
  status: string;
  /** Bytes of the layer being downloaded, when the engine reports them. */
  current: number | null;
  total: number | null;
  done: boolean;
  error: string | null;
}

const pathSchema = z.string().min(1, 'Enter a path.').max(4096);
const fileNameSchema = z
  .string()
  .min(1, 'Enter a file name.')
  .max(255)
  .refine((n) => !/[/\\\0]/.test(n) && n !== '.' && n !== '..', 'A file name cannot contain "/" or "\\".');
export const jobEngineSchema = z.enum(['fast', 'tar']);
export const restoreModeSchema = z.enum(['new', 'replace', 'merge']);
const jobIdSchema = z.string().regex(/^job-[a-z0-9-]{4,64}$/, 'Not a job id.');

export const restoreSourceSchema = z.union([
  z.object({ archivePath: pathSchema }).strict(),
  z.object({ uploadId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'Not an upload id.') }).strict(),
]);

export const startBackupSchema = z
  .object({
    volume: volumeNameSchema,
    /** Empty or absent: the remembered folder, else ~/ailab-backups. */
    dir: z.string().max(4096).optional(),
    fileName: fileNameSchema.optional(),
    engine: jobEngineSchema.optional(),
    stopContainers: z.boolean().default(false),
    overwrite: z.boolean().default(false),
  })
  .strict();
export type StartBackupOptions = z.input<typeof startBackupSchema>;

/** What to do with a chosen file that exists in the volume already, once for the whole job. */
export const conflictChoiceSchema = z.enum(['overwrite', 'keep-both', 'skip']);
export type ConflictChoice = z.infer<typeof conflictChoiceSchema>;

/**
 * A restore of chosen paths only (issue 15, "get one notebook back"): a merge that writes nothing
 * outside them. Paths are relative to the archive's root, with or without "./" or "/".
 */
export const restoreSelectionSchema = z
  .object({
    /** Files or folders of the archive (a folder with everything below it). */
    only: z.array(z.string().min(1).max(4096)).min(1).max(10_000),
    /** A folder of the volume to restore into, keeping the chosen paths below it; absent: their own place. */
    into: z.string().min(1).max(4096).optional(),
    /** Needed when a chosen file exists in the volume (keep-both: `a (backup 2026-12-01 10-00).ipynb` beside it). */
    conflict: conflictChoiceSchema.optional(),
  })
  .strict();
export type RestoreSelection = z.input<typeof restoreSelectionSchema>;

/** What a selective restore would do, from planRestore. */
export interface RestoreSelectionPlan {
  only: string[];
  into: string | null;
  /** Entries and content bytes the chosen paths hold in the archive. */
  entries: number;
  bytes: number;
  /** Chosen files that exist in the volume (the first 50), and how many in all. */
  conflicts: string[];
  conflictCount: number;
  /**
   * The chosen paths write the archive's Secure Configuration Storage at the volume's root (its master
   * password and connection settings become the archive's) unless keepScs; `overwritesScs`: the volume
   * has its own there.
   */
  writesScs: boolean;
  overwritesScs: boolean;
}

export const restorePlanSchema = z
  .object({
    source: restoreSourceSchema,
    volume: volumeNameSchema.nullable().default(null),
    stripTopFolder: z.boolean().optional(),
    selection: restoreSelectionSchema.optional(),
    /** As startRestore's: a kept SCS is no conflict among chosen files. */
    keepScs: z.boolean().optional(),
  })
  .strict();

export const startRestoreSchema = z
  .object({
    source: restoreSourceSchema,
    volume: volumeNameSchema,
    mode: restoreModeSchema,
    engine: jobEngineSchema.optional(),
    stripTopFolder: z.boolean().default(false),
    stopContainers: z.boolean().default(false),
    /** Keep setuid/setgid on root-owned files; by default they are removed (AI-Lab's user could become root). */
    keepSetuid: z.boolean().default(false),
    /**
     * Leave the volume's Secure Configuration Storage exactly as it is (content, owner, mode, time): the
     * archive's SCS at the root is not written, everything else is restored; replace keeps it across the
     * emptying. Default false: the archive's SCS is restored, with its master password.
     */
    keepScs: z.boolean().optional(),
    /** Only these paths (mode must be merge). */
    selection: restoreSelectionSchema.optional(),
  })
  .strict();
export type StartRestoreOptions = z.input<typeof startRestoreSchema>;

export const jobMethods = {
  listJobs: method<JobSummary[]>()(z.tuple([])),
  /** State plus the last ~2,000 log lines, so a reloaded view re-attaches and replays. */
  getJob: method<JobDetail>()(z.tuple([jobIdSchema])),
  cancelJob: method<JobSummary>()(z.tuple([jobIdSchema])),
  getJobHistory: method<JobHistoryEntry[]>()(z.tuple([])),
  clearJobHistory: method<JobHistoryEntry[]>()(z.tuple([])),
  /** What the Back up dialog needs: containers using the volume, default folder and name, helper image. */
  prepareBackup: method<BackupPlan>()(z.tuple([volumeNameSchema])),
  startBackup: method<JobSummary>()(z.tuple([startBackupSchema])),
  /** Reads the whole archive (nothing is changed) and says what a restore would do. */
  planRestore: method<RestorePlan>()(z.tuple([restorePlanSchema])),
  startRestore: method<JobSummary>()(z.tuple([startRestoreSchema])),
  /** A page of entries of an archive a job wrote or read (the seed's `tar tf`). */
  listArchiveEntries: method<ArchiveListingPage>()(z.tuple([pathSchema, z.number().int().min(0), z.number().int().min(1).max(5000)])),
  /** Electron only: reveal a file a job wrote or read in the file manager. */
  showInFolder: method<void>()(z.tuple([pathSchema])),
  /** Electron only: native pickers. Null when the user cancels. */
  chooseBackupFolder: method<string | null>()(z.tuple([z.string().max(4096).optional()])),
  chooseArchiveFile: method<string | null>()(z.tuple([])),
  listSafetyBackups: method<SafetyBackup[]>()(z.tuple([])),
  deleteSafetyBackup: method<SafetyBackup[]>()(z.tuple([pathSchema])),
  /** Pull the helper image (the tar engine's `ubuntu`); progress comes as imagePullProgress. */
  pullHelperImage: method<void>()(z.tuple([z.string().min(1).max(255).optional()])),
};

export const jobEvents = {
  jobStarted: event<JobSummary>(),
  jobProgress: event<JobProgress[]>({ batched: true }),
  jobLog: event<JobLogChunk[]>({ batched: true }),
  jobFinished: event<JobSummary>(),
  /** Reading a dropped archive before a restore: bytes read so far. `key` is the archive path or upload id. */
  restorePlanProgress: event<{ key: string; bytesDone: number; bytesTotal: number }>(),
  imagePullProgress: event<ImagePullProgress>(),
};
