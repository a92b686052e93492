import type { SchedulerEvent } from './plansService';

/**
 * When a failed plan run deserves a desktop notification: once per failure episode, not on every
 * retry (a failing plan is tried again every 30 minutes). A plan's episode starts with its first
 * failure and ends with a success; within it, a failure with the same reason stays quiet, and a new
 * reason (the disk filled up after Docker came back) is told once too. A skipped run (a manual job in
 * the way, the app quitting) is no failure. Pure, so it is tested without Electron.
 */
export interface FailureNotice {
  volume: string;
  title: string;
  body: string;
}

/** Numbers (sizes, times, pids, file names' stamps) change from retry to retry; the reason does not. */
function reasonKey(message: string): string {
  return message.replace(/\d+([.,]\d+)?/g, '#');
}

export class FailureNotices {
  /** Per volume, the reasons already told in its current failure episode. */
  private readonly told = new Map<string, Set<string>>();

  /** The notice to show for this event, or null. */
  observe(e: SchedulerEvent): FailureNotice | null {
    if (e.event !== 'run-finished') return null;
    const { volume, run } = e;
    if (run.status === 'succeeded') {
      this.told.delete(volume);
      return null;
    }
    if (run.status !== 'failed') return null;
    const key = reasonKey(run.message);
    const told = this.told.get(volume) ?? new Set<string>();
    if (told.has(key)) return null;
    told.add(key);
    this.told.set(volume, told);
    return { volume, title: `Backup plan of ${volume} failed`, body: run.message };
  }

  /** Forgets a volume (its plan was removed). */
  forget(volume: string): void {
    this.told.delete(volume);
  }
}
