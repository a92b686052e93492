// Integration points the jobs feature (backup/restore) offers to the rest of the UI.
// The volumes feature renders these in its rows and details panel.
import type { ReactNode } from 'react';
import type { VolumeSummary } from '../../../../shared/contract';

/** Backup / restore buttons for one volume (details panel and row actions). */
export function VolumeJobActions(_props: { volume: VolumeSummary }): ReactNode {
  return null;
}

/** Status of a running job on this volume, shown in its row. */
export function VolumeJobBadge(_props: { volumeName: string }): ReactNode {
  return null;
}

/** Wraps a volume row so that an archive dropped on it restores into that volume. */
export function VolumeDropTarget(props: { volumeName: string; children: ReactNode }): ReactNode {
  return props.children;
}

/** The Jobs page: running and past jobs. */
export function JobsPage(): ReactNode {
  return null;
}

/** Wraps the whole window: an archive dropped on empty space restores into a new volume. */
export function GlobalArchiveDrop(props: { children: ReactNode }): ReactNode {
  return props.children;
}
