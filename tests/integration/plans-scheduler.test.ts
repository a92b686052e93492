import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import { listBackupsIn } from '../../electron/services/backups/catalogue';
import { PlansService, type Clock, type SchedulerEvent } from '../../electron/services/plans/plansService';
import type { Plan, PlanList } from '../../shared/contract/plans';
import { ailabInProcess as ailab, cliHome } from '../support/cli';
import { keep, planFor } from '../support/plans';
import { waitUntil } from '../support/wait';
import { at, collect, FakeClock, plansOn } from './plans-support';
import { createVolume, inVolume, jobsHarness, removeTestVolumes, SEED_IMAGE, tempDir, type JobsHarness } from './jobs-support';

/**
 * The scheduler against the real engine with an injected clock: a simulated day of a plan in seconds,
 * a machine that was off, a clock moved back, a manual job in the way, a volume that is gone, a plan
 * file edited by hand into nonsense.
 */
const cliHomeDir = cliHome('plans-cli', { helperImage: SEED_IMAGE });

const prevTz = process.env.TZ;
let h: JobsHarness;
let volume: string;
let dir: string;

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);

const plansWith = (clock: Clock) => plansOn(h, clock);

const plan = (over: Partial<Plan> = {}): Plan => planFor(volume, dir, { retention: keep({ keepLast: 2, keepDaily: 2 }), ...over });

beforeAll(async () => {
  process.env.TZ = 'UTC';
  h = await jobsHarness();
  volume = await createVolume('plans-sched');
  await inVolume(volume, 'set -e; mkdir -p /volume/notebooks; printf "x\\n" > /volume/notebooks/a.ipynb; head -c 100000 /dev/urandom > /volume/blob.bin');
  dir = tempDir('ailab-plans-dest-');
  fs.writeFileSync(path.join(dir, `${volume}-20200101-000000.tgz`), "another tool's archive, named like ours");
});

