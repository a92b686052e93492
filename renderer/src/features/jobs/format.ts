import type { JobKind, JobPhase, JobSummary } from '../../../../shared/contract/jobs';
import { JOB_FILES_VERB, jobTitle } from '../../../../shared/jobKinds';

// The numbers are formatted as in the CLI (shared/format.ts).
export { archiveParts, formatBytes, formatCount, formatDuration, plural } from '../../../../shared/format';

export const PHASE_LABEL: Record<JobPhase, string> = {
  starting: 'Starting',
  'checking-archive': 'Checking the archive',
  'stopping-containers': 'Stopping containers',
  measuring: 'Measuring the volume',
  'safety-backup': 'Safety backup of the current contents',
  'clearing-volume': 'Emptying the volume',
  packing: 'Packing',
  unpacking: 'Unpacking',
  verifying: 'Verifying the archive',
  counting: 'Counting the restored entries',
  'rolling-back': 'Putting the previous contents back',
  'restarting-containers': 'Starting containers again',
  copying: 'Copying',
  'sending-helper': 'Sending the helper image to the other engine',
  pushing: 'Pushing the image',
  'removing-old': 'Removing the old volume',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** What the file counter counts in this phase: a replace packs a safety backup before it unpacks. */
export function filesVerb(phase: JobPhase, kind: JobKind): string {
  switch (phase) {
    case 'safety-backup':
      return 'backed up';
    case 'packing':
      return 'packed';
    case 'unpacking':
      return 'unpacked';
    case 'rolling-back':
      return 'put back';
    default:
      return JOB_FILES_VERB[kind];
  }
}

export { jobTitle };

export function statusBadge(status: JobSummary['status']): { cls: string; label: string } {
  switch (status) {
    case 'running':
      return { cls: 'badge-accent', label: 'running' };
    case 'succeeded':
      return { cls: 'badge-ok', label: 'done' };
    case 'cancelled':
      return { cls: 'badge-warning', label: 'cancelled' };
    default:
      return { cls: 'badge-danger', label: 'failed' };
  }
}

/** `<volume>-<YYYYMMDD-HHMMSS>.tgz`, the default the main process also uses. */
export function isArchiveName(name: string): boolean {
  return /\.(tgz|tar\.gz|tar)$/i.test(name);
}
