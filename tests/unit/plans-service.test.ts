import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BackupsService } from '../../electron/services/backups/backupsService';
import { PlansService, type PlanJobs, type SchedulerEvent } from '../../electron/services/plans/plansService';
import { noBackupDirSettings, planTestDirs, testClock, writeFakeBackup } from './plans-fakes';
import { AppError } from '../../shared/contract/errors';
import type { JobSummary, StartBackupOptions } from '../../shared/contract/jobs';
import type { Plan } from '../../shared/contract/plans';
import { planFor } from '../support/plans';

/** PlansService.runPlan and tick with a fake backup job (a file and its sidecar) and a fake clock. */

const dirs = planTestDirs('plans-svc');

const settings = noBackupDirSettings;
const clock = testClock();

type Outcome = 'succeeded' | 'failed' | 'conflict';

/** A backup job that writes `bytes` bytes and the sidecar the real one writes, or fails as told. */
function fakeJobs(outcome: () => Outcome, bytes = 100): PlanJobs & { started: StartBackupOptions[] } {
  const started: StartBackupOptions[] = [];
  const results = new Map<string, JobSummary>();
  return {
    started,
    async startBackup(o, createdAt) {
      const what = outcome();
      if (what === 'conflict')
        throw new AppError('JOB_CONFLICT', `A backup of ${o.volume} is already running (started 02:00:00); only one job per volume runs at a time.`);
      started.push(o);
      const id = `job-${started.length}`;
      const file = path.join(o.dir as string, o.fileName as string);
      if (what === 'succeeded') {
        await writeFakeBackup(file, o.volume, createdAt, bytes);
      }
      const summary = {
        id,
        status: what === 'succeeded' ? 'succeeded' : 'failed',
        volume: o.volume,
        file,
        result:
          what === 'succeeded'
            ? {
                kind: 'backup',
                file,
                manifestFile: `${file}.json`,
                entries: 1,
                totalBytes: bytes,
                compressedBytes: bytes,
                sha256: 'a'.repeat(64),
                durationMs: 1,
              }
            : null,
        error: what === 'succeeded' ? null : { code: 'DOCKER_UNREACHABLE', message: 'Docker is not running.' },
      } as unknown as JobSummary;
      results.set(id, summary);
      return summary;
    },
    async wait(id) {
      return results.get(id) as JobSummary;
    },
  };
}

function service(jobs: PlanJobs, freeBytes: (dir: string) => Promise<number | null> = async () => null): PlansService {
  return new PlansService({ dataDir: dirs.home, backups: new BackupsService({ settings, retention: { utc: true } }), jobs, clock, freeBytes });
}

const plan = (over: Partial<Plan> = {}): Plan => planFor('notebooks', dirs.dest, { schedule: { every: 'hours', hours: 1 }, ...over });

const tgzs = () =>
  fs
    .readdirSync(dirs.dest)
    .filter((n) => n.endsWith('.tgz'))
    .sort();