afterAll(async () => {
  if (prevTz === undefined) delete process.env.TZ;
  else process.env.TZ = prevTz;
  await h?.close();
  await removeTestVolumes();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('plans with an injected clock', () => {
  const clock = new FakeClock(at('2026-12-04T22:00:00'));
  let plans: PlansService;

  it('runs a simulated day: every 6 hours, retention after each run, a broken plan reported once', async () => {
    plans = plansWith(clock);
    await plans.set(plan());
    // A hand edit: a second plan with a schedule that cannot be.
    const file = path.join(h.core.dataDir, 'plans.json');
    const doc = JSON.parse(fs.readFileSync(file, 'utf8')) as { plans: unknown[] };
    doc.plans.push({ ...plan({ volume: 'plans-sched-typo' }), schedule: { every: 'day', at: '2:00' } });
    fs.writeFileSync(file, JSON.stringify(doc));

    clock.end = at('2026-12-05T23:59:00');
    const events: SchedulerEvent[] = [];
    await plans.run({ signal: clock.stop.signal, emit: collect(events) });

    const runs = events.filter((e) => e.event === 'run-finished');
    expect(runs.map((e) => [iso(e.at), e.run.status])).toEqual([
      ['2026-12-04T22:00', 'succeeded'],
      ['2026-12-05T04:00', 'succeeded'],
      ['2026-12-05T10:00', 'succeeded'],
      ['2026-12-05T16:00', 'succeeded'],
      ['2026-12-05T22:00', 'succeeded'],
    ]);
    const problems = events.filter((e) => e.event === 'problem');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ message: expect.stringMatching(/plan 2 \(plans-sched-typo\) is ignored: schedule\.at: a time of day as HH:MM/) });

    // keep-last 2 (22:00 and 16:00 on the 5th) and keep-daily 2 (the 5th's 22:00, the 4th's 22:00).
    const left = await listBackupsIn(dir);
    expect(left.map((b) => [b.fileName, b.status])).toEqual([
      [`${volume}-20261205-220000.tgz`, 'verified'],
      [`${volume}-20261205-160000.tgz`, 'verified'],
      [`${volume}-20261204-220000.tgz`, 'verified'],
      [`${volume}-20200101-000000.tgz`, 'no-sidecar'],
    ]);
    const last = runs[runs.length - 1];
    expect(last?.event === 'run-finished' && last.run.deleted.map((f) => path.basename(f))).toEqual([`${volume}-20261205-100000.tgz`]);

    const list = await plans.list();
    expect(list.plans[0]).toMatchObject({ due: false, nextRunAt: at('2026-12-06T04:00:00'), last: { status: 'succeeded' }, health: { state: 'ok' } });
    expect(list.problems).toHaveLength(1);
    expect(fs.existsSync(path.join(h.core.dataDir, 'plans.lock'))).toBe(false);
  });

  it('after three days off, runs a missed plan once, not once per missed slot', async () => {
    clock.t = at('2026-12-09T12:00:00');
    const events: SchedulerEvent[] = [];
    await plans.run({ once: true, emit: collect(events) });
    expect(events.filter((e) => e.event === 'run-started')).toHaveLength(1);
    const again: SchedulerEvent[] = [];
    await plans.run({ once: true, emit: collect(again) });
    expect(again.filter((e) => e.event === 'run-started')).toHaveLength(0);
  });

  it('a clock moved back runs nothing at once, then resumes at the next slot', async () => {
    clock.t = at('2026-12-07T12:00:00');
    const events: SchedulerEvent[] = [];
    await plans.run({ once: true, emit: collect(events) });
    expect(events.map((e) => e.event)).toEqual(['started', 'clock-moved-back']);
    expect((await plans.list()).plans[0]).toMatchObject({ due: false, nextRunAt: at('2026-12-07T18:00:00') });
    clock.t = at('2026-12-07T18:00:00');
    const later: SchedulerEvent[] = [];
    await plans.run({ once: true, emit: collect(later) });
    expect(later.filter((e) => e.event === 'run-finished').map((e) => e.event === 'run-finished' && e.run.status)).toEqual(['succeeded']);
  });

  it('a run that meets a manual job on the volume is skipped, says why, and is tried again soon', async () => {
    const manualDir = tempDir('ailab-plans-manual-');
    try {
      const manual = await h.jobs.startBackup({ volume, dir: manualDir, stopContainers: false, overwrite: false });
      const before = fs.readdirSync(dir).sort();
      clock.t = at('2026-12-08T00:00:00');
      const run = await plans.runPlan(plan());
      expect(run).toMatchObject({ status: 'skipped', file: null, deleted: [] });
      expect(run.message).toMatch(new RegExp(`^Skipped: A backup of ${volume} is already running`));
      expect(fs.readdirSync(dir).sort()).toEqual(before);
      expect((await h.finish(manual)).status).toBe('succeeded');
      expect((await plans.list()).plans[0]).toMatchObject({ last: { status: 'skipped' }, nextRunAt: at('2026-12-08T00:05:00'), health: { state: 'failing' } });
    } finally {
      fs.rmSync(manualDir, { recursive: true, force: true });
    }
  });

  it('a run whose volume is gone fails, says so, and deletes nothing', async () => {
    const before = fs.readdirSync(dir).sort();
    const run = await plans.runPlan(plan({ volume: 'plans-sched-removed' }));
    expect(run).toMatchObject({ status: 'failed', deleted: [] });
    expect(run.message).toMatch(/There is no volume named plans-sched-removed/);
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });

  it('one scheduler per data folder', async () => {
    clock.end = Number.POSITIVE_INFINITY;
    const stop = new AbortController();
    const real: Clock = { now: () => clock.now(), sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))) };
    const first = plansWith(real).run({ signal: stop.signal });
    // Once the first holds the lock, not after a guessed delay.
    await waitUntil(() => fs.existsSync(path.join(h.core.dataDir, 'plans.lock')), 20_000);
    await expect(plansWith(clock).run({ once: true })).rejects.toMatchObject({
      code: 'JOB_CONFLICT',
      message: expect.stringMatching(/Another scheduler already runs the plans/),
    });
    stop.abort();
    await first;
    expect(fs.existsSync(path.join(h.core.dataDir, 'plans.lock'))).toBe(false);
  });
});

