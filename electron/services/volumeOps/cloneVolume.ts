import { AppError } from '../../../shared/contract/errors';
import type { JobSummary } from '../../../shared/contract/jobs';
import {
  cloneVolumeSchema,
  renameVolumeSchema,
  type CloneResult,
  type CloneVolumeOptions,
  type RenameResult,
  type RenameVolumeOptions,
} from '../../../shared/contract/volumeOps';
import { toAppError } from '../docker/errors';
import { inspectVolume, requireVolume, type VolumeInfo } from '../docker/volumes';
import { requireRunnableImage } from '../jobs/images';
import { containersUsingVolume } from '../jobs/volumeContainers';
import { cloneLabels, copyIntoNewVolume, removeVolumeRetrying } from './cloneJob';
import { targetTaken, volumeInUse } from './opErrors';
import type { VolumeOpsDeps } from './volumeOpsService';

/** What clone and rename check before a job exists: the source, the free target name, no job on either, the helper image. */
async function checkCopy(deps: VolumeOpsDeps, source: string, target: string): Promise<{ info: VolumeInfo; image: string }> {
  const docker = deps.jobs.manager.docker();
  const info = await requireVolume(docker, source, 'manage');
  if (await inspectVolume(docker, target)) throw targetTaken(target);
  await deps.jobs.manager.assertFreeEverywhere(source);
  await deps.jobs.manager.assertFreeEverywhere(target);
  // The copy runs tar and find in the helper: no image, no clone (IMAGE_NOT_FOUND offers the pull).
  const image = await requireRunnableImage(docker, deps.core.settings.get().helperImage);
  return { info, image };
}

/** Clone: a new volume with the source's exact contents, verified entry by entry (cloneJob.ts). */
export async function cloneVolume(deps: VolumeOpsDeps, raw: CloneVolumeOptions): Promise<JobSummary> {
  const opts = cloneVolumeSchema.parse(raw);
  const { info, image } = await checkCopy(deps, opts.source, opts.target);
  const labels = cloneLabels(info, opts.labels);
  return deps.jobs.manager.launch(
    { kind: 'clone', volume: opts.source, target: opts.target, alsoLocks: [opts.target], file: '', engine: 'tar', mode: null },
    async (ctx): Promise<CloneResult> => {
      const started = Date.now();
      const copied = await copyIntoNewVolume(ctx, { source: opts.source, target: opts.target, labels, image, stopContainers: opts.stopContainers });
      return { kind: 'clone', source: opts.source, target: opts.target, ...copied, verified: true, durationMs: Date.now() - started };
    },
  );
}

/**
 * Rename: Docker has no rename, and a container's mount cannot be moved to another volume, so it is a
 * clone, its check, and the removal of the old volume; refused up front while any container (running
 * or stopped) uses the old one. Until the removal, a failure removes the new volume and the old one
 * is as it was; a failed removal keeps both and says so.
 */
export async function renameVolume(deps: VolumeOpsDeps, raw: RenameVolumeOptions): Promise<JobSummary> {
  const opts = renameVolumeSchema.parse(raw);
  const docker = deps.jobs.manager.docker();
  await requireVolume(docker, opts.from, 'manage');
  const users = await containersUsingVolume(docker, opts.from);
  if (users.length > 0) {
    throw volumeInUse(
      opts.from,
      users,
      'a volume cannot be renamed while a container uses it (Docker cannot move a container to another volume).',
      `Remove ${users.length === 1 ? 'that container' : 'those containers'} first (docker rm), rename, then create ${users.length === 1 ? 'it' : 'them'} again with the new name; or clone the volume instead.`,
    );
  }
  const { info, image } = await checkCopy(deps, opts.from, opts.to);
  const labels = cloneLabels(info, undefined);
  return deps.jobs.manager.launch(
    { kind: 'rename', volume: opts.from, target: opts.to, alsoLocks: [opts.to], file: '', engine: 'tar', mode: null },
    async (ctx): Promise<RenameResult> => {
      const started = Date.now();
      const copied = await copyIntoNewVolume(ctx, { source: opts.from, target: opts.to, labels, image, stopContainers: false });
      ctx.phase('removing-old');
      ctx.log(`The copy is verified; removing the old volume ${opts.from}…`);
      try {
        await removeVolumeRetrying(ctx.docker, opts.from);
      } catch (err) {
        const e = toAppError(err);
        throw new AppError(
          e.code === 'VOLUME_IN_USE' || /in use/i.test(e.message) ? 'VOLUME_IN_USE' : e.code,
          `${opts.to} is a complete, verified copy of ${opts.from}, but ${opts.from} could not be removed (${e.message}). Both volumes are kept.`,
          {
            hint: `Remove ${opts.from} yourself once nothing uses it (docker volume rm ${opts.from}), or remove ${opts.to} to undo.`,
            details: { from: opts.from, to: opts.to },
            cause: err,
          },
        );
      }
      ctx.log(`Removed ${opts.from}.`);
      return { kind: 'rename', from: opts.from, to: opts.to, ...copied, durationMs: Date.now() - started };
    },
  );
}
