import type { Handlers } from '../../../shared/contract';
import type { volumeMethods } from '../../../shared/contract/volumes';
import type { VolumeService } from './volumeService';

export function volumeHandlers(volumes: VolumeService): Pick<Handlers, keyof typeof volumeMethods> {
  return {
    listVolumes: () => volumes.list(),
    inspectVolume: (name) => volumes.inspect(name),
    getVolumeSizes: () => volumes.computeSizes(),
    createVolume: (name, labels) => volumes.create(name, labels),
    removeVolume: (name, opts) => volumes.remove(name, opts),
    volumeScs: (name, withHash) => volumes.scs(name, withHash),
    listCleanupCandidates: () => volumes.cleanupCandidates(),
    cleanupVolumes: (names) => volumes.cleanup(names),
    listVolumeFiles: (name, path) => volumes.files(name, path),
    copyFromVolume: (opts) => volumes.copyOut(opts),
    copyIntoVolume: (opts) => volumes.copyIn(opts),
  };
}
