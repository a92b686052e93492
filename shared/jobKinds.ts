import type { JobKind, JobResult } from './contract/jobs';
import type { VolumeOpResult } from './contract/volumeOps';

/**
 * The words for each kind of job, one place for main (log, notifications, conflicts) and the renderer
 * (titles, badges), so a new kind (issue 16's volume operations) is named the same everywhere.
 */

/** "A <noun> of nc-data is already running". */
export const JOB_NOUN: Record<JobKind, string> = {
  backup: 'backup',
  restore: 'restore',
  clone: 'clone',
  rename: 'rename',
  empty: 'emptying',
  export: 'export',
  import: 'import',
  transfer: 'transfer',
};

/** The badge while it runs: "Backing up". */
export const JOB_ACTIVE: Record<JobKind, string> = {
  backup: 'Backing up',
  restore: 'Restoring',
  clone: 'Cloning',
  rename: 'Renaming',
  empty: 'Emptying',
  export: 'Exporting',
  import: 'Importing',
  transfer: 'Transferring',
};

/** What the job's entries counter means: "Files packed by the backup". */
export const JOB_FILES_VERB: Record<JobKind, string> = {
  backup: 'packed',
  restore: 'unpacked',
  clone: 'copied',
  rename: 'copied',
  empty: 'removed',
  export: 'packed',
  import: 'unpacked',
  transfer: 'sent',
};

export interface JobNaming {
  kind: JobKind;
  volume: string;
  target?: string | null;
}

/** One line for a job: "Backup of nc-data", "Clone of nc-data to nc-copy", "Transfer of nc-data to server:nc-data". */
export function jobTitle(j: JobNaming): string {
  const t = j.target ?? '?';
  switch (j.kind) {
    case 'backup':
      return `Backup of ${j.volume}`;
    case 'restore':
      return `Restore into ${j.volume}`;
    case 'clone':
      return `Clone of ${j.volume} to ${t}`;
    case 'rename':
      return `Rename of ${j.volume} to ${t}`;
    case 'empty':
      return `Emptying ${j.volume}`;
    case 'export':
      return `Export of ${j.volume} to image ${t}`;
    case 'import':
      return `Import of image ${t} into ${j.volume}`;
    case 'transfer':
      return `Transfer of ${j.volume} to ${t}`;
  }
}

/** Entries and content bytes a finished job handled, for the history and the final progress. */
export function resultCounts(r: JobResult): { entries: number; totalBytes: number } {
  if (r.kind === 'empty') return { entries: r.removedEntries, totalBytes: 0 };
  return { entries: r.entries, totalBytes: r.totalBytes };
}

/** What a finished volume operation did, in lines a person reads (CLI output, the progress view's result). */
export function volumeOpLines(
  r: VolumeOpResult,
  fmt: { bytes: (n: number) => string; duration: (ms: number) => string; count: (n: number) => string },
): string[] {
  const size = (entries: number, bytes: number) => `${fmt.count(entries)} entries, ${fmt.bytes(bytes)}`;
  switch (r.kind) {
    case 'clone':
      return [
        `Cloned ${r.source} to ${r.target}${r.verified ? ', verified entry by entry' : ''}.`,
        `${size(r.entries, r.totalBytes)}, ${fmt.duration(r.durationMs)}`,
      ];
    case 'rename':
      return [
        `Renamed ${r.from} to ${r.to} (copied, verified, then the old volume removed).`,
        `${size(r.entries, r.totalBytes)}, ${fmt.duration(r.durationMs)}`,
      ];
    case 'empty':
      return [
        `Emptied ${r.volume}: ${fmt.count(r.removedEntries)} entries removed, ${fmt.duration(r.durationMs)}.`,
        r.safetyBackup ? `The previous contents are kept in ${r.safetyBackup}` : 'No safety backup was taken.',
      ];
    case 'export':
      return [
        `Exported ${r.volume} to the image ${r.image}${r.pushed ? ' and pushed it' : ''}.`,
        `${size(r.entries, r.totalBytes)}; image ${fmt.bytes(r.imageBytes)}, ${fmt.duration(r.durationMs)}`,
      ];
    case 'import':
      return [
        `Imported the image ${r.image} into ${r.volume}${r.createdVolume ? ' (new volume)' : ` (${r.mode})`}.`,
        `${size(r.entries, r.totalBytes)}, ${fmt.duration(r.durationMs)}`,
        ...(r.safetyBackup ? [`The previous contents are kept in ${r.safetyBackup}`] : []),
      ];
    case 'transfer':
      return [
        `Transferred ${r.volume} to ${r.as} on ${r.toContext} (${r.toEngine})${r.verified ? ', verified on arrival' : ''}.`,
        `${size(r.entries, r.totalBytes)}, ${fmt.bytes(r.streamBytes)} sent, ${fmt.duration(r.durationMs)}`,
        ...(r.helperImageCopied ? [`The target engine had no ${r.helperImageCopied}; it was copied there from this engine.`] : []),
        ...(r.safetyBackup ? [`The target's previous contents are kept in ${r.safetyBackup}`] : []),
      ];
  }
}
