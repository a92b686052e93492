import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { SCS_FILE } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type { BackupManifest, JobEngine, RestoreMode, RestoreResult, RestoreSelection } from '../../../shared/contract/jobs';
import { openAtomicOutput } from '../archive/atomicOutput';
import { toArchiveFsError } from '../archive/errors';
import { assertSafe, inspectArchive, pathComponents } from '../archive/inspectArchive';
import { manifestMatches, writeManifest } from '../archive/manifest';
import type { ArchiveInspection } from '../archive/types';
import { ensurePrivateDir } from '../core/privateFiles';
import { toAppError } from '../docker/errors';
import { inspectVolume, volumeNotFound } from '../docker/volumes';
import { packFast } from './backupEngines';
import { assertSpaceFor } from './freeSpace';
import { helperImageForEngine, requireRunnableImage } from './images';
import type { InspectionCache } from './inspectionCache';
import type { JobContext } from './jobContext';
import { measureVolume, type VolumeMeasure } from './measure';
import { defaultBackupName } from './paths';
import { unpackEngine, unpackFast } from './restoreEngines';
import { restoreSelection } from './selectiveRestore';
import { stopUsersOrWarn } from './volumeContainers';
import { clearVolume } from './volumeOps';
import { countRestored, createVolume, removeCreatedVolume, volumeExists } from './restoreSteps';
import { tryOnePassRestore } from './onePassRestore';
import { verifyWithProgress } from './verify';

export interface RestoreJobOptions {
  archivePath: string;
  volume: string;
  mode: RestoreMode;
  engine: JobEngine;
  stripTopFolder: boolean;
  stopContainers: boolean;
  /** Keep setuid/setgid on root-owned files (by default they are removed, with a warning). */
  keepSetuid: boolean;
  /** Leave the volume's SCS as it is: the archive's root SCS is dropped from the stream, and replace does not delete it. */
  keepScs?: boolean;
  manifest: BackupManifest | null;
  /** Only these paths (a merge that writes nothing else): selectiveRestore.ts. */
  selection?: RestoreSelection;
  cache: InspectionCache;
  appVersion: string;
  /**
   * A plain tar stream instead of the file (an exported image's folder: volumeOps/importImage.ts), a fresh
   * one per call, read twice (check, then extraction; the guard's sha256 proves both saw the same bytes).
   * `archivePath` then only names it in messages. Always checked first; not with `selection`.
   */
  open?: () => Readable;
}

export function safetyDir(dataDir: string): string {
  return path.join(dataDir, 'safety');
}

/**
 * The check, on the descriptor the extraction will read: a Restore dialog's inspection of this very file
 * (same device, inode, size and times as the open descriptor) is reused, anything else is read again.
 */
async function inspectForRestore(ctx: JobContext, o: RestoreJobOptions, handle: FileHandle | null): Promise<ArchiveInspection> {
  if (!handle) {
    ctx.phase('checking-archive');
    ctx.log(`Reading all of ${o.archivePath} before anything changes…`);
    return inspectArchive(o.archivePath, { signal: ctx.signal, open: o.open, onProgress: (p) => ctx.progress.setBytesDone(p.bytesRead) });
  }
  const cached = await o.cache.getFor(o.archivePath, handle);
  if (cached) {
    ctx.log(`Archive ${path.basename(o.archivePath)} was checked a moment ago and has not changed.`);
    return cached.inspection;
  }
  ctx.phase('checking-archive');
  ctx.log(`Reading the whole archive before anything changes: ${o.archivePath}`);
  const before = await o.cache.identity(o.archivePath);
  const inspection = await inspectArchive(o.archivePath, {
    signal: ctx.signal,
    handle,
    onProgress: (p) => {
      ctx.progress.setTotals({ bytesTotal: p.totalBytes });
      ctx.progress.setBytesDone(p.bytesRead);
    },
  });
  await o.cache.put(o.archivePath, inspection, null, before);
  return inspection;
}

