import { AppError } from '../../../shared/contract/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { runHelper } from './helperContainer';
import type { JobContext } from './jobContext';

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
