import { AppError } from '../../../shared/contract/errors';
import type { ContainerRef } from '../../../shared/contract/jobs';

/** The refusals the volume operations share, each saying what to do instead. */

export function targetTaken(name: string): AppError {
  return new AppError('VOLUME_EXISTS', `A volume named ${name} already exists.`, {
    hint: 'Choose another name for the copy: a clone always makes a new volume and never writes into an existing one.',
    details: { volume: name },
  });
}

export function volumeInUse(volume: string, users: ContainerRef[], doing: string, remedy: string): AppError {
  const names = users.map((u) => `${u.name}${u.running ? ' (running)' : ' (stopped)'}`).join(', ');
  return new AppError('VOLUME_IN_USE', `${volume} is used by ${users.length === 1 ? 'the container' : 'the containers'} ${names}; ${doing}`, {
    hint: remedy,
    details: { volume, containers: users.map((u) => u.name) },
  });
}
