import { z } from 'zod';
import { event, method } from './define';
import { labelsSchema } from './validation';

/** A container that mounts a volume. */
export interface VolumeContainerRef {
  id: string;
  /** Without Docker's leading slash. */
  name: string;
  /** Docker's state: created, running, paused, restarting, removing, exited, dead. */
  state: string;
  running: boolean;
  image: string;
  /** An Exasol AI-Lab container (by its image, or because the app launched it). */
  aiLab: boolean;
  /** Where the volume is mounted inside the container. */
  mountPath: string;
}

/** A Docker Compose volume: Compose prefixes the name with the project, so users pick the wrong one. */
export interface ComposeRef {
  project: string;
  volume: string;
}

export interface VolumeSize {
  /** Bytes; null when the engine could not tell (e.g. a non-local driver). */
  size: number | null;
  /** How many containers reference the volume, as the engine counts them. */
  refCount: number | null;
}

export interface VolumeSummary {
  name: string;
  driver: string;
  /** ISO 8601, as the engine reports it. */
  createdAt: string | null;
  labels: Record<string, string>;
  mountpoint: string;
  scope: string;
  /** A 64-hex name: made by `docker run` for a VOLUME the user did not name. */
  anonymous: boolean;
  compose: ComposeRef | null;
  containers: VolumeContainerRef[];
  /** For anonymous volumes: the container that created it, when it still exists. */
  createdBy: { id: string; name: string } | null;
  /** Cached size when one is known; sizes arrive later through the volumeSizes event. */
  size: VolumeSize | null;
  /** AI-Lab's Exasol Docker-DB volume (shared/ailab.ts EXASOL_DB_VOLUME): removing it needs its name typed. */
  exasolDb: ExasolDbInfo | null;
}

export interface ExasolDbInfo {
  /** "Exasol database data". */
  label: string;
  /** The DB containers: every container mounting the volume (names), running ones first. */
  containers: string[];
  /** One of them runs: a backup should stop it first (a database copied while running may not start again). */
  running: boolean;
}

/** The Secure Configuration Storage (shared/ailab.ts SCS_FILE) at a volume's root, as volumeScs reads it. */
export interface VolumeScsInfo {
  volume: string;
  present: boolean;
  /** Null when absent. */
  size: number | null;
  /** ISO 8601, when it last changed. */
  modifiedAt: string | null;
  uid: number | null;
  gid: number | null;
  /** Octal permission bits, e.g. "644". */
  mode: string | null;
  /** Hex sha256 of its content (only when asked for). */
  sha256: string | null;
}

export interface VolumeDetails extends VolumeSummary {
  /** Driver options (`docker volume create --opt`). */
  options: Record<string, string>;
  /** Driver-specific status, when the driver reports one. */
  status: Record<string, unknown> | null;
}

export interface VolumeSizesPayload {
  sizes: Record<string, VolumeSize>;
  /** Epoch ms when the engine finished computing them. */
  computedAt: number;
}

export type VolumeFileType = 'file' | 'dir' | 'symlink' | 'other';

export interface VolumeFileEntry {
  name: string;
  type: VolumeFileType;
  /** Bytes (for directories, the directory entry itself, as `ls -l` shows). */
  size: number;
  /** Permission bits in octal, e.g. "755". */
  mode: string;
  /** ls-style, e.g. "drwx------". */
  permissions: string;
  uid: number;
  gid: number;
  /** ISO 8601. */
  modifiedAt: string;
  /** For symlinks: where it points (not followed). */
  linkTarget: string | null;
}

export interface VolumeFileListing {
  volume: string;
  /** Normalised, relative to the volume root: "" for the root, "a/b" below it. */
  path: string;
  entries: VolumeFileEntry[];
  /** True when the folder had more entries than the listing returns. */
  truncated: boolean;
}

export interface RemoveVolumeOptions {
  /** Remove the stopped containers that use the volume before removing it. */
  removeStoppedContainers?: boolean;
  /**
   * Running containers the user confirmed, one by one, may be stopped and removed. A running container
   * not named here is never stopped.
   */
  stopContainers?: string[];
  /**
   * The volume's name as the user typed it. Required for a guarded volume (the Exasol DB's): the
   * service refuses its removal without it (CONFIRMATION_REQUIRED), whatever the caller is.
   */
  confirmName?: string;
}

export interface RemoveVolumeResult {
  volume: string;
  removedContainers: string[];
  stoppedContainers: string[];
}

export interface CleanupResult {
  removed: string[];
  skipped: Array<{ name: string; reason: string }>;
}

/** Relative to the volume root ("" or "/" for the root); ".." is refused in the handler with a message. */
const volumePathSchema = z.string().max(4096);

// Every argument is required: zod 3 tuples reject a missing trailing element, and JSON turns an
// `undefined` one into null, so optional arguments would behave differently over IPC and WebSocket.

const removeOptionsSchema = z
  .object({
    removeStoppedContainers: z.boolean().optional(),
    stopContainers: z.array(z.string().min(1).max(256)).max(1000).optional(),
    confirmName: z.string().max(255).optional(),
  })
  .strict();

