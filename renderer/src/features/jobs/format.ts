import type { JobPhase, JobSummary } from '../../../../shared/contract/jobs';

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString();
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

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
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function jobTitle(j: Pick<JobSummary, 'kind' | 'volume'>): string {
  return j.kind === 'backup' ? `Backup of ${j.volume}` : `Restore into ${j.volume}`;
}

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
