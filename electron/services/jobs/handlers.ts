import type { Handlers } from '../../../shared/contract';
import type { jobMethods } from '../../../shared/contract/jobs';
import type { JobService } from './jobService';

export function jobHandlers(jobs: JobService): Pick<Handlers, keyof typeof jobMethods> {
  return {
    listJobs: async () => jobs.list(),
    getJob: (id) => jobs.get(id),
    cancelJob: async (id) => jobs.cancel(id),
    getJobHistory: () => jobs.history(),
    clearJobHistory: () => jobs.clearHistory(),
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
