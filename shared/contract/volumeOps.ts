import { z } from 'zod';
import { method } from './define';
import type { JobSummary, RestoreMode } from './jobs';
import { restoreModeSchema } from './jobs';
import { imageReferenceSchema, labelsSchema, volumeNameSchema } from './validation';

/**
 * Volume operations of Docker Desktop and vackup (issue 16): clone, rename, empty, export to an image,
 * import from one, transfer to another engine. Each runs as a job (jobs.ts: progress, log, cancel,
 * history), so the start methods return the JobSummary and the result arrives in jobFinished.
 * Every copy is exact: paths, types, modes, owners, times, link targets, hard links, sparse files.
 */

/** The label an exported image carries: its value is the ExportedVolumeInfo as JSON. */
export const VOLUME_EXPORT_LABEL = 'com.exasol.ailab-desktop.volume-export';
/** Where an exported image keeps the volume's contents (a `FROM scratch` layer). */
export const VOLUME_EXPORT_ROOT = '/volume';

/** What an exported image says of itself (the VOLUME_EXPORT_LABEL's JSON). */
export interface ExportedVolumeInfo {
  /** The volume it was made from. */
  volume: string;
  entries: number;
  totalBytes: number;
  /** ISO 8601. */
  createdAt: string;
  /** The app version that wrote it. */
  appVersion: string;
}

/** An image looked at before an import: whether it is a volume export, and if not what it is. */
export interface VolumeImageInfo {
  image: string;
  id: string;
  sizeBytes: number;
  /** The export's own description; null when the image is not a volume export. */
  export: ExportedVolumeInfo | null;
  /** For an image that is not a volume export: one sentence on what it is (its command, entrypoint, labels). */
  notAnExport: string | null;
}

/** A Docker context the app can reach, for transfers (docker.ts lists them all). */
const contextNameSchema = z.string().min(1, 'Choose an engine.').max(200);

export const cloneVolumeSchema = z
  .object({
    source: volumeNameSchema,
    target: volumeNameSchema,
    /** Labels for the new volume; absent: the source's own (Compose's project labels left out). */
    labels: labelsSchema.optional(),
    /** Stop the containers that use the source while it is copied (started again afterwards). */
    stopContainers: z.boolean().default(false),
  })
  .strict();
export type CloneVolumeOptions = z.input<typeof cloneVolumeSchema>;

export const renameVolumeSchema = z
  .object({
    from: volumeNameSchema,
    to: volumeNameSchema,
  })
  .strict();
export type RenameVolumeOptions = z.input<typeof renameVolumeSchema>;

export const emptyVolumeSchema = z
  .object({
    volume: volumeNameSchema,
    /** Default true: a verified safety backup first, as a replace restore takes. */
    safetyBackup: z.boolean().default(true),
    stopContainers: z.boolean().default(false),
  })
  .strict();
export type EmptyVolumeOptions = z.input<typeof emptyVolumeSchema>;

export const exportVolumeSchema = z
  .object({
    volume: volumeNameSchema,
    /** name:tag for the image (a registry name for a push: registry.example.com/me/notebooks:1). */
    image: imageReferenceSchema,
    /** Push with the engine's own push and the user's credentials (~/.docker/config.json). */
    push: z.boolean().default(false),
    stopContainers: z.boolean().default(false),
  })
  .strict();
export type ExportVolumeOptions = z.input<typeof exportVolumeSchema>;

export const importVolumeSchema = z
  .object({
    image: imageReferenceSchema,
    volume: volumeNameSchema,
    mode: restoreModeSchema.default('new'),
    /** Pull the image when the engine lacks it. */
    pull: z.boolean().default(false),
    stopContainers: z.boolean().default(false),
  })
  .strict();
export type ImportVolumeOptions = z.input<typeof importVolumeSchema>;

export const transferVolumeSchema = z
  .object({
    volume: volumeNameSchema,
    /** The Docker context to copy it to (another engine). */
    toContext: contextNameSchema,
    /** The name on the target engine; absent: the same name. */
    as: volumeNameSchema.optional(),
    mode: restoreModeSchema.default('new'),
    stopContainers: z.boolean().default(false),
  })
  .strict();
export type TransferVolumeOptions = z.input<typeof transferVolumeSchema>;

export interface CloneResult {
  kind: 'clone';
  source: string;
  target: string;
  entries: number;
  totalBytes: number;
  /** The copy was compared with the source entry by entry (listing of both sides). */
  verified: boolean;
  durationMs: number;
}

export interface RenameResult {
  kind: 'rename';
  from: string;
  to: string;
  entries: number;
  totalBytes: number;
  durationMs: number;
}

export interface EmptyResult {
  kind: 'empty';
  volume: string;
  /** Entries removed (the volume's root itself not counted). */
  removedEntries: number;
  /** The safety backup of what was there; null with safetyBackup: false. */
  safetyBackup: string | null;
  durationMs: number;
}

export interface ExportResult {
  kind: 'export';
  volume: string;
  image: string;
  imageId: string;
  entries: number;
  totalBytes: number;
  /** The image's size on the engine. */
  imageBytes: number;
  pushed: boolean;
  durationMs: number;
}

export interface ImportResult {
  kind: 'import';
  image: string;
  volume: string;
  mode: RestoreMode;
  createdVolume: boolean;
  entries: number;
  totalBytes: number;
  safetyBackup: string | null;
  durationMs: number;
}

export interface TransferResult {
  kind: 'transfer';
  volume: string;
  toContext: string;
  /** The target engine's address as shown (ssh://me@server). */
  toEngine: string;
  /** The volume's name on the target engine. */
  as: string;
  mode: RestoreMode;
  createdVolume: boolean;
  entries: number;
  totalBytes: number;
  /** Bytes that crossed between the engines (the tar stream). */
  streamBytes: number;
  /** The helper image the target lacked and got from this engine (docker save → load), or null. */
  helperImageCopied: string | null;
  /** replace: the target's previous contents, saved on this machine (`<dataDir>/safety/`); null otherwise. */
  safetyBackup: string | null;
  verified: boolean;
  durationMs: number;
}

export type VolumeOpResult = CloneResult | RenameResult | EmptyResult | ExportResult | ImportResult | TransferResult;

export const volumeOpMethods = {
  cloneVolume: method<JobSummary>()(z.tuple([cloneVolumeSchema])),
  renameVolume: method<JobSummary>()(z.tuple([renameVolumeSchema])),
  emptyVolume: method<JobSummary>()(z.tuple([emptyVolumeSchema])),
  exportVolume: method<JobSummary>()(z.tuple([exportVolumeSchema])),
  /** Looks at an image before an import: a volume export or not (and what it is). Pulls nothing. */
  inspectVolumeImage: method<VolumeImageInfo>()(z.tuple([imageReferenceSchema])),
  /** The engine's local images that are volume exports (by tag, newest first), for the Import dialog. */
  listVolumeImages: method<VolumeImageInfo[]>()(z.tuple([])),
  importVolume: method<JobSummary>()(z.tuple([importVolumeSchema])),
  transferVolume: method<JobSummary>()(z.tuple([transferVolumeSchema])),
};
