// Integration points the jobs feature (backup/restore) offers to the rest of the UI.
// The volumes feature renders VolumeJobActions, VolumeJobBadge and VolumeDropTarget in its rows and
// details panel; the App shell renders JobsPage in the "Jobs" tab and wraps the window in GlobalArchiveDrop.
import { useEffect, type ReactNode } from 'react';
import type { VolumeSummary } from '../../../../shared/contract';
import { JOB_ACTIVE } from '../../../../shared/jobKinds';
import { ArchiveListing } from './ArchiveListing';
import { BackupDialog } from './BackupDialog';
import { GlobalArchiveDrop as DropZone } from './drop';
import { JobProgressView } from './JobProgressView';
import { runningJobFor, startJobsSync, useJobs } from './jobsStore';
import { RestoreDialog } from './RestoreDialog';
import './jobs.css';

export { claimDrop, readDroppedFile, VolumeDropTarget } from './drop';
export { JobsPage } from './JobsPage';

/**
 * Backup / restore buttons for one volume: the details panel's, or (compact) a row's inline actions,
 * which name the volume for screen readers and are in the Tab order only as `tabIndex` says.
 */
export function VolumeJobActions(props: { volume: Pick<VolumeSummary, 'name'>; compact?: boolean; tabIndex?: number }): ReactNode {
  const name = props.volume.name;
  const running = useJobs((s) => runningJobFor(s.jobs, name));
  const cls = props.compact ? 'btn btn-sm' : 'btn';
  const label = (verb: string) => (props.compact ? { 'aria-label': `${verb} ${name}` } : {});
  return (
    <>
      <button
        className={cls}
        tabIndex={props.tabIndex}
        {...label('Back up')}
        onClick={() => useJobs.getState().openBackup(name)}
        disabled={running !== null}
        title={running ? 'A job is running on this volume' : undefined}
      >
        {props.compact ? 'Back up' : 'Back up…'}
      </button>
      <button
        className={cls}
        tabIndex={props.tabIndex}
        {...label('Restore into')}
        onClick={() => useJobs.getState().openRestore({ source: null, sourceName: null, volume: name })}
        disabled={running !== null}
      >
        {props.compact ? 'Restore' : 'Restore…'}
      </button>
      {running ? (
        <button className={cls} tabIndex={props.tabIndex} {...label('Show the progress of the job on')} onClick={() => useJobs.getState().view(running.id)}>
          {props.compact ? 'Progress' : 'Show progress'}
        </button>
      ) : null}
    </>
  );
}

/** Opens the restore flow with a backup the catalogue lists, into `volume` (the user can still choose a new volume). */
export function openRestoreOf(archivePath: string, fileName: string, volume: string | null): void {
  useJobs.getState().openRestore({ source: { archivePath }, sourceName: fileName, volume });
}

/** Status of a running job on this volume, shown in its row. */
export function VolumeJobBadge(props: { volumeName: string }): ReactNode {
  const running = useJobs((s) => runningJobFor(s.jobs, props.volumeName));
  if (!running) return null;
  const pct = running.progress.percent;
  return (
    <span className="badge badge-accent jobs-badge" title={`${JOB_ACTIVE[running.kind]}: ${running.progress.phase}`}>
      <span className="spinner jobs-badge-spinner" aria-hidden="true" />
      {JOB_ACTIVE[running.kind]}
      {pct !== null ? ` ${Math.floor(pct)}%` : '…'}
    </span>
  );
}

/** The jobs feature's dialogs, wherever the user is. */
function JobsDialogs() {
  const backupFor = useJobs((s) => s.backupFor);
  const restore = useJobs((s) => s.restore);
  const viewing = useJobs((s) => s.viewing);
  const listing = useJobs((s) => s.listing);
  return (
    <>
      {backupFor ? <BackupDialog key={backupFor} volume={backupFor} /> : null}
      {restore ? (
        <RestoreDialog
          key={restore.source ? ('uploadId' in restore.source ? restore.source.uploadId : restore.source.archivePath) : 'choose'}
          request={restore}
        />
      ) : null}
      {viewing && !listing ? <JobProgressView id={viewing} /> : null}
      {listing ? <ArchiveListing file={listing} /> : null}
    </>
  );
}

/**
 * Wraps the whole window: an archive dropped on empty space restores into a new volume. Also hosts the
 * jobs dialogs and keeps the jobs in sync with main (events, and a re-read after a reconnect).
 */
export function GlobalArchiveDrop(props: { children?: ReactNode }): ReactNode {
  useEffect(() => {
    startJobsSync();
  }, []);
  return (
    <DropZone>
      {props.children}
      <JobsDialogs />
    </DropZone>
  );
}

/** Shows a job's progress view (a job another feature started, e.g. a restore of chosen files). */
export function viewJob(id: string): void {
  useJobs.getState().view(id);
}
