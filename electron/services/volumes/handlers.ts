import type { Handlers } from '../../../shared/contract';
import type { volumeMethods } from '../../../shared/contract/volumes';
import type { CoreServices } from '../core/context';
import { VolumeService } from './volumeService';
import { VolumeChangeWatcher } from './volumeWatcher';

const services = new WeakMap<CoreServices, VolumeService>();

/** The one VolumeService of a core (its size cache and event subscriptions exist once per process). */
export function volumeService(core: CoreServices): VolumeService {
  const existing = services.get(core);
  if (existing) return existing;
  const service = new VolumeService({ docker: core.docker, bus: core.bus, helperImage: () => core.settings.get().helperImage });
  // Volume changes reach the renderer through the Engine's event stream, not polling.
  const watcher = new VolumeChangeWatcher({
    isOwnHelper: (id) => service.helperIds.has(id),
    onSizesInvalid: () => service.sizes.invalidate(),
    emit: (reason) => core.bus.emit('volumesChanged', { reason }),
  });
  const offEvents = core.docker.onEngineEvent((e) => watcher.handleEngineEvent(e));
  // The connection reports "connected" again after Docker comes back; the list may be all new by then.
  const offStatus = core.docker.onStatus((s) => {
    if (s.state === 'connected') watcher.handleConnected();
  });
  core.onShutdown(() => {
    offEvents();
    offStatus();
    watcher.dispose();
    service.dispose();
  });
  services.set(core, service);
  return service;
}

export function volumeHandlers(core: CoreServices): Pick<Handlers, keyof typeof volumeMethods> {
  const svc = volumeService(core);
  return {
    listVolumes: () => svc.list(),
    inspectVolume: (name) => svc.inspect(name),
    getVolumeSizes: () => svc.computeSizes(),
    createVolume: (name, labels) => svc.create(name, labels),
    removeVolume: (name, opts) => svc.remove(name, opts),
    listCleanupCandidates: () => svc.cleanupCandidates(),
    cleanupVolumes: (names) => svc.cleanup(names),
    listVolumeFiles: (name, path) => svc.files(name, path),
  };
}
