import type Dockerode from 'dockerode';
import { LABELS } from '../../../shared/ailab';
import type { ContainerRef } from '../../../shared/contract/jobs';
import { AppError } from '../../../shared/contract/errors';
import { isNotModified, toAppError } from '../docker/errors';
import type { JobContext } from './jobContext';

/** Containers (running or not) that mount the volume, without our own helpers. */
export async function containersUsingVolume(docker: Dockerode, volume: string): Promise<ContainerRef[]> {
  let list: Dockerode.ContainerInfo[];
  try {
    list = await docker.listContainers({ all: true, filters: { volume: [volume] } });
  } catch (err) {
    throw toAppError(err);
  }
  return list
    .filter((c) => !(c.Labels && LABELS.job in c.Labels))
    .filter((c) => (c.Mounts ?? []).some((m) => m.Type === 'volume' && m.Name === volume))
    .map((c) => ({
      id: c.Id,
      name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
      image: c.Image,
      running: c.State === 'running' || c.State === 'restarting' || c.State === 'paused',
    }));
}

/** Stops the running ones; returns those it stopped (and must start again). */
export async function stopContainers(
  docker: Dockerode,
  refs: ContainerRef[],
  log: (line: string) => void,
  onStopped: (ref: ContainerRef) => void,
): Promise<void> {
  for (const ref of refs.filter((r) => r.running)) {
    log(`Stopping container ${ref.name}…`);
    try {
      await docker.getContainer(ref.id).stop({ t: 10 });
    } catch (err) {
      // 304: it stopped by itself in the meantime, which is what we wanted.
      if (!isNotModified(err)) {
        throw new AppError('DOCKER_ERROR', `Could not stop container ${ref.name}: ${toAppError(err).message}`, {
          hint: 'Stop it yourself, or run the job without stopping containers.',
          cause: err,
        });
      }
    }
    onStopped(ref);
  }
}

/** Starts containers again; returns the names of those that could not be started. Never throws. */
export async function startContainers(docker: Dockerode, refs: ContainerRef[], log: (line: string) => void): Promise<string[]> {
  const failed: string[] = [];
  for (const ref of refs) {
    try {
      log(`Starting container ${ref.name} again…`);
      await docker.getContainer(ref.id).start();
    } catch (err) {
      if (isNotModified(err)) continue;
      log(`Could not start ${ref.name} again: ${toAppError(err).message}`);
      failed.push(ref.name);
    }
  }
  return failed;
}

/**
 * Before a job touches a volume: stop the running containers that use it when the user asked for
 * that (they are started again after the job, whatever happens), else warn with `warning(names)`.
 */
export async function stopUsersOrWarn(
  ctx: Pick<JobContext, 'docker' | 'log' | 'stopped' | 'warn' | 'phase'>,
  volume: string,
  stop: boolean,
  warning: (runningNames: string) => string,
): Promise<ContainerRef[]> {
  const users = await containersUsingVolume(ctx.docker, volume);
  const running = users.filter((u) => u.running);
  if (running.length === 0) return users;
  if (stop) {
    ctx.phase('stopping-containers');
    await stopContainers(ctx.docker, users, ctx.log, ctx.stopped);
  } else {
    ctx.warn(warning(running.map((r) => r.name).join(', ')));
  }
  return users;
}
