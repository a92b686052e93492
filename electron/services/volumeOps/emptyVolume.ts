import type { JobSummary } from '../../../shared/contract/jobs';
import { emptyVolumeSchema, type EmptyResult, type EmptyVolumeOptions } from '../../../shared/contract/volumeOps';
import { requireVolume } from '../docker/volumes';
import { requireRunnableImage } from '../jobs/images';
import { measureVolume } from '../jobs/measure';
import { safetyBackup } from '../jobs/restoreJob';
import { containersUsingVolume, stopContainers } from '../jobs/volumeContainers';
import { clearVolume } from '../jobs/volumeOps';
import { volumeInUse } from './opErrors';
import type { VolumeOpsDeps } from './volumeOpsService';

/**
 * Empty: everything in the volume goes, the volume itself stays (its labels, its users' mounts). The
 * replace restore's two steps, reused as they are: its verified safety backup into `<dataDir>/safety/`
 * (listSafetyBackups lists it, a replace restore of it puts everything back) and its confined
 * clearing (`find -mindepth 1 -delete`). Refused while a container using it runs, unless asked to stop
 * them (started again afterwards, whatever happens).
 */
export async function emptyVolume(deps: VolumeOpsDeps, raw: EmptyVolumeOptions): Promise<JobSummary> {
  const opts = emptyVolumeSchema.parse(raw);
  const docker = deps.jobs.manager.docker();
  await requireVolume(docker, opts.volume, 'manage');
  const running = (await containersUsingVolume(docker, opts.volume)).filter((c) => c.running);
  if (running.length > 0 && !opts.stopContainers) {
    throw volumeInUse(
      opts.volume,
      running,
      'a running container would keep writing into the volume while it is emptied.',
      'Stop it first, or let the job stop it and start it again afterwards ("Stop containers", --stop-containers).',
    );
  }
  await deps.jobs.manager.assertFreeEverywhere(opts.volume);
  const image = await requireRunnableImage(docker, deps.core.settings.get().helperImage);
  const appVersion = deps.core.version;
  return deps.jobs.manager.launch({ kind: 'empty', volume: opts.volume, file: '', engine: 'fast', mode: null }, async (ctx): Promise<EmptyResult> => {
    const started = Date.now();
    ctx.phase('starting');
    if (opts.stopContainers) {
      const users = await containersUsingVolume(ctx.docker, opts.volume);
      if (users.some((u) => u.running)) {
        ctx.phase('stopping-containers');
        await stopContainers(ctx.docker, users, ctx.log, ctx.stopped);
      }
    }
    ctx.throwIfCancelled();
    ctx.phase('measuring');
    const measured = await measureVolume({
      docker: ctx.docker,
      volume: opts.volume,
      labels: ctx.labels,
      signal: ctx.signal,
      tracker: ctx.tracker,
      image,
      runnable: true,
    });
    const removedEntries = measured.entries - 1;
    ctx.log(`${opts.volume}: ${removedEntries} entries, ${measured.bytes} bytes.`);
    let safety: string | null = null;
    if (opts.safetyBackup) {
      safety = await safetyBackup(ctx, opts.volume, image, true, appVersion, measured);
    } else {
      ctx.log('No safety backup (asked): what is removed is gone for good.');
    }
    ctx.throwIfCancelled();
    ctx.phase('clearing-volume', { filesTotal: removedEntries, bytesTotal: null });
    ctx.log(`Removing everything in ${opts.volume}…`);
    try {
      await clearVolume(ctx, opts.volume, image);
    } catch (err) {
      if (safety)
        ctx.warn(
          `${opts.volume} may be partly emptied. Its previous contents are in the safety backup ${safety}: restore it into ${opts.volume} (replace) to get them back.`,
        );
      throw err;
    }
    return { kind: 'empty', volume: opts.volume, removedEntries, safetyBackup: safety, durationMs: Date.now() - started };
  });
}
