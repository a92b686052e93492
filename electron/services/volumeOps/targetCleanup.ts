import type Dockerode from 'dockerode';
import { LABELS } from '../../../shared/ailab';
import { createDockerConnection } from '../docker/connection';
import { isConflict, isNotFound, toAppError } from '../docker/errors';
import type { ContainerTracker } from '../jobs/helperContainer';

/** How often, and how long, what a job left on an unreachable target is tried again (in this process). */
const RETRY_MS = 10_000;
const RETRY_FOR_MS = 30 * 60_000;

/**
 * Helper containers on the target engine: the job manager's tracker removes containers on the source
 * engine only, so the target's are tracked here and removed with the target's client.
 */
export class TargetHelpers implements ContainerTracker {
  readonly ids = new Set<string>();
  constructor(private readonly docker: Dockerode) {}
  add(id: string): void {
    this.ids.add(id);
  }
  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
      this.ids.delete(id);
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) this.ids.delete(id);
    }
  }
  async removeAll(): Promise<void> {
    for (const id of [...this.ids]) await this.remove(id);
  }
}

export interface Leftover {
  env: NodeJS.ProcessEnv;
  context: string;
  words: string;
  jobId: string;
  /** The half-made volume under the final name (mode new), or null when only helpers are left. */
  volume: string | null;
}

/** Removes the job's helpers (by its label) and the volume it made, with the given client; throws when the engine does not answer. */
export async function removeFromTarget(docker: Dockerode, l: Pick<Leftover, 'jobId' | 'volume'>): Promise<void> {
  const helpers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.job}=${l.jobId}`] } });
  for (const c of helpers) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true, v: true })
      .catch((err: unknown) => {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      });
  }
  if (l.volume) {
    await docker
      .getVolume(l.volume)
      .remove()
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      });
  }
}

/** One more try over a connection of its own (the job's may be the one that broke). */
async function removeOverFreshConnection(l: Leftover): Promise<void> {
  const connection = createDockerConnection({ env: l.env, context: l.context, probeTimeoutMs: 5000 });
  try {
    const status = await connection.connectOnce();
    if (status.state !== 'connected') throw new Error(status.error?.message ?? 'no answer');
    await removeFromTarget(connection.client(), l);
  } finally {
    await connection.stop();
  }
}

/**
 * Cleans what a failed or cancelled transfer left on the target: with the job's client, then over a
 * fresh connection. When the target cannot be reached at all, returns the sentence that says exactly
 * what is left there and how to remove it, and keeps trying in the background (every 10 s, for 30 min).
 */
export async function cleanTarget(docker: Dockerode, l: Leftover): Promise<string | null> {
  try {
    await removeFromTarget(docker, l);
    return null;
  } catch {
    // The job's connection may be the broken one.
  }
  try {
    await removeOverFreshConnection(l);
    return null;
  } catch (err) {
    retryLater(l);
    const what = l.volume ? `the half-made volume ${l.volume}` : 'helper containers';
    const how = l.volume
      ? `docker --context ${l.context} rm -f $(docker --context ${l.context} ps -aq --filter label=${LABELS.job}=${l.jobId}); docker --context ${l.context} volume rm ${l.volume}`
      : `docker --context ${l.context} rm -f $(docker --context ${l.context} ps -aq --filter label=${LABELS.job}=${l.jobId})`;
    return `The target ${l.words} cannot be reached (${toAppError(err).message}), so ${what} is still there. This app tries again for 30 minutes; or remove it yourself once it answers: ${how}`;
  }
}

function retryLater(l: Leftover): void {
  const until = Date.now() + RETRY_FOR_MS;
  const timer = setInterval(() => {
    if (Date.now() > until) {
      clearInterval(timer);
      return;
    }
    removeOverFreshConnection(l).then(
      () => clearInterval(timer),
      () => undefined,
    );
  }, RETRY_MS);
  timer.unref();
}