/** A host file or folder to copy into a volume: a path (Electron, the CLI) or a browser-mode upload. */
export const copySourceSchema = z.union([
  z.object({ hostPath: z.string().min(1).max(4096) }).strict(),
  z.object({ uploadId: z.string().min(1).max(64) }).strict(),
]);
export type CopySource = z.infer<typeof copySourceSchema>;

export const copyFromVolumeSchema = z
  .object({
    volume: z.string().min(1).max(255),
    /** A file or folder of the volume, relative to its root. */
    path: volumePathSchema,
    /** A host folder the copy is written into (under its own name). */
    dest: z.string().min(1).max(4096),
    /** A folder as a folder (default) or as one .tgz; a file is always a file. */
    as: z.enum(['folder', 'tgz']).default('folder'),
    /**
     * Written under this plain name instead of its own (`name`, or `name.tgz` for a .tgz): the CLI's
     * `cp VOL:PATH NEWNAME`. Optional; the UI leaves it out.
     */
    name: z.string().min(1).max(255).optional(),
  })
  .strict();

export const copyIntoVolumeSchema = z
  .object({
    volume: z.string().min(1).max(255),
    /** The volume's folder the sources land in. */
    folder: volumePathSchema,
    sources: z.array(copySourceSchema).min(1).max(1000),
    /** Needed when a source's name exists in the folder. */
    conflict: z.enum(['overwrite', 'keep-both', 'skip']).optional(),
    /** `auto`: the owner of the folder they land in (uid 1001 in an AI-Lab 2+ volume); or a uid:gid. */
    owner: z
      .union([
        z.literal('auto'),
        z
          .object({
            uid: z
              .number()
              .int()
              .min(0)
              .max(2 ** 31),
            gid: z
              .number()
              .int()
              .min(0)
              .max(2 ** 31),
          })
          .strict(),
      ])
      .default('auto'),
  })
  .strict();

export type CopyFromVolumeOptions = z.input<typeof copyFromVolumeSchema>;
export type CopyIntoVolumeOptions = z.input<typeof copyIntoVolumeSchema>;

export interface CopyFromVolumeResult {
  /** The file or folder written on the host. */
  written: string;
  entries: number;
  bytes: number;
}

export interface CopyIntoVolumeResult {
  volume: string;
  folder: string;
  /** Volume paths written, kept-both copies under their new names, and names skipped. */
  copied: string[];
  renamed: Array<{ from: string; to: string }>;
  skipped: string[];
  uid: number;
  gid: number;
}

export const volumeMethods = {
  /** Every volume with its containers; never waits for sizes (they come via volumeSizes). */
  listVolumes: method<VolumeSummary[]>()(z.tuple([])),
  inspectVolume: method<VolumeDetails>()(z.tuple([z.string().min(1).max(255)])),
  /** Compute sizes now (waits for them) and emit volumeSizes. */
  getVolumeSizes: method<VolumeSizesPayload>()(z.tuple([])),
  /**
   * The handler checks the name against Docker's rule (VOLUME_NAME_INVALID, the same message the UI shows
   * as you type); a taken name is VOLUME_EXISTS, because Docker itself would silently reuse the volume.
   */
  createVolume: method<VolumeSummary>()(z.tuple([z.string().max(1024), labelsSchema])),
  removeVolume: method<RemoveVolumeResult>()(z.tuple([z.string().min(1).max(255), removeOptionsSchema])),
  /**
   * Whether the volume holds the Secure Configuration Storage at its root, and when it changed: a stat
   * through a created, never started helper (no image needs to run). `withHash` also reads its content.
   */
  volumeScs: method<VolumeScsInfo>()(z.tuple([z.string().min(1).max(255), z.boolean()])),
  /** Unused anonymous volumes, the candidates "Clean up" offers. */
  listCleanupCandidates: method<VolumeSummary[]>()(z.tuple([])),
  /** Removes exactly the named volumes the user confirmed, each only if still anonymous and unused. */
  cleanupVolumes: method<CleanupResult>()(z.tuple([z.array(z.string().min(1).max(255)).max(10_000)])),
  /** A read-only listing of one folder of a volume; does not copy the volume. */
  listVolumeFiles: method<VolumeFileListing>()(z.tuple([z.string().min(1).max(255), volumePathSchema])),
  /** Copies a file or folder out of a volume to a host folder (issue 15); FILE_EXISTS when the name is taken there. */
  copyFromVolume: method<CopyFromVolumeResult>()(z.tuple([copyFromVolumeSchema])),
  /** Copies host files or folders into a folder of a volume, owned as `owner` says. */
  copyIntoVolume: method<CopyIntoVolumeResult>()(z.tuple([copyIntoVolumeSchema])),
};

export const volumeEvents = {
  /** Something about the volume list changed; the renderer re-reads it. */
  volumesChanged: event<{ reason: string }>(),
  /** Sizes computed in the background after a list; fills in the size column. */
  volumeSizes: event<VolumeSizesPayload>(),
};
