import { AppError } from '../../../shared/contract/errors';
import type { JobSummary } from '../../../shared/contract/jobs';
import type { ExportVolumeOptions, ImportVolumeOptions, VolumeImageInfo } from '../../../shared/contract/volumeOps';
import type { VolumeOpsDeps } from './volumeOpsService';

// Placeholders of the contract (issue 16): each is replaced by its implementation.
export async function exportVolume(_deps: VolumeOpsDeps, _opts: ExportVolumeOptions): Promise<JobSummary> {
  throw new AppError('INTERNAL', 'Export is not built yet.');
}

export async function inspectVolumeImage(_deps: VolumeOpsDeps, _image: string): Promise<VolumeImageInfo> {
  throw new AppError('INTERNAL', 'Image inspection is not built yet.');
}

export async function importVolume(_deps: VolumeOpsDeps, _opts: ImportVolumeOptions): Promise<JobSummary> {
  throw new AppError('INTERNAL', 'Import is not built yet.');
}
