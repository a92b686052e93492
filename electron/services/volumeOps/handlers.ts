import type { Handlers } from '../../../shared/contract';
import type { volumeOpMethods } from '../../../shared/contract/volumeOps';
import type { VolumeOpsService } from './volumeOpsService';

export function volumeOpHandlers(ops: VolumeOpsService): Pick<Handlers, keyof typeof volumeOpMethods> {
  return {
    cloneVolume: (opts) => ops.clone(opts),
    renameVolume: (opts) => ops.rename(opts),
    emptyVolume: (opts) => ops.empty(opts),
    exportVolume: (opts) => ops.exportToImage(opts),
    inspectVolumeImage: (image) => ops.inspectImage(image),
    listVolumeImages: () => ops.listImages(),
    importVolume: (opts) => ops.importFromImage(opts),
    transferVolume: (opts) => ops.transfer(opts),
  };
}
