import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { isConflict, toAppError } from '../docker/errors';
import type { JobContext } from './jobContext';
import { measureVolume } from './measure';
import type { UnpackResult } from './restoreEngines';

/** The steps both restore paths share (restoreJob.ts checks first, onePassRestore.ts checks while it writes). */

export async function createVolume(docker: Dockerode, name: string, labels: Record<string, string>): Promise<void> {
  try {
    await docker.createVolume({ Name: name, Labels: labels });
  } catch (err) {
    throw toAppError(err, {
      conflict: () =>
        new AppError('VOLUME_EXISTS', `A volume named ${name} already exists.`, { hint: 'Restore into it with replace or merge, or choose another name.' }),
    });
  }
}

/**
 * Removes the volume a failed or cancelled restore created. A cancel right as the extractors start can
 * find one of the job's helpers still on the volume, its removal under way ("volume is in use"): that
 * is waited for (up to 15 s), so no half-made volume stays under the final name.
 */
export async function removeCreatedVolume(ctx: Pick<JobContext, 'docker' | 'log' | 'warn'>, volume: string): Promise<void> {
  ctx.log(`Removing the volume ${volume} this restore created…`);
  for (let waited = 0; ; waited += 500) {
    try {
      await ctx.docker.getVolume(volume).remove();
      return;
    } catch (err) {
      if (isConflict(err) && waited < 15_000) {
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      ctx.warn(`The new volume ${volume} could not be removed: ${toAppError(err).message}`);
      return;
    }
  }
}

export function volumeExists(name: string): AppError {
  return new AppError('VOLUME_EXISTS', `A volume named ${name} already exists.`, { hint: 'Restore into it with replace or merge, or choose another name.' });
}

/**
 * Counts the entries in the volume against what was unpacked: fewer means tar skipped something
 * without failing. Returns the count as tar lists the archive (with the volume folder when the archive
 * has a "./" entry). The count the extractor made on its way out is used when there is one.
 */
export async function countRestored(ctx: JobContext, volume: string, image: string, runnable: boolean, unpacked: UnpackResult): Promise<number> {
  let entries = unpacked.volumeEntries;
  if (entries === null) {
    ctx.phase('counting');
    entries = (await measureVolume({ docker: ctx.docker, volume, labels: ctx.labels, signal: ctx.signal, tracker: ctx.tracker, image, runnable })).entries;
  }
  const expected = unpacked.entries - (unpacked.rootEntry ? 1 : 0);
  const inVolume = entries - 1;
  ctx.log(`Check: ${inVolume} entries in the volume, ${expected} restored from the archive.`);
  if (inVolume < expected) {
    throw new AppError('DOCKER_ERROR', `The restore is incomplete: the volume holds ${inVolume} entries, but the archive has ${expected}.`, {
      hint: 'See the job log; try the other engine.',
      details: { volumeEntries: inVolume, archiveEntries: expected },
    });
  }
  return inVolume + (unpacked.rootEntry ? 1 : 0);
}
