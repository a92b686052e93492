import type Dockerode from 'dockerode';
import { isConflict, isNotFound, toAppError } from '../docker/errors';
import { inspectVolume, type VolumeInfo } from '../docker/volumes';
import type { JobContext } from '../jobs/jobContext';
import { measureVolume } from '../jobs/measure';
import { createVolume } from '../jobs/restoreSteps';
import { stopUsersOrWarn } from '../jobs/volumeContainers';
import { copyVolume } from './copyStep';
import { targetTaken } from './opErrors';
import { verifyCopy } from './volumeListing';

/** Compose's own labels tie a volume to a project; a copy under another name belongs to none. */
const COMPOSE_LABEL = /^com\.docker\.compose\./;

/** The new volume's labels: the user's, else the source's without Compose's. */
export function cloneLabels(source: VolumeInfo, labels: Record<string, string> | undefined): Record<string, string> {
  if (labels) return labels;
  return Object.fromEntries(Object.entries(source.labels).filter(([k]) => !COMPOSE_LABEL.test(k)));
}

export interface CopyJobOptions {
  source: string;
  target: string;
  labels: Record<string, string>;
  /** The helper image, checked runnable before the job started. */
  image: string;
  /** Stop the source's running users meanwhile; false: warn about them (clone). Rename has none (it refuses first). */
  stopContainers: boolean;
}

export interface CopyJobOutcome {
  entries: number;
  totalBytes: number;
}

/**
 * A new volume with the source's exact contents, checked entry by entry. On any failure or a cancel
 * the new volume goes (with its helper, which the job manager removes): nothing half-made keeps the
 * name. The source is only ever mounted read-only.
 */
export async function copyIntoNewVolume(ctx: JobContext, o: CopyJobOptions): Promise<CopyJobOutcome> {
  ctx.phase('starting');
  const users = await stopUsersOrWarn(
    ctx,
    o.source,
    o.stopContainers,
    (names) =>
      `Containers using ${o.source} were running during the copy (${names}): files they wrote meanwhile may be caught mid-write, and the check of the copy fails if anything changed. Stop them for the copy (they are started again afterwards).`,
  );
  const sourceWritten = !o.stopContainers && users.some((u) => u.running);
  ctx.throwIfCancelled();

  // Docker's create answers with the existing volume for a taken name: look right before making it.
  if (await inspectVolume(ctx.docker, o.target)) throw targetTaken(o.target);
  await createVolume(ctx.docker, o.target, o.labels);
  ctx.log(`Created volume ${o.target}${Object.keys(o.labels).length > 0 ? ` with labels ${Object.keys(o.labels).join(', ')}` : ''}.`);
  try {
    ctx.phase('measuring');
    const measured = await measureVolume({
      docker: ctx.docker,
      volume: o.source,
      labels: ctx.labels,
      signal: ctx.signal,
      tracker: ctx.tracker,
      image: o.image,
      runnable: true,
    });
    ctx.log(`${o.source}: ${measured.entries} entries, ${measured.bytes} bytes.`);
    ctx.throwIfCancelled();
    ctx.phase('copying', { filesTotal: measured.entries, bytesTotal: measured.bytes });
    ctx.log(`Copying ${o.source} into ${o.target}…`);
    const copied = await copyVolume(ctx, o);
    ctx.log(`Copied ${copied.entries} entries, ${copied.bytes} bytes.`);
    ctx.throwIfCancelled();
    await verifyCopy(ctx, { ...o, sourceWritten });
    // A cancel that came during the check still undoes the copy (a rename has not removed anything yet).
    ctx.throwIfCancelled();
    return { entries: copied.entries, totalBytes: copied.bytes };
  } catch (err) {
    await removeNewVolume(ctx, o.target);
    throw err;
  }
}

/** The half-made target goes; with the job's own helpers gone first (a mounted volume cannot be removed). */
async function removeNewVolume(ctx: JobContext, target: string): Promise<void> {
  ctx.log(`Removing the new volume ${target}…`);
  try {
    await removeVolumeRetrying(ctx.docker, target);
  } catch (err) {
    ctx.warn(
      `The new volume ${target} could not be removed: ${toAppError(err).message}. Remove it yourself (docker volume rm ${target}) if it is still there.`,
    );
    removeWhenBack(ctx.docker, target);
  }
}

/** How long this process keeps trying to remove a half-made volume while Docker is away (every 5 s). */
const ORPHAN_RETRY_MS = 5000;
const ORPHAN_RETRIES = 120;

/**
 * Docker went away mid-copy: the half-made volume cannot go now. The job manager removes the helper
 * once Docker answers again; this removes the volume after it (tried until the helper is gone).
 */
function removeWhenBack(docker: Dockerode, name: string): void {
  let tries = 0;
  const timer = setInterval(() => {
    tries++;
    removeVolumeRetrying(docker, name, 1).then(
      () => clearInterval(timer),
      () => {
        if (tries >= ORPHAN_RETRIES) clearInterval(timer);
      },
    );
  }, ORPHAN_RETRY_MS);
  timer.unref();
}

/**
 * runHelper removes its container as it returns, but a killed helper's removal can still be under way
 * in the engine (409 "volume is in use") for a moment.
 */
export async function removeVolumeRetrying(docker: Dockerode, name: string, tries = 10): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      await docker.getVolume(name).remove();
      return;
    } catch (err) {
      if (isNotFound(err)) return;
      if (!isConflict(err) || i >= tries) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}
