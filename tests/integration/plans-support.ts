// What the plans integration tests share: a clock that only moves when the scheduler sleeps, and a
// PlansService on the test core's real jobs and catalogue.
import { PlansService, type Clock, type PlansServiceDeps, type SchedulerEvent } from '../../electron/services/plans/plansService';
import type { JobsHarness } from './jobs-support';

/** A clock that only moves when the scheduler sleeps (or the test sets it), and ends the loop at `end`. */
export class FakeClock implements Clock {
  end = Number.POSITIVE_INFINITY;
  readonly stop = new AbortController();
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.t += ms;
    if (this.t >= this.end) this.stop.abort();
  }
}

/** `2026-12-04T22:00:00` as UTC milliseconds. */
export const at = (iso: string): number => Date.parse(`${iso}Z`);

/** A PlansService on the harness's engine, catalogue and jobs (plan runs do not remember their folder). */
export function plansOn(h: JobsHarness, clock: Clock, more: Partial<PlansServiceDeps> = {}): PlansService {
  return new PlansService({
    dataDir: h.core.dataDir,
    backups: h.core.backups,
    jobs: { startBackup: (o, createdAt) => h.jobs.startBackup(o, { rememberFolder: false, createdAt }), wait: (id) => h.jobs.manager.wait(id) },
    clock,
    ...more,
  });
}

/** An emit function that keeps every scheduler event in `into`. */
export function collect(into: SchedulerEvent[]): (e: SchedulerEvent) => void {
  return (e) => void into.push(e);
}
