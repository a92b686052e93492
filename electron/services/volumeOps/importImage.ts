import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import type { JobSummary } from '../../../shared/contract/jobs';
import { importVolumeSchema, VOLUME_EXPORT_ROOT, type ImportResult, type ImportVolumeOptions, type VolumeImageInfo } from '../../../shared/contract/volumeOps';
import { createTarRewriter } from '../archive/stripTopFolder';
import { toAppError } from '../docker/errors';
import { inspectVolume, volumeNotFound } from '../docker/volumes';
import { requireRunnableImage, withDefaultTag } from '../jobs/images';
import type { JobContext } from '../jobs/jobContext';
import { runRestore } from '../jobs/restoreJob';
import { volumeExists } from '../jobs/restoreSteps';
import { pullImage } from '../launcher/pull';
import { imageInfoFrom, imageNotPresent, inspectImageOrNull } from './exportLabel';
import type { VolumeOpsDeps } from './volumeOpsService';

/** An image that is not a volume export is refused with what it is (exportLabel.ts describeNotAnExport). */
function notAnExport(info: VolumeImageInfo): AppError {
  return new AppError('INVALID_ARGUMENT', info.notAnExport ?? `${info.image} is not a volume export.`, {
    hint: 'Import an image made by ailab volumes export (or the Export dialog); it carries the export label.',
    details: { image: info.image, id: info.id },
  });
}

/**
 * The export's /volume as a tar stream, from a container made (never started) from the image:
 * `GET /containers/{id}/archive?path=/volume` (entries `volume/…`), with `volume/` rewritten to `./`
 * and `volume/x` to `x` (hard link targets too), so the restore machinery sees the layout of the
 * seed's own backups, and the volume's root gets the export root's owner, mode and time. Each call
 * is a fresh read of the same layer: the Engine writes it the same way each time (times in whole
 * seconds, no atime/ctime), which the restore guard's sha256 of check and extraction confirms.
 */
function archiveOpener(container: Dockerode.Container, signal: AbortSignal): () => Readable {
  return () => {
    const out = new PassThrough({ highWaterMark: 1024 * 1024 });
    // The reader's pipeline hears the error; one that has stopped already (a cancel: the same signal
    // aborts this read) must not turn it into an uncaught exception.
    out.on('error', () => undefined);
    void (async () => {
      const source = (await container.getArchive({ path: VOLUME_EXPORT_ROOT, abortSignal: signal })) as Readable;
      await pipeline(source, createTarRewriter({ stripPrefix: `${VOLUME_EXPORT_ROOT.slice(1)}/`, prefixAsRoot: true }), out);
    })().catch((err: unknown) => {
      if (!out.destroyed) out.destroy(toAppError(err));
    });
    return out;
  };
}

interface ImportPlan {
  ref: string;
  volume: string;
  mode: ImportVolumeOptions['mode'] & string;
  pull: boolean;
  stopContainers: boolean;
  engine: 'fast' | 'tar';
  appVersion: string;
}

async function runImport(deps: VolumeOpsDeps, ctx: JobContext, p: ImportPlan): Promise<ImportResult> {
  const started = Date.now();
  ctx.phase('starting');
  let inspect = await inspectImageOrNull(ctx.docker, p.ref);
  if (!inspect) {
    ctx.log(`Pulling ${p.ref}…`);
    let last = '';
    await pullImage(
      ctx.docker,
      p.ref,
      (pr) => {
        if (pr.status && pr.status !== last) ctx.log((last = pr.status));
        const total = pr.layers.reduce((n, l) => n + (l.total ?? 0), 0);
        if (total > 0) {
          ctx.progress.setTotals({ bytesTotal: total });
          ctx.progress.setBytesDone(pr.layers.reduce((n, l) => n + (l.current ?? 0), 0));
        }
      },
      ctx.signal,
    );
    inspect = await inspectImageOrNull(ctx.docker, p.ref);
    if (!inspect) throw imageNotPresent(p.ref, false);
  }
  const info = imageInfoFrom(p.ref, inspect);
  if (!info.export) throw notAnExport(info);
  ctx.log(
    `${p.ref} is an export of the volume ${info.export.volume} (${info.export.entries} entries, ${info.export.totalBytes} bytes, made ${info.export.createdAt}).`,
  );
  let container: Dockerode.Container;
  try {
    // Never started: the image has no command of its own, and none is needed to read its files.
    container = await ctx.docker.createContainer({
      Image: inspect.Id,
      Entrypoint: ['/never-started'],
      Labels: ctx.labels,
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none', LogConfig: { Type: 'none', Config: {} } },
    });
  } catch (err) {
    throw toAppError(err);
  }
  ctx.tracker.add(container.id);
  try {
    const restored = await runRestore(ctx, {
      archivePath: `the image ${p.ref}`,
      open: archiveOpener(container, ctx.signal),
      volume: p.volume,
      mode: p.mode,
      engine: p.engine,
      stripTopFolder: false,
      stopContainers: p.stopContainers,
      keepSetuid: false,
      manifest: null,
      cache: deps.jobs.cache,
      appVersion: p.appVersion,
    });
    return {
      kind: 'import',
      image: p.ref,
      volume: p.volume,
      mode: p.mode,
      createdVolume: restored.createdVolume,
      entries: restored.entries,
      totalBytes: restored.totalBytes,
      safetyBackup: restored.safetyBackup,
      durationMs: Date.now() - started,
    };
  } finally {
    await ctx.tracker.remove(container.id);
  }
}

/** Starts an import job (kind 'import', target: the image); a non-export image is refused before it starts. */
export async function importVolume(deps: VolumeOpsDeps, raw: ImportVolumeOptions): Promise<JobSummary> {
  const opts = importVolumeSchema.parse(raw);
  const ref = withDefaultTag(opts.image);
  const docker = deps.jobs.manager.docker();
  const inspect = await inspectImageOrNull(docker, ref);
  if (!inspect && !opts.pull) throw imageNotPresent(ref, true);
  if (inspect) {
    const info = imageInfoFrom(ref, inspect);
    if (!info.export) throw notAnExport(info);
  }
  await deps.jobs.manager.assertFreeEverywhere(opts.volume);
  const existing = await inspectVolume(docker, opts.volume);
  if (opts.mode === 'new' && existing) throw volumeExists(opts.volume);
  if (opts.mode !== 'new' && !existing) throw volumeNotFound(opts.volume, 'restore');
  const settings = deps.core.settings.get();
  const engine = settings.backupEngine;
  if (engine === 'tar' || opts.mode === 'replace') await requireRunnableImage(docker, settings.helperImage);
  return deps.jobs.manager.launch({ kind: 'import', volume: opts.volume, file: '', engine, mode: opts.mode, target: ref }, (ctx) =>
    runImport(deps, ctx, {
      ref,
      volume: opts.volume,
      mode: opts.mode,
      pull: opts.pull,
      stopContainers: opts.stopContainers,
      engine,
      appVersion: deps.core.version,
    }),
  );
}