/**
 * The replace mode's safety net: the volume's current contents, packed with the fast engine into
 * `<dataDir>/safety/<volume>-<time>.tgz` and verified, before anything is removed. Kept until the
 * user deletes it.
 */
export async function safetyBackup(
  ctx: JobContext,
  volume: string,
  image: string,
  runnable: boolean,
  appVersion: string,
  measured: VolumeMeasure,
): Promise<string> {
  ctx.phase('safety-backup');
  const file = path.join(safetyDir(ctx.dataDir), defaultBackupName(volume));
  await ensurePrivateDir(path.dirname(file));
  ctx.log(`Safety backup of the current contents of ${volume} to ${file}…`);
  ctx.progress.setTotals({ filesTotal: measured.entries, bytesTotal: measured.bytes });
  const output = await openAtomicOutput(file, { overwrite: false });
  try {
    const packed = await packFast(ctx, { volume, image, runnable, out: output.stream });
    ctx.log('Verifying the safety backup…');
    const verified = await verifyWithProgress(ctx, output, file, packed.entries);
    await output.commit();
    await writeManifest(file, {
      format: 'ailab-desktop-backup',
      formatVersion: 1,
      volume,
      labels: {},
      sourceImage: null,
      createdAt: new Date().toISOString(),
      entries: verified.entries,
      totalBytes: verified.totalBytes,
      compressedBytes: verified.compressedBytes,
      sha256: verified.sha256,
      engine: 'fast',
      appVersion,
    }).catch(() => undefined);
    ctx.log(`Safety backup done: ${verified.entries} entries.`);
    return file;
  } catch (err) {
    await output.abort();
    throw err;
  }
}

/** Stripping removes the top folder's entry and its parents (and the `./` above them). */
function strippedEntryCount(inspection: ArchiveInspection, prefix: string | null): number {
  if (!prefix) return inspection.entries;
  return Math.max(0, inspection.entries - pathComponents(prefix).length - (inspection.rootEntry ? 1 : 0));
}

/**
 * A restore: read and check the whole archive first, then (per mode) create the volume, or stop its
 * containers, take a safety backup and empty it; unpack; count the entries in the volume against the
 * archive. A failed or cancelled replace puts the safety backup back; a failed new volume is removed.
 */
export async function runRestore(ctx: JobContext, o: RestoreJobOptions): Promise<RestoreResult> {
  ctx.phase('starting');
  const started = Date.now();
  if (o.open) return restoreFrom(ctx, o, null, started);
  // A stopped one pass may leave its descriptor closed (its streams were torn down): the check-first
  // path opens the file again, and checks and extracts from that one descriptor as always.
  const onePass = await withArchive(o.archivePath, (handle) => tryOnePassRestore(ctx, o, handle, started));
  return onePass ?? withArchive(o.archivePath, (handle) => restoreFrom(ctx, o, handle, started));
}

