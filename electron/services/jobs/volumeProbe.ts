import type Dockerode from 'dockerode';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { createHelper, type ContainerTracker } from './helperContainer';

/**
 * Which of `names` exist at the top of the volume, asked through the Engine's archive API
 * (`HEAD /containers/{id}/archive`) of a created, never started container: no image needs to run,
 * nothing in the volume is touched.
 */
export async function existingTopLevelNames(
  docker: Dockerode,
  args: { image: string; volume: string; labels: Record<string, string>; tracker: ContainerTracker },
  names: string[],
  cap = 200,
): Promise<string[]> {
  if (names.length === 0) return [];
  const container = await createHelper(docker, { image: args.image, volume: args.volume, readOnly: true, labels: args.labels }, args.tracker);
  try {
    const found: string[] = [];
    const queue = names.slice(0, cap);
    // A few at a time: each is one small request.
    const workers = Array.from({ length: Math.min(8, queue.length) }, async () => {
      for (;;) {
        const name = queue.shift();
        if (name === undefined) return;
        try {
          // dockerode hands back the (empty) HEAD response as a stream; left open it keeps the process alive.
          const res = (await container.infoArchive({ path: `${VOLUME_MOUNT}/${name}` })) as { destroy?: () => void; resume?: () => void };
          res.resume?.();
          res.destroy?.();
          found.push(name);
        } catch {
          // 404: not there.
        }
      }
    });
    await Promise.all(workers);
    return names.filter((n) => found.includes(n));
  } finally {
    await args.tracker.remove(container.id);
  }
}