describe('PlansService.runPlan', () => {
  it('names the backup by the run time, records it, and applies retention after it', async () => {
    const jobs = fakeJobs(() => 'succeeded');
    const plans = service(jobs);
    for (const hour of ['02', '03', '04']) {
      clock.t = Date.parse(`2026-12-05T${hour}:00:00Z`);
      const run = await plans.runPlan(plan());
      expect(run).toMatchObject({ status: 'succeeded', file: path.join(dirs.dest, `notebooks-20261205-${hour}0000.tgz`) });
    }
    expect(tgzs()).toEqual(['notebooks-20261205-030000.tgz', 'notebooks-20261205-040000.tgz']);
    expect(jobs.started[0]).toMatchObject({ volume: 'notebooks', dir: dirs.dest, stopContainers: false, overwrite: false });
    const list = await plans.list();
    expect(list.plans).toEqual([]); // runPlan runs a plan it is given; the file holds none
    expect(JSON.parse(fs.readFileSync(path.join(dirs.home, 'plan-runs.json'), 'utf8')).runs.notebooks.last).toMatchObject({
      status: 'succeeded',
      deleted: [path.join(dirs.dest, 'notebooks-20261205-020000.tgz')],
      message: `Backed up to ${path.join(dirs.dest, 'notebooks-20261205-040000.tgz')}; retention deleted 1.`,
    });
  });

  it('a failed backup deletes nothing, though the rules would', async () => {
    let next: Outcome = 'succeeded';
    const plans = service(fakeJobs(() => next));
    for (const hour of ['02', '03']) {
      clock.t = Date.parse(`2026-12-05T${hour}:00:00Z`);
      await plans.runPlan(plan());
    }
    next = 'failed';
    const run = await plans.runPlan(plan({ retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } }));
    expect(run).toMatchObject({ status: 'failed', message: 'Docker is not running. Nothing was deleted.', deleted: [] });
    expect(tgzs()).toHaveLength(2);
  });

  it('a manual job on the volume makes the run skipped, with the reason', async () => {
    const plans = service(fakeJobs(() => 'conflict'));
    const run = await plans.runPlan(plan());
    expect(run).toMatchObject({ status: 'skipped', file: null, deleted: [] });
    expect(run.message).toBe('Skipped: A backup of notebooks is already running (started 02:00:00); only one job per volume runs at a time.');
  });

  it('does not start a backup the disk cannot hold, says how much it needs, and deletes nothing to make room', async () => {
    let free = 1_000_000;
    const jobs = fakeJobs(() => 'succeeded', 5000);
    const plans = service(jobs, async () => free);
    clock.t = Date.parse('2026-12-05T02:00:00Z');
    await plans.runPlan(plan({ retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } }));
    free = 4000;
    clock.t = Date.parse('2026-12-05T03:00:00Z');
    const run = await plans.runPlan(plan({ retention: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 } }));
    expect(run.status).toBe('failed');
    expect(run.message).toMatch(
      /has 4\.0 kB free; the last backup of notebooks there took 5\.0 kB, so this one needs about that much\. Nothing was deleted to make room/,
    );
    expect(jobs.started).toHaveLength(1);
    expect(tgzs()).toEqual(['notebooks-20261205-020000.tgz']);
  });
});

describe('PlansService.runNow', () => {
  it("runs a volume's plan at once, due or not, and records it; a volume without a plan is FILE_NOT_FOUND", async () => {
    const plans = service(fakeJobs(() => 'succeeded'));
    clock.t = Date.parse('2026-12-05T02:00:00Z');
    await plans.set(plan({ schedule: { every: 'week', day: 0, at: '02:00' } }));
    const { run } = await plans.runNow('notebooks');
    expect(run).toMatchObject({ status: 'succeeded', file: path.join(dirs.dest, 'notebooks-20261205-020000.tgz') });
    expect((await plans.list()).plans[0]).toMatchObject({ last: { status: 'succeeded' }, due: false });
    await expect(plans.runNow('other')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: 'other has no plan.' });
  });
});

describe('PlansService: stopping mid-run, and run listeners', () => {
  it('a stop during a backup cancels the job and records the run as skipped; listeners hear every run', async () => {
    let cancelled: string | null = null;
    let end: (s: JobSummary) => void = () => undefined;
    const jobs: PlanJobs = {
      startBackup: async (o) => ({ id: 'job-1', volume: o.volume, status: 'running' }) as unknown as JobSummary,
      wait: () => new Promise<JobSummary>((r) => (end = r)),
      cancel: (id) => {
        cancelled = id;
        end({
          id,
          status: 'cancelled',
          result: null,
          error: { code: 'CANCELLED', message: 'The backup was cancelled. No file was written.' },
        } as unknown as JobSummary);
      },
    };
    const plans = service(jobs);
    const heard: string[] = [];
    const off = plans.onRun((e) => heard.push(e.event === 'run-finished' ? `${e.event} ${e.run.status}` : e.event));
    const stop = new AbortController();
    const running = plans.runPlan(plan(), undefined, stop.signal);
    await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    const run = await running;
    expect(cancelled).toBe('job-1');
    expect(run).toMatchObject({ status: 'skipped', jobId: 'job-1', file: null, deleted: [] });
    expect(run.message).toMatch(/^Skipped: the scheduler stopped/);
    expect(heard).toEqual(['run-started', 'run-finished skipped']);
    off();
    await plans.runPlan(plan(), undefined, AbortSignal.abort());
    expect(heard).toHaveLength(2);
  });
});