/** One descriptor for the check and the extraction: replacing the file by its path in between changes nothing. */
async function withArchive<T>(archivePath: string, use: (handle: FileHandle) => Promise<T>): Promise<T> {
  let handle: FileHandle;
  try {
    handle = await fs.open(archivePath, 'r');
  } catch (err) {
    throw toArchiveFsError(err, archivePath, 'read');
  }
  try {
    return await use(handle);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

async function restoreFrom(ctx: JobContext, o: RestoreJobOptions, handle: FileHandle | null, started: number): Promise<RestoreResult> {
  const inspection = await inspectForRestore(ctx, o, handle);
  assertSafe(inspection);
  // A sidecar of another file of the same name must not label the new volume.
  const manifest = o.manifest && manifestMatches(o.manifest, inspection) ? o.manifest : null;
  let stripPrefix: string | null = null;
  if (o.stripTopFolder) {
    if (inspection.topFolder) stripPrefix = inspection.topFolder;
    else ctx.warn('The archive has no single top folder, so nothing was stripped.');
  }
  ctx.log(
    `Archive: ${inspection.entries} entries (${inspection.fileCount} files, ${inspection.dirCount} folders, ${inspection.symlinkCount} symlinks), ${inspection.totalBytes} bytes, sha256 ${inspection.sha256}.`,
  );
  ctx.throwIfCancelled();

  const existing = await inspectVolume(ctx.docker, o.volume);
  if (o.mode === 'new' && existing) throw volumeExists(o.volume);
  if (o.mode !== 'new' && !existing) throw volumeNotFound(o.volume, 'restore');
  // A stream source has no descriptor for the selection's second read: never restore all of it instead.
  if (o.selection && !handle) throw new AppError('INTERNAL', 'A restore of chosen paths needs an archive file.');
  if (o.selection && handle) return restoreSelection(ctx, { ...o, selection: o.selection }, handle, inspection, manifest, started);

  const createImage = await helperImageForEngine(ctx.docker, o.engine, ctx.helperImage);
  const runImage = o.mode === 'replace' ? await requireRunnableImage(ctx.docker, ctx.helperImage) : createImage.runnable ? createImage.image : null;

  if (o.mode !== 'new') {
    await stopUsersOrWarn(
      ctx,
      o.volume,
      o.stopContainers,
      (names) => `Containers using ${o.volume} were running during the restore (${names}); they may need a restart to see the restored files.`,
    );
  }
  ctx.throwIfCancelled();

  let createdVolume = false;
  let safety: string | null = null;
  let cleared = false;
  let unpacking = false;
  try {
    if (o.mode === 'new') {
      await createVolume(ctx.docker, o.volume, manifest?.labels ?? {});
      createdVolume = true;
      ctx.log(`Created volume ${o.volume}.`);
    }
    let current: VolumeMeasure | null = null;
    if (o.mode === 'replace') {
      ctx.phase('measuring');
      current = await measureVolume({
        docker: ctx.docker,
        volume: o.volume,
        labels: ctx.labels,
        signal: ctx.signal,
        tracker: ctx.tracker,
        image: createImage.image,
        runnable: createImage.runnable,
      });
    }
    // Free space before anything is written. A replace waits for it before its safety backup; new and
    // merge run it while the extractors start (a helper takes a second to start), and they write nothing before it passes.
    let spaceChecked: Promise<void> = Promise.resolve();
    if (runImage) {
      spaceChecked = assertSpaceFor(ctx, runImage, {
        volume: o.volume,
        mode: o.mode,
        restoreBytes: inspection.diskBytes,
        currentBytes: current?.bytes ?? 0,
        safetyDir: safetyDir(ctx.dataDir),
      });
      spaceChecked.catch(() => undefined);
    } else {
      ctx.log('Free space was not checked: no helper image can run here.');
    }
    if (o.mode === 'replace') await spaceChecked;
    ctx.throwIfCancelled();
    if (o.mode === 'replace') {
      safety = await safetyBackup(ctx, o.volume, createImage.image, createImage.runnable, o.appVersion, current as VolumeMeasure);
      ctx.throwIfCancelled();
      ctx.phase('clearing-volume');
      cleared = true;
      await clearVolume(ctx, o.volume, runImage as string, o.keepScs ? [SCS_FILE] : []);
      if (o.keepScs) ctx.log(`${SCS_FILE} stays in ${o.volume} as it was (keepScs); everything else was removed.`);
    }
    ctx.phase('unpacking', { filesTotal: strippedEntryCount(inspection, stripPrefix), bytesTotal: inspection.totalBytes });
    ctx.log(`Restoring into ${o.volume} (${o.mode}, ${o.engine} engine${stripPrefix ? `, without the top folder ${stripPrefix}` : ''})…`);
    const ready = spaceChecked.then(() => {
      unpacking = true;
    });
    ready.catch(() => undefined);
    const unpacked = await unpackEngine(o.engine)(ctx, {
      ready,
      archivePath: o.archivePath,
      handle: handle ?? undefined,
      open: o.open,
      guard: { checked: { sha256: inspection.sha256, entries: inspection.entries, totalBytes: inspection.totalBytes }, keepSetuid: o.keepSetuid },
      format: inspection.format,
      volume: o.volume,
      image: o.engine === 'tar' ? (runImage ?? createImage.image) : createImage.image,
      runnable: createImage.runnable,
      stripPrefix,
      keepScs: o.keepScs === true,
      countEntries: true,
    });
    if (unpacked.setuidWarning) ctx.warn(unpacked.setuidWarning);
    if (unpacked.droppedScs > 0) ctx.log(`The archive's ${SCS_FILE} was not restored: the volume's own stays as it was (keepScs).`);
    else if (inspection.scsAtRoot && !o.keepScs && o.mode !== 'new')
      ctx.warn(`${SCS_FILE} was restored from the archive: its master password and connection settings are now the archive's.`);
    ctx.throwIfCancelled();

    const volumeEntries = await countRestored(ctx, o.volume, runImage ?? createImage.image, runImage !== null, unpacked);
    return {
      kind: 'restore',
      volume: o.volume,
      mode: o.mode,
      createdVolume,
      entries: unpacked.entries,
      totalBytes: unpacked.bytes,
      compressedBytes: inspection.compressedBytes,
      sha256: inspection.sha256,
      volumeEntries,
      strippedPrefix: stripPrefix,
      safetyBackup: safety,
      archiveRemoved: false,
      durationMs: Date.now() - started,
      keptScs: o.keepScs === true,
    };
  } catch (err) {
    await undoRestore(ctx, o, { createdVolume, safety, cleared, unpacking, image: createImage.image, runImage }, err);
    if (o.mode === 'merge' && unpacking && (err as { code?: string }).code !== 'CANCELLED') {
      ctx.warn(`The merge into ${o.volume} failed part-way: files extracted before the failure remain in the volume.`);
    }
    throw err;
  }
}

/**
 * A replace's undo: the volume emptied and the safety backup unpacked into it (also a transfer's, on
 * the target engine: `ctx.docker` is whichever engine holds the volume).
 */
export async function putBack(ctx: JobContext, volume: string, safety: string, runImage: string): Promise<void> {
  await clearVolume(ctx, volume, runImage);
  // Our own verified file: no rules to apply, and setuid bits stay exactly as they were in the volume.
  await unpackFast(ctx, {
    archivePath: safety,
    guard: { checked: null, keepSetuid: true },
    format: 'tgz',
    volume,
    image: runImage,
    runnable: true,
    stripPrefix: null,
  });
}

/** Runs with its own signal: a cancel must not cancel the undoing of the thing cancelled. */
async function undoRestore(
  jobCtx: JobContext,
  o: RestoreJobOptions,
  s: { createdVolume: boolean; safety: string | null; cleared: boolean; unpacking: boolean; image: string; runImage: string | null },
  cause: unknown,
): Promise<void> {
  const ctx: JobContext = { ...jobCtx, signal: new AbortController().signal, throwIfCancelled: () => undefined };
  if (s.createdVolume) {
    await removeCreatedVolume(ctx, o.volume);
    return;
  }
  if (o.mode === 'replace' && s.cleared && s.safety && s.runImage) {
    ctx.phase('rolling-back');
    ctx.log(`Putting the previous contents of ${o.volume} back from ${s.safety}…`);
    try {
      await putBack(ctx, o.volume, s.safety, s.runImage);
      ctx.warn(`The previous contents of ${o.volume} were put back from the safety backup ${s.safety}.`);
    } catch (err) {
      ctx.warn(`Putting the previous contents back failed too (${toAppError(err).message}). They are safe in ${s.safety}; restore that file into ${o.volume}.`);
    }
    return;
  }
  if (o.mode === 'merge' && s.unpacking && (cause as { code?: string }).code === 'CANCELLED') {
    ctx.warn(`The merge into ${o.volume} was stopped part-way: files extracted so far remain in the volume.`);
  }
}
