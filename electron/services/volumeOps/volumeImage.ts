import type { VolumeImageInfo } from '../../../shared/contract/volumeOps';
import { inspectVolumeImageOn } from './exportLabel';
import type { VolumeOpsDeps } from './volumeOpsService';

/** Export to an image and import from one (issue 16): exportImage.ts, importImage.ts, exportLabel.ts, registryPush.ts. */
export { exportVolume } from './exportImage';
export { importVolume } from './importImage';

export function inspectVolumeImage(deps: VolumeOpsDeps, image: string): Promise<VolumeImageInfo> {
  return inspectVolumeImageOn(deps.jobs.manager.docker(), image);
}
