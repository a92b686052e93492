import { AppError } from '../../../shared/contract/errors';
import type { JobSummary } from '../../../shared/contract/jobs';
import type { TransferVolumeOptions } from '../../../shared/contract/volumeOps';
import type { VolumeOpsDeps } from './volumeOpsService';

// Placeholder of the contract (issue 16): replaced by its implementation.
export async function transferVolume(_deps: VolumeOpsDeps, _opts: TransferVolumeOptions): Promise<JobSummary> {
  throw new AppError('INTERNAL', 'Transfer is not built yet.');
}
