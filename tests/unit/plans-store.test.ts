import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PlanStore } from '../../electron/services/plans/planStore';
import { acquireSchedulerLock, STALE_MS } from '../../electron/services/plans/schedulerLock';
import type { Plan } from '../../shared/contract/plans';
import { keep, planFor } from '../support/plans';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-plans-store-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const plan = (volume: string, over: Partial<Plan> = {}): Plan =>
  planFor(volume, '/srv/backups', { schedule: { every: 'day', at: '02:00' }, retention: keep({ keepLast: 3 }), ...over });

describe('PlanStore', () => {
  it('writes plans.json atomically, 0600, and reads it back', async () => {
    const store = new PlanStore(dir);
    await store.set(plan('alpha'));
    await store.set(plan('beta', { schedule: { every: 'hours', hours: 6 } }));
    await store.set(plan('alpha', { stopContainers: true }));
    expect((await store.load()).plans).toEqual([plan('alpha', { stopContainers: true }), plan('beta', { schedule: { every: 'hours', hours: 6 } })]);
    expect(fs.statSync(store.file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dir)).toEqual(['plans.json']);
    expect(await store.remove('alpha')).toBe(true);
    expect(await store.remove('alpha')).toBe(false);
    expect((await store.load()).plans.map((p) => p.volume)).toEqual(['beta']);
  });

  it('ignores a plan edited into nonsense, says which and why, runs the others, and keeps its text on the next write', async () => {
    const store = new PlanStore(dir);
    const broken = { ...plan('gamma'), schedule: { every: 'day', at: '25:99' }, retention: { keepLast: -1 } };
    fs.writeFileSync(store.file, JSON.stringify({ version: 1, plans: [plan('alpha'), broken, plan('alpha'), 'nonsense'] }));
    const loaded = await store.load();
    expect(loaded.plans).toEqual([plan('alpha')]);
    expect(loaded.problems).toHaveLength(3);
    expect(loaded.problems[0]).toMatch(
      /^plans\.json: plan 2 \(gamma\) is ignored: schedule\.at: a time of day as HH:MM \(00:00 to 23:59\); retention\.keepLast: /,
    );
    expect(loaded.problems[1]).toBe('plans.json: plan 3 (alpha) is ignored: alpha has an earlier plan; a volume has one plan.');
    expect(loaded.problems[2]).toMatch(/^plans\.json: plan 4 is ignored: /);
    await store.set(plan('beta'));
    const raw = JSON.parse(fs.readFileSync(store.file, 'utf8')) as { plans: unknown[] };
    expect(raw.plans).toContainEqual(broken);
    expect(raw.plans).toContain('nonsense');
  });

  it('moves a file that is not JSON aside, saying where', async () => {
    const store = new PlanStore(dir);
    fs.writeFileSync(store.file, '{ "plans": [ oops');
    const loaded = await store.load();
    expect(loaded.plans).toEqual([]);
    expect(loaded.problems[0]).toMatch(/was not valid JSON; it was kept as .*plans\.json\.corrupt-/);
    expect(fs.readdirSync(dir).some((n) => n.startsWith('plans.json.corrupt-'))).toBe(true);
  });

  it('records runs and remembers the last success through a failure', async () => {
    const store = new PlanStore(dir);
    await store.recordRun('alpha', { startedAt: 1, finishedAt: 2, status: 'succeeded', message: 'ok', file: '/x.tgz', jobId: 'j1', deleted: [] });
    await store.recordRun('alpha', { startedAt: 3, finishedAt: 4, status: 'failed', message: 'no', file: null, jobId: 'j2', deleted: [] });
    expect((await store.runs()).alpha).toMatchObject({ last: { status: 'failed', startedAt: 3 }, lastSuccessAt: 2 });
    expect((await store.runs()).alpha?.failingSince).toBe(4);
    fs.writeFileSync(store.runsFile, 'garbage');
    expect(await store.runs()).toEqual({});
  });

  it('tells a failure once: failed, skipped, failed is one streak; a success ends it', async () => {
    const store = new PlanStore(dir);
    const run = (t: number, status: 'succeeded' | 'failed' | 'skipped') =>
      store.recordRun('alpha', { startedAt: t, finishedAt: t, status, message: status, file: null, jobId: null, deleted: [] });
    const begins = async (t: number, status: 'succeeded' | 'failed' | 'skipped') => (await run(t, status)).failureBegins;
    expect([await begins(1, 'failed'), await begins(2, 'skipped'), await begins(3, 'failed')]).toEqual([true, false, false]);
    expect((await store.runs()).alpha).toMatchObject({ failingSince: 1, lastSuccessAt: null });
    expect([await begins(4, 'succeeded'), await begins(5, 'skipped'), await begins(6, 'failed')]).toEqual([false, false, true]);
    // A plan-runs.json from before failingSince reads as not failing.
    const old = {
      version: 1,
      runs: { alpha: { last: { startedAt: 7, finishedAt: 7, status: 'failed', message: 'x', file: null, jobId: null, deleted: [] }, lastSuccessAt: null } },
    };
    fs.writeFileSync(store.runsFile, JSON.stringify(old));
    expect((await store.runs()).alpha?.failingSince).toBeNull();
  });
});

describe('scheduler lock', () => {
  it('lets one scheduler hold a data folder, and frees it on release', async () => {
    const lock = await acquireSchedulerLock(dir);
    await expect(acquireSchedulerLock(dir)).rejects.toMatchObject({
      code: 'JOB_CONFLICT',
      message: expect.stringMatching(new RegExp(`process ${process.pid} on `)),
    });
    expect(await lock.refresh()).toBe(true);
    await lock.release();
    const again = await acquireSchedulerLock(dir);
    await again.release();
    expect(fs.existsSync(path.join(dir, 'plans.lock'))).toBe(false);
  });

  it('is not held for ever by a crashed process, nor by one that stopped refreshing it', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const file = path.join(dir, 'plans.lock');
    fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: Number(dead), token: 'crashed', since: Date.now() }));
    const taken = await acquireSchedulerLock(dir);
    await taken.release();
    // A live process (this one) on another host, silent for longer than STALE_MS.
    fs.writeFileSync(file, JSON.stringify({ host: 'elsewhere', pid: process.pid, token: 'silent', since: 0 }));
    const old = new Date(Date.now() - STALE_MS - 60_000);
    fs.utimesSync(file, old, old);
    const again = await acquireSchedulerLock(dir);
    await again.release();
    // The same, refreshed recently: held.
    fs.writeFileSync(file, JSON.stringify({ host: 'elsewhere', pid: process.pid, token: 'busy', since: 0 }));
    await expect(acquireSchedulerLock(dir)).rejects.toMatchObject({ code: 'JOB_CONFLICT' });
  });

  it('tells a holder whose lock was taken over that it must stop', async () => {
    const lock = await acquireSchedulerLock(dir);
    fs.writeFileSync(lock.file, JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'someone-else', since: 0 }));
    expect(await lock.refresh()).toBe(false);
    await lock.release();
    expect(fs.existsSync(lock.file)).toBe(true); // not ours to remove
  });
});