describe('PlansService.tick', () => {
  it('runs the due plans of the file, reports a broken one once, and says when the next is due', async () => {
    const plans = service(fakeJobs(() => 'succeeded'));
    await plans.set(plan());
    const doc = JSON.parse(fs.readFileSync(plans.store.file, 'utf8')) as { plans: unknown[] };
    doc.plans.push({ volume: 'broken', dir: 'relative/path' });
    fs.writeFileSync(plans.store.file, JSON.stringify(doc));
    clock.t = Date.parse('2026-12-05T02:00:00Z');
    const events: SchedulerEvent[] = [];
    expect(await plans.tick((e) => events.push(e))).toBe(Date.parse('2026-12-05T03:00:00Z'));
    expect(await plans.tick((e) => events.push(e))).toBe(Date.parse('2026-12-05T03:00:00Z'));
    expect(events.map((e) => e.event)).toEqual(['problem', 'run-started', 'run-finished']);
    expect(events[0]).toMatchObject({ message: expect.stringMatching(/^plans\.json: plan 2 \(broken\) is ignored: dir: a full path; schedule: /) });
  });
});

describe('a plan and its Docker engine (issue 16: several engines)', () => {
  const serverEngine = { context: 'server', url: 'ssh://me@server' };
  const localEngine = { context: null, url: 'unix:///var/run/docker.sock' };

  it('is saved with the engine in use, and a run on another engine backs up nothing and says why', async () => {
    const jobs = fakeJobs(() => 'succeeded');
    let now: { context: string | null; url: string } | null = serverEngine;
    const plans = new PlansService({
      dataDir: dirs.home,
      backups: new BackupsService({ settings, retention: { utc: true } }),
      jobs,
      clock,
      freeBytes: async () => null,
      engineNow: () => now,
    });
    const list = await plans.set(plan());
    const saved = list.plans.find((p) => p.plan.volume === 'notebooks')?.plan;
    expect(saved?.dockerEngine).toEqual(serverEngine);

    now = localEngine;
    clock.t = Date.parse('2026-12-06T02:00:00Z');
    const run = await plans.runPlan(saved as Plan);
    expect(run.status).toBe('failed');
    expect(run.message).toBe(
      'Not run: the plan backs up notebooks on the engine server (ssh://me@server), and the app is on unix:///var/run/docker.sock now. ' +
        "Switch the Engine back to run it, or save the plan again to back up this engine's notebooks instead.",
    );
    expect(jobs.started).toHaveLength(0);

    now = serverEngine;
    expect((await plans.runPlan(saved as Plan)).status).toBe('succeeded');
    expect(jobs.started).toHaveLength(1);
    await plans.remove('notebooks');
  });

  it('a plan saved before engines were recorded runs wherever the app is', async () => {
    const jobs = fakeJobs(() => 'succeeded');
    const plans = new PlansService({
      dataDir: dirs.home,
      backups: new BackupsService({ settings, retention: { utc: true } }),
      jobs,
      clock,
      engineNow: () => localEngine,
    });
    clock.t = Date.parse('2026-12-06T03:00:00Z');
    expect((await plans.runPlan(plan())).status).toBe('succeeded');
  });
});
