import { AppError } from '../../../shared/contract/errors';
import type { JobSummary } from '../../../shared/contract/jobs';
import type { CloneVolumeOptions, EmptyVolumeOptions, RenameVolumeOptions } from '../../../shared/contract/volumeOps';
import type { VolumeOpsDeps } from './volumeOpsService';

// Placeholders of the contract (issue 16): each is replaced by its implementation.
export async function cloneVolume(_deps: VolumeOpsDeps, _opts: CloneVolumeOptions): Promise<JobSummary> {
  throw new AppError('INTERNAL', 'Clone is not built yet.');
}

export async function renameVolume(_deps: VolumeOpsDeps, _opts: RenameVolumeOptions): Promise<JobSummary> {
  throw new AppError('INTERNAL', 'Rename is not built yet.');
}

export async function emptyVolume(_deps: VolumeOpsDeps, _opts: EmptyVolumeOptions): Promise<JobSummary> {
  throw new AppError('INTERNAL', 'Empty is not built yet.');
}
