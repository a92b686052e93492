import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import type { RestoreResult } from '../../../shared/contract/jobs';
import { formatBytes } from '../../../shared/format';
import { sniffArchive } from '../archive/scanArchive';
import { inspectVolume } from '../docker/volumes';
import { volumeDisk } from './freeSpace';
import { helperImageForEngine } from './images';
import type { JobContext } from './jobContext';
import { unpackEngine } from './restoreEngines';
import type { RestoreJobOptions } from './restoreJob';
import { countRestored, createVolume, removeCreatedVolume, volumeExists } from './restoreSteps';

/**
 * Room left free on the volume's disk while a one-pass restore writes: its content count is an estimate
 * (a block per entry), and a disk that other programs share must never be filled by an archive that the
 * check-first path would have refused up front. Reaching it is not a refusal: the two-pass path decides.
 */
export function onePassMargin(free: number): number {
  return Math.min(1024 ** 3, Math.floor(free * 0.05));
}

/** Codes after which the whole-archive check must say what is wrong (or find nothing and restore in two passes). */
const ARCHIVE_CODES = new Set(['ARCHIVE_INVALID', 'ARCHIVE_UNSAFE', 'DISK_FULL']);

/**
 * A restore into a volume the job creates itself needs no check before it: nothing exists that could be
 * lost. Not for a top-folder strip (it needs the archive's layout first), a selection or keepScs.
 * AILAB_RESTORE_CHECK_FIRST=1 turns it off (the bench compares both).
 */
export function onePassEligible(o: RestoreJobOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.AILAB_RESTORE_CHECK_FIRST === '1') return false;
  return o.mode === 'new' && !o.selection && !o.stripTopFolder && !o.keepScs;
}

/**
 * The restore into a new volume in one pass (issue 17): the archive is read once, and every entry passes
 * the check's rules (restoreGuard.ts onePass) on its way to tar; the content is counted against the free
 * space where the volume lives. On a bad archive (unsafe, corrupt, more than the disk takes) the job
 * removes the volume it made and returns null: the caller then checks the whole archive as the two-pass
 * restore does, so the user gets exactly the refusal that check gives (or, when it finds nothing wrong, a
 * two-pass restore). Any other failure (Docker gone, cancelled) removes the volume and is thrown.
 */
export async function tryOnePassRestore(ctx: JobContext, o: RestoreJobOptions, handle: FileHandle, started: number): Promise<RestoreResult | null> {
  if (!onePassEligible(o)) return null;
  // The Restore dialog read it a moment ago: that check is reused, nothing is read twice anyway.
  if (await o.cache.getFor(o.archivePath, handle)) return null;
  const { format, size } = await sniffArchive(o.archivePath, handle);
  if (await inspectVolume(ctx.docker, o.volume)) throw volumeExists(o.volume);
  const helper = await helperImageForEngine(ctx.docker, o.engine, ctx.helperImage);
  ctx.throwIfCancelled();

  // Our own backup's sidecar gives the totals for the progress (a foreign archive shows counts only) and
  // the volume's labels. Only the sidecar of this very file may label it: its sha256 is compared once the
  // archive has been read, and a mismatch undoes the volume and goes the check-first way (no labels then).
  const manifest = o.manifest && o.manifest.compressedBytes === size ? o.manifest : null;
  const labels = manifest?.labels ?? {};
  let created = false;
  let cap: number | null = null;
  try {
    await createVolume(ctx.docker, o.volume, labels);
    created = true;
    ctx.log(`Created volume ${o.volume}.`);
    ctx.phase('unpacking', { filesTotal: manifest?.entries ?? null, bytesTotal: manifest?.totalBytes ?? null });
    ctx.log(
      `Restoring ${path.basename(o.archivePath)} into ${o.volume} (new, ${o.engine} engine), checking every entry on the way: a volume this job made has nothing to lose, so the archive is read once.`,
    );
    if (!helper.runnable) ctx.log('Free space was not checked: no helper image can run here.');
    const ready = helper.runnable
      ? volumeDisk(ctx, o.volume, helper.image).then((disk) => {
          if (!disk) return ctx.log('Free space was not checked: the helper image cannot run df.');
          cap = disk.free - onePassMargin(disk.free);
          ctx.log(`Free space where ${o.volume} lives: ${formatBytes(disk.free)}; the restore stops past ${formatBytes(cap)}.`);
        })
      : Promise.resolve();
    ready.catch(() => undefined);
    const unpacked = await unpackEngine(o.engine)(ctx, {
      ready,
      archivePath: o.archivePath,
      handle,
      guard: { checked: null, onePass: { diskCap: () => cap }, keepSetuid: o.keepSetuid },
      format,
      volume: o.volume,
      image: helper.image,
      runnable: helper.runnable,
      stripPrefix: null,
      countEntries: true,
    });
    if (manifest && Object.keys(labels).length > 0 && unpacked.sha256 !== manifest.sha256) {
      throw new AppError(
        'ARCHIVE_INVALID',
        `The sidecar ${path.basename(o.archivePath)}.json is not this archive's (sha256 differs), so its labels may not label ${o.volume}.`,
      );
    }
    if (unpacked.setuidWarning) ctx.warn(unpacked.setuidWarning);
    ctx.throwIfCancelled();
    const volumeEntries = await countRestored(ctx, o.volume, helper.image, helper.runnable, unpacked);
    return {
      kind: 'restore',
      volume: o.volume,
      mode: 'new',
      createdVolume: true,
      entries: unpacked.entries,
      totalBytes: unpacked.bytes,
      compressedBytes: size,
      sha256: unpacked.sha256,
      volumeEntries,
      strippedPrefix: null,
      safetyBackup: null,
      archiveRemoved: false,
      durationMs: Date.now() - started,
      keptScs: false,
    };
  } catch (err) {
    if (created) await removeCreatedVolume(ctx, o.volume);
    if (!(err instanceof AppError) || !ARCHIVE_CODES.has(err.code)) throw err;
    ctx.log(`The restore stopped (${err.message.replace(/\.$/, '')}). The new volume is gone; reading the whole archive to say exactly what is wrong…`);
    return null;
  }
}