describe('ailab plans', () => {
  it('sets, lists, runs once and removes a plan', async () => {
    const dest = tempDir('ailab-plans-cli-');
    try {
      const set = await ailab('plans', 'set', volume, '--to', dest, '--every', '1d', '--at', '03:30', '--keep-last', '3', '--json');
      expect(set.code, set.err || set.out).toBe(EXIT.OK);
      expect((JSON.parse(set.out) as PlanList).plans[0]).toMatchObject({
        plan: { volume, dir: dest, schedule: { every: 'day', at: '03:30' }, retention: { keepLast: 3 } },
        due: true,
        last: null,
      });
      expect(fs.statSync(path.join(cliHomeDir(), 'plans.json')).mode & 0o777).toBe(0o600);

      const ls = await ailab('plans');
      expect(ls.out.split('\n')[0]).toMatch(/^VOLUME\s+SCHEDULE\s+FOLDER\s+KEEP\s+LAST RUN\s+RESULT\s+STATE\s+NEXT RUN$/);
      expect(ls.out).toMatch(new RegExp(`^${volume}\\s+daily at 03:30\\s+${dest}\\s+keep-last 3\\s+-\\s+never run\\s+never-run\\s+now \\(due\\)$`, 'm'));

      const run = await ailab('plans', 'run', '--once');
      expect(run.code, run.err).toBe(EXIT.OK);
      expect(run.out).toMatch(new RegExp(`Z ${volume}: backing up to ${dest}/${volume}-\\d{8}-\\d{6}\\.tgz`));
      expect(run.out).toMatch(new RegExp(`Z ${volume}: succeeded: Backed up to `));
      expect(fs.readdirSync(dest).filter((n) => n.endsWith('.tgz'))).toHaveLength(1);
      expect((await ailab('plans')).out).toMatch(new RegExp(`^${volume}\\s+daily at 03:30\\s.*\\ssucceeded\\s+ok\\s+\\d{4}-\\d\\d-\\d\\d 03:30$`, 'm'));

      const rm = await ailab('plans', 'rm', volume);
      expect(rm.out).toContain(`Plan for ${volume} removed; its backups stay where they are.`);
      const again = await ailab('plans', 'rm', volume, '--json');
      expect(again.code).toBe(EXIT.NOT_FOUND);
      expect(JSON.parse(again.out)).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND', message: `${volume} has no plan.` } });
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  });

  it('refuses bad schedules and folders with what to do', async () => {
    const bad = await ailab('plans', 'set', volume, '--to', os.tmpdir(), '--every', '2d');
    expect(bad.code).toBe(EXIT.INVALID_INPUT);
    expect(bad.err).toContain('--every must be Nh (1h … 168h), 1d or 1w, not "2d".');
    const at = await ailab('plans', 'set', volume, '--to', os.tmpdir(), '--every', '6h', '--at', '02:00');
    expect(at.code).toBe(EXIT.USAGE);
    const missing = await ailab('plans', 'set', volume, '--to', path.join(os.tmpdir(), 'no-such-folder-ailab'), '--every', '1w', '--on', 'mon');
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(missing.err).toMatch(/does not exist/);
  });

  it('a second scheduler exits 5 and names the one running', async () => {
    fs.writeFileSync(path.join(cliHomeDir(), 'plans.lock'), JSON.stringify({ host: os.hostname(), pid: process.pid, token: 't', since: Date.now() }));
    try {
      const r = await ailab('plans', 'run', '--once', '--json');
      expect(r.code).toBe(EXIT.CONFLICT);
      expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'JOB_CONFLICT', message: expect.stringContaining(`process ${process.pid}`) } });
    } finally {
      fs.rmSync(path.join(cliHomeDir(), 'plans.lock'), { force: true });
    }
  });
});
