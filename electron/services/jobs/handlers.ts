import type { Handlers } from '../../../shared/contract';
import type { jobMethods } from '../../../shared/contract/jobs';
import type { CoreServices } from '../core/context';
import { JobManager } from './jobManager';
import { JobService } from './jobService';

const services = new WeakMap<CoreServices, JobService>();

/** One job service per core (the jobs of this process), shut down with it: running jobs are cancelled cleanly. */
export function jobServiceFor(core: CoreServices): JobService {
  let service = services.get(core);
  if (!service) {
    const manager = new JobManager(core);
    service = new JobService(manager);
    services.set(core, service);
    core.onShutdown(() => manager.dispose());
    void manager.init();
  }
  return service;
}

export function jobHandlers(core: CoreServices): Pick<Handlers, keyof typeof jobMethods> {
  const jobs = jobServiceFor(core);
  const m = jobs.manager;
  return {
    listJobs: async () => m.list(),
    getJob: (id) => m.get(id),
    cancelJob: async (id) => m.cancel(id),
    getJobHistory: () => m.history.list(),
    clearJobHistory: async () => {
      await m.history.clear();
      return [];
    },
    prepareBackup: (volume) => jobs.prepareBackup(volume),
    startBackup: (opts) => jobs.startBackup(opts),
    planRestore: (args) => jobs.planRestore(args),
    startRestore: (opts) => jobs.startRestore(opts),
    listArchiveEntries: (file, offset, limit) => jobs.listArchiveEntries(file, offset, limit),
    showInFolder: (file) => jobs.showInFolder(file),
    chooseBackupFolder: (defaultPath) => jobs.chooseBackupFolder(defaultPath),
    chooseArchiveFile: () => jobs.chooseArchiveFile(),
    listSafetyBackups: () => jobs.listSafetyBackups(),
    deleteSafetyBackup: (file) => jobs.deleteSafetyBackup(file),
    pullHelperImage: (image) => jobs.pullHelperImage(image),
  };
}
