import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupsService } from '../../electron/services/backups/backupsService';
import { PlansService, type PlanJobs } from '../../electron/services/plans/plansService';
import { noBackupDirSettings, planTestDirs, testClock, writeFakeBackup } from './plans-fakes';
import type { EventName, PayloadOf } from '../../shared/contract';
import type { JobSummary } from '../../shared/contract/jobs';
import type { Plan } from '../../shared/contract/plans';
import { keep, planFor } from '../support/plans';

/** "Back up now" (PlansService.runNow) and the events the pages and the tray learn plan changes from: a fake job, a fake clock. */

const dirs = planTestDirs('run-now');

const settings = noBackupDirSettings;
const clock = testClock();

/** A backup job that succeeds (a file and the sidecar the real one writes) or fails as `outcome` says, and finishes when `release` is called. */
function gatedJobs(outcome: () => 'succeeded' | 'failed'): PlanJobs & { release(): void; started: number } {
  let open: () => void = () => undefined;
  let gate = Promise.resolve();
  const results = new Map<string, JobSummary>();
  const jobs = {
    started: 0,
    release: () => open(),
    async startBackup(o: { volume: string; dir?: string; fileName?: string }, createdAt: Date) {
      jobs.started += 1;
      gate = new Promise<void>((r) => (open = r));
      const file = path.join(o.dir as string, o.fileName as string);
      const ok = outcome() === 'succeeded';
      if (ok) {
        await writeFakeBackup(file, o.volume, createdAt, 100);
      }
      const id = `job-${jobs.started}`;
      results.set(id, {
        id,
        status: ok ? 'succeeded' : 'failed',
        result: ok ? { kind: 'backup', file } : null,
        error: ok ? null : { code: 'DOCKER_UNREACHABLE', message: 'Docker is not running.' },
      } as unknown as JobSummary);
      return { id } as JobSummary;
    },
    async wait(id: string) {
      await gate;
      return results.get(id) as JobSummary;
    },
  };
  return jobs;
}

type Emitted = { [E in EventName]: { name: E; payload: PayloadOf<E> } }[EventName];

function setup(jobs: PlanJobs) {
  const emitted: Emitted[] = [];
  const plans = new PlansService({
    dataDir: dirs.home,
    backups: new BackupsService({ settings, retention: { utc: true } }),
    jobs,
    clock,
    freeBytes: async () => null,
    events: { emit: (name, payload) => emitted.push({ name, payload } as Emitted) },
  });
  return { plans, emitted };
}

const plan = (over: Partial<Plan> = {}): Plan =>
  planFor('notebooks', dirs.dest, { schedule: { every: 'day', at: '02:00' }, retention: keep({ keepDaily: 7 }), ...over });

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('PlansService.runNow', () => {
  it('runs the plan at once, returns the run and the plans after it, and says running while it runs', async () => {
    const jobs = gatedJobs(() => 'succeeded');
    const { plans, emitted } = setup(jobs);
    await plans.set(plan());
    const pending = plans.runNow('notebooks');
    await settle();
    expect((await plans.list()).plans[0]).toMatchObject({ running: true });
    // A second "Back up now" (or the tray's) while the first runs: refused, not queued.
    await expect(plans.runNow('notebooks')).rejects.toMatchObject({ code: 'JOB_CONFLICT', message: 'The plan of notebooks is running now.' });
    jobs.release();
    const outcome = await pending;
    expect(outcome.run).toMatchObject({ status: 'succeeded', file: path.join(dirs.dest, 'notebooks-20261205-020000.tgz') });
    expect(outcome.plans.plans[0]).toMatchObject({ running: false, health: { state: 'ok' }, lastSuccessAt: clock.t });
    expect(jobs.started).toBe(1);
    await settle();
    const changed = emitted.filter((e) => e.name === 'plansChanged').map((e) => (e.name === 'plansChanged' ? e.payload.plans.map((p) => p.running) : []));
    // After setPlan, when the run started, and when it ended.
    expect(changed).toEqual([[false], [true], [false]]);
    expect(emitted.filter((e) => e.name === 'planRunFinished').map((e) => e.payload)).toEqual([{ volume: 'notebooks', run: outcome.run, firstFailure: false }]);
  });

  it('refuses a volume without a plan', async () => {
    const { plans } = setup(gatedJobs(() => 'succeeded'));
    await expect(plans.runNow('nothing')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: 'nothing has no plan.' });
  });

  it('marks only the first failure of a streak as firstFailure, so a retry does not notify again', async () => {
    let next: 'succeeded' | 'failed' = 'failed';
    const jobs = gatedJobs(() => next);
    const { plans, emitted } = setup(jobs);
    const heard: Array<[string, boolean]> = [];
    plans.onRun((e) => e.event === 'run-finished' && heard.push([e.run.status, e.firstFailure]));
    await plans.set(plan());
    const runs: Array<'succeeded' | 'failed'> = ['failed', 'failed', 'succeeded', 'failed'];
    for (const outcome of runs) {
      next = outcome;
      clock.t += 30 * 60_000;
      const p = plans.runNow('notebooks');
      await settle();
      jobs.release();
      await p;
    }
    const finished = emitted.flatMap((e) => (e.name === 'planRunFinished' ? [[e.payload.run.status, e.payload.firstFailure]] : []));
    expect(finished).toEqual([
      ['failed', true],
      ['failed', false],
      ['succeeded', false],
      ['failed', true],
    ]);
    // The same flag on the scheduler's own event: the desktop app's tray notifies on it.
    expect(heard).toEqual(finished);
  });

  it('the scheduler leaves a plan alone while "Back up now" runs it', async () => {
    const jobs = gatedJobs(() => 'succeeded');
    const { plans } = setup(jobs);
    await plans.set(plan());
    const pending = plans.runNow('notebooks');
    await settle();
    await plans.tick();
    expect(jobs.started).toBe(1);
    jobs.release();
    await pending;
  });
});
