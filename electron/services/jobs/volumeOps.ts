import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { toAppError } from '../docker/errors';
import { runHelper, VOLUME_MOUNT } from './helperContainer';
import type { JobContext } from './jobContext';

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
}

/** A volume a job needs does not exist; only a restore has the choice of making it (a new volume). */
export function volumeNotFound(volume: string, job: 'backup' | 'restore' = 'backup'): AppError {
  return new AppError('VOLUME_NOT_FOUND', `There is no volume named ${volume}.`, {
    hint: job === 'restore' ? 'Check the name, or restore into a new volume instead.' : 'Check the name: the volume list (or `ailab volumes`) shows the volumes there are.',
    details: { volume },
  });
}

export async function inspectVolume(docker: Dockerode, volume: string): Promise<VolumeInfo | null> {
  try {
    const v = (await docker.getVolume(volume).inspect()) as { Name: string; Labels?: Record<string, string> | null };
    return { name: v.Name, labels: v.Labels ?? {} };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return null;
    throw toAppError(err);
  }
}

export async function requireVolume(docker: Dockerode, volume: string): Promise<VolumeInfo> {
  const v = await inspectVolume(docker, volume);
  if (!v) throw volumeNotFound(volume);
  return v;
}

/** Empties the volume (its own folder stays): the step between the safety backup and a replace. */
export async function clearVolume(ctx: JobContext, volume: string, image: string): Promise<void> {
  const res = await runHelper(
    ctx.docker,
    { image, cmd: ['find', VOLUME_MOUNT, '-mindepth', '1', '-delete'], volume, readOnly: false, labels: ctx.labels },
    { signal: ctx.signal, onStderrLine: ctx.log },
    ctx.tracker,
  );
  if (res.exitCode !== 0) {
    throw new AppError('DOCKER_ERROR', `Could not empty the volume ${volume} (find exited with ${res.exitCode}: ${res.stderrTail.slice(-2).join(' / ')}).`, {
      hint: 'See the job log.',
    });
  }
}
