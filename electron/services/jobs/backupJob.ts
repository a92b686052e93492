import path from 'node:path';
import { isAiLabImage, isExasolDbVolume } from '../../../shared/ailab';
import type { BackupResult, ContainerRef, JobEngine } from '../../../shared/contract/jobs';
import { openAtomicOutput } from '../archive/atomicOutput';
import { writeManifest } from '../archive/manifest';
import { requireVolume } from '../docker/volumes';
import { packEngine } from './backupEngines';
import { helperImageForEngine } from './images';
import type { JobContext } from './jobContext';
import { measureVolume } from './measure';
import { stopUsersOrWarn } from './volumeContainers';
import { verifyWithProgress } from './verify';

export interface BackupJobOptions {
  volume: string;
  file: string;
  engine: JobEngine;
  stopContainers: boolean;
  overwrite: boolean;
  appVersion: string;
  /** Safety backups skip the manifest's source-image lookup and the container handling. */
  writeManifest?: boolean;
  /** The sidecar's createdAt: a plan run's own time (its clock, which tests inject); default: when the backup ends. */
  createdAt?: Date;
}

function sourceImage(users: ContainerRef[]): string | null {
  return users.find((c) => isAiLabImage(c.image))?.image ?? users[0]?.image ?? null;
}

/**
 * A backup from start to verified file: check, stop containers (when asked), measure, pack, verify,
 * rename into place, write the manifest. Starting stopped containers again is the manager's job, so
 * it also happens when this throws.
 */
export async function runBackup(ctx: JobContext, o: BackupJobOptions): Promise<BackupResult> {
  const started = Date.now();
  ctx.phase('starting');
  const volume = await requireVolume(ctx.docker, o.volume);
  const { image, runnable } = await helperImageForEngine(ctx.docker, o.engine, ctx.helperImage);
  ctx.log(`Backing up volume ${o.volume} to ${o.file} (${o.engine} engine, helper image ${image}).`);

  const users = await stopUsersOrWarn(ctx, o.volume, o.stopContainers, (names) =>
    isExasolDbVolume(o.volume)
      ? `The Exasol database in ${o.volume} was copied while ${names} ran: a database copied while it runs may not start again from this backup. Stop the DB container for the backup (it is started again afterwards).`
      : `Containers using ${o.volume} were running (${names}): files they wrote during the backup may be caught mid-write.`,
  );
  ctx.throwIfCancelled();

  ctx.phase('measuring');
  const measured = await measureVolume({ docker: ctx.docker, volume: o.volume, labels: ctx.labels, signal: ctx.signal, tracker: ctx.tracker, image, runnable });
  ctx.log(`${measured.entries} entries, ${measured.bytes} bytes to pack.`);

  const output = await openAtomicOutput(o.file, { overwrite: o.overwrite });
  try {
    ctx.phase('packing', { filesTotal: measured.entries, bytesTotal: measured.bytes });
    const packed = await packEngine(o.engine)(ctx, { volume: o.volume, image, runnable, out: output.stream });
    ctx.phase('verifying', {}, { keepCounts: true });
    ctx.log(`Verifying ${path.basename(o.file)}: gzip integrity and ${packed.entries} entries…`);
    const verified = await verifyWithProgress(ctx, output, o.file, packed.entries);
    ctx.throwIfCancelled();
    await output.commit();
    let manifestFile: string | null = null;
    if (o.writeManifest !== false) {
      try {
        manifestFile = await writeManifest(o.file, {
          format: 'ailab-desktop-backup',
          formatVersion: 1,
          volume: o.volume,
          labels: volume.labels,
          sourceImage: sourceImage(users),
          createdAt: (o.createdAt ?? new Date()).toISOString(),
          entries: verified.entries,
          totalBytes: verified.totalBytes,
          compressedBytes: verified.compressedBytes,
          sha256: verified.sha256,
          engine: o.engine,
          appVersion: o.appVersion,
        });
      } catch (err) {
        ctx.warn(`The backup is complete, but its manifest ${o.file}.json could not be written: ${(err as Error).message}`);
      }
    }
    ctx.log(`Done: ${verified.entries} entries, ${verified.totalBytes} bytes, ${verified.compressedBytes} bytes compressed, sha256 ${verified.sha256}.`);
    return {
      kind: 'backup',
      file: o.file,
      manifestFile,
      entries: verified.entries,
      totalBytes: verified.totalBytes,
      compressedBytes: verified.compressedBytes,
      sha256: verified.sha256,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    await output.abort();
    throw err;
  }
}
