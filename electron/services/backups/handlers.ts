import { AppError } from '../../../shared/contract/errors';
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
    // WIP-ISSUE-15: replaced by the backup browser's service calls before landing.
    listArchiveFolder: () => Promise.reject(new AppError('INTERNAL', 'Not built yet.')),
    searchArchive: () => Promise.reject(new AppError('INTERNAL', 'Not built yet.')),
    diffBackup: () => Promise.reject(new AppError('INTERNAL', 'Not built yet.')),
  };
}
