import type { Core } from '../createCore';
import { systemClock, type SchedulerEvent } from './plansService';

/** One line of the scheduler's log: `ailab plans run` prints these, the browser-mode server logs them. */
export function describeSchedulerEvent(e: SchedulerEvent): string {
  const t = new Date(e.at).toISOString().replace(/\.\d+Z$/, 'Z');
  switch (e.event) {
    case 'started':
      return `${t} scheduler started: ${e.plans} plan${e.plans === 1 ? '' : 's'} (lock ${e.lockFile})`;
    case 'problem':
      return `${t} warning: ${e.message}`;
    case 'run-started':
      return `${t} ${e.volume}: backing up to ${e.file}`;
    case 'run-finished':
      return `${t} ${e.volume}: ${e.run.status}: ${e.run.message}`;
    case 'clock-moved-back':
      return `${t} ${e.volume}: its last run is recorded at ${new Date(e.recordedAt).toISOString()}, after now: the clock moved back; it runs at its next time`;
    case 'lock-lost':
      return `${t} another scheduler took ${e.lockFile}; this one stops`;
    case 'idle':
      return `${t} next run ${e.nextRunAt === null ? 'when a plan is added' : new Date(e.nextRunAt).toISOString().replace(/\.\d+Z$/, 'Z')}`;
  }
}

/** What a long-running process knows of its background scheduler. */
export interface BackgroundPlans {
  /** Null while this process runs the plans (or tries to); else why another process runs them. */
  elsewhere(): string | null;
  /** Resolves when the scheduler has stopped for good (shutdown), its lock released. */
  readonly stopped: Promise<void>;
}

/** How soon a process that found the scheduler lock held tries again (the holder may have stopped). */
export const TAKE_OVER_RETRY_MS = 5 * 60_000;

/**
 * The scheduler inside a long-running process (the browser-mode server, the desktop app): runs plans
 * until the process shuts down. When another process holds the data folder's scheduler lock (a CLI
 * `plans run`, another server) this one says so once, leaves the plans to it and tries again every few
 * minutes, taking over when that one has stopped. Shutdown cancels a running plan's backup (the job
 * removes what it wrote; the run is recorded as skipped) and waits for the loop to release its lock.
 */
export function runPlansInBackground(
  core: Core,
  log: (line: string) => void,
  opts: { retryMs?: number; /** elsewhere() changed (the app's tray tooltip follows it). */ onChange?: () => void } = {},
): BackgroundPlans {
  const stop = new AbortController();
  let current: string | null = null;
  const setElsewhere = (next: string | null) => {
    if (next === current) return;
    current = next;
    opts.onChange?.();
  };
  const loop = async () => {
    while (!stop.signal.aborted) {
      try {
        await core.plans.run({
          signal: stop.signal,
          emit: (e) => {
            if (e.event === 'started') setElsewhere(null);
            if (e.event !== 'idle') log(describeSchedulerEvent(e));
          },
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (message !== current) log(`Backup plans do not run in this process: ${message}`);
        setElsewhere(message);
      }
      if (stop.signal.aborted) return;
      await systemClock.sleep(opts.retryMs ?? TAKE_OVER_RETRY_MS, stop.signal);
    }
  };
  const stopped = loop();
  core.onShutdown(async () => {
    stop.abort();
    await stopped;
  });
  return { elsewhere: () => current, stopped };
}
