import type { Core } from '../createCore';
import type { SchedulerEvent } from './plansService';

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

/**
 * The scheduler inside a long-running process (the browser-mode server): runs plans until the process
 * shuts down. When another process holds the data folder's scheduler lock (a CLI `plans run`, another
 * server) this one says so and leaves the plans to it. Shutdown does not wait for a running backup:
 * the job manager cancels it cleanly, and a lock left behind by an ended process frees itself.
 */
export function runPlansInBackground(core: Core, log: (line: string) => void): void {
  const stop = new AbortController();
  core.onShutdown(() => stop.abort());
  core.plans
    .run({
      signal: stop.signal,
      emit: (e) => {
        if (e.event !== 'idle') log(describeSchedulerEvent(e));
      },
    })
    .catch((err: unknown) => log(`Backup plans do not run in this process: ${err instanceof Error ? err.message : String(err)}`));
}
