import type Dockerode from 'dockerode';
import { LABELS } from '../../../shared/ailab';
import { isConflict, isNotFound } from '../docker/errors';
import { OWNER_LABEL, ownerIsAlive } from './owner';

/**
 * Removes helper containers whose job died with its process (a crash, a kill, Docker restarting
 * under us). Helpers of jobs still running in another live process are left alone. `v: true` removes
 * only anonymous volumes (an image's VOLUME), never the user's named volume.
 */
export async function removeLeftoverHelpers(docker: Dockerode): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [LABELS.job] } });
  const removed: string[] = [];
  for (const c of list) {
    if (ownerIsAlive(c.Labels?.[OWNER_LABEL], c.Created * 1000)) continue;
    try {
      await docker.getContainer(c.Id).remove({ force: true, v: true });
      removed.push(c.Id);
    } catch (err) {
      // 404: gone; 409: another manager is removing it right now.
      if (isNotFound(err) || isConflict(err)) continue;
      throw err;
    }
  }
  return removed;
}
