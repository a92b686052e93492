// What the backup-files feature (issue 15) offers the rest of the UI: a backup opened to browse it,
// compare it with the volume and restore chosen files, hosted once by BackupFilesHost.
import type { ReactNode } from 'react';
import { BackupBrowserDialog } from './BackupBrowserDialog';
import { RestoreChosenDialog } from './RestoreChosenDialog';
import { useBackupFiles, type BrowserTab, type OpenBackup } from './store';
import './backupFiles.css';

export function openBackupBrowser(backup: OpenBackup, tab: BrowserTab = 'files'): void {
  useBackupFiles.getState().openBrowser(backup, tab);
}

export function BackupFilesHost(): ReactNode {
  const browsing = useBackupFiles((s) => s.browsing);
  const restoring = useBackupFiles((s) => s.restoring);
  return (
    <>
      {browsing ? <BackupBrowserDialog key={browsing.file} backup={browsing} /> : null}
      {restoring ? <RestoreChosenDialog key={restoring.only.join('\n')} restore={restoring} /> : null}
    </>
  );
}
