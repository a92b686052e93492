import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { isNotFound, toAppError } from './errors';

/**
 * The one lookup of a volume by name, for every domain (volumes, jobs, launcher), and the one message
 * when it is missing; what to do next depends on what the user was doing, so the hint does.
 */

export interface VolumeInfo {
  name: string;
  labels: Record<string, string>;
}

/** What the user was doing when the volume turned out to be missing. */
export type VolumeUse = 'manage' | 'backup' | 'restore' | 'launch';

const MISSING_HINTS: Record<VolumeUse, string> = {
  manage: 'It may have been removed in the meantime; the list shows the volumes that exist now.',
  backup: 'Check the name: the volume list (or `ailab volumes`) shows the volumes there are.',
  restore: 'Check the name, or restore into a new volume instead.',
  launch: 'Choose an existing volume, or choose "new volume" to create it.',
};

export function volumeNotFound(volume: string, use: VolumeUse = 'manage'): AppError {
  return new AppError('VOLUME_NOT_FOUND', `There is no volume named ${volume}.`, { hint: MISSING_HINTS[use], details: { volume } });
}

/** The volume, or null when it does not exist; any other failure (Docker away, …) is thrown as an AppError. */
export async function inspectVolume(docker: Dockerode, volume: string): Promise<VolumeInfo | null> {
  try {
    const v = (await docker.getVolume(volume).inspect()) as { Name: string; Labels?: Record<string, string> | null };
    return { name: v.Name, labels: v.Labels ?? {} };
  } catch (err) {
    if (isNotFound(err)) return null;
    throw toAppError(err);
  }
}

export async function requireVolume(docker: Dockerode, volume: string, use: VolumeUse = 'backup'): Promise<VolumeInfo> {
  const v = await inspectVolume(docker, volume);
  if (!v) throw volumeNotFound(volume, use);
  return v;
}
