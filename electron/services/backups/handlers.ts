import type { Handlers } from '../../../shared/contract';
import type { backupMethods } from '../../../shared/contract/backups';
import type { BackupsService } from './backupsService';

export function backupHandlers(backups: BackupsService): Pick<Handlers, keyof typeof backupMethods> {
  return {
    listBackups: (opts) => backups.list(opts),
    verifyBackup: (file) => backups.verify(file),
    pruneBackups: (opts) => backups.prune(opts),
    deleteBackup: (file) => backups.deleteBackup(file),
    showBackupInFolder: (file) => backups.showInFolder(file),
    listArchiveFolder: (opts) => backups.listArchiveFolder(opts),
    searchArchive: (opts) => backups.searchArchive(opts),
    diffBackup: (opts) => backups.diff(opts),
  };
}
