import { AppError } from '../../../shared/contract/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { runHelper } from './helperContainer';
import type { JobContext } from './jobContext';

/**
 * Empties the volume (its own folder stays): the step between the safety backup and a replace. `keep`:
 * names at the volume's root left in place, untouched (a replace that keeps the volume's SCS): not
 * copied out and back, so content, owner, mode, times and inode stay what they were.
 */
export async function clearVolume(ctx: JobContext, volume: string, image: string, keep: string[] = []): Promise<void> {
  const spare = keep.flatMap((name) => ['!', '-path', `${VOLUME_MOUNT}/${name}`]);
  const res = await runHelper(
    ctx.docker,
    { image, cmd: ['find', VOLUME_MOUNT, '-mindepth', '1', ...spare, '-delete'], volume, readOnly: false, labels: ctx.labels },
    { signal: ctx.signal, onStderrLine: ctx.log },
    ctx.tracker,
  );
  if (res.exitCode !== 0) {
    throw new AppError('DOCKER_ERROR', `Could not empty the volume ${volume} (find exited with ${res.exitCode}: ${res.stderrTail.slice(-2).join(' / ')}).`, {
      hint: 'See the job log.',
    });
  }
}
