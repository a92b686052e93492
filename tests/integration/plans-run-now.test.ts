import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan, PlanRunFinished } from '../../shared/contract/plans';
import { timestampedBackupName } from '../../electron/services/backups/catalogue';
import { coreTestEnv, type CoreTestEnv } from '../support/core';
import { keep, planFor } from '../support/plans';
import { inVolume } from './jobs-support';

/**
 * "Back up now" (runPlanNow) and deleteBackup through the contract's handlers (validated, enveloped),
 * against the real engine: a real backup job, its sidecar, the catalogue, the events the pages get.
 */
let env: CoreTestEnv;
let volume: string;
let dir: string;
const finished: PlanRunFinished[] = [];

const plan = (over: Partial<Plan> = {}): Plan => planFor(volume, dir, { schedule: { every: 'day', at: '02:00' }, retention: keep({ keepDaily: 7 }), ...over });

beforeAll(async () => {
  env = await coreTestEnv('plans-run-now');
  env.core.bus.on('planRunFinished', (p) => finished.push(p));
  volume = await env.volume('run-now');
  await inVolume(volume, 'set -e; mkdir -p /volume/notebooks; printf "cell\\n" > /volume/notebooks/a.ipynb; head -c 50000 /dev/urandom > /volume/blob.bin');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-run-now-dest-'));
});

afterAll(async () => {
  await env?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('runPlanNow', () => {
  it('backs the volume up through its plan, verified and catalogued, and the plan turns ok', async () => {
    await env.ok('setPlan', plan());
    expect((await env.ok('listPlans')).plans[0]?.health.state).toBe('never-run');
    const { run, plans } = await env.ok('runPlanNow', volume);
    expect(run.status).toBe('succeeded');
    expect(run.file).toMatch(new RegExp(`^${dir}/${volume}-\\d{8}-\\d{6}\\.tgz$`));
    expect(plans.plans[0]).toMatchObject({ health: { state: 'ok' }, running: false, lastSuccessAt: run.finishedAt });
    const cat = await env.ok('listBackups', { dir, volume });
    expect(cat.backups).toHaveLength(1);
    expect(cat.backups[0]).toMatchObject({ file: run.file, status: 'verified', volume, entries: 4 });
    const verified = await env.ok('verifyBackup', run.file as string);
    expect(verified).toMatchObject({ comparedWithSidecar: true, entries: 4, volume });
    expect(finished.at(-1)).toEqual({ volume, run, firstFailure: false });
  });

  it('says JOB_CONFLICT for a second run of the plan while one is going', async () => {
    // The second call goes in once the first has begun (its run-started), not after a guessed delay.
    const second = new Promise<ReturnType<typeof env.call<'runPlanNow'>>>((resolve) => {
      const off = env.core.plans.onRun((e) => {
        if (e.event !== 'run-started') return;
        off();
        resolve(env.call('runPlanNow', volume));
      });
    });
    const first = env.ok('runPlanNow', volume);
    const err = await second;
    expect(err).toMatchObject({ ok: false, error: { code: 'JOB_CONFLICT', message: `The plan of ${volume} is running now.` } });
    expect((await first).run.status).toBe('succeeded');
  });

  it('gives a backup whose second is taken a name of its own, beside the file already there', async () => {
    // A folder of its own: the runs above may share this second, and their `-2` would make this one `-3`
    // (seen once the runs took under half a second each).
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-run-now-held-'));
    await env.ok('setPlan', plan({ dir: own }));
    // Every name the run could take in the next 10 s is held by another file, so it must pick `-2`.
    const now = Date.now();
    const held = Array.from({ length: 10 }, (_, i) => path.join(own, timestampedBackupName(volume, new Date(now + i * 1000))));
    for (const f of held) fs.writeFileSync(f, 'held');
    try {
      const { run } = await env.ok('runPlanNow', volume);
      expect(run.status).toBe('succeeded');
      expect(held).toContain((run.file as string).replace(/-2\.tgz$/, '.tgz'));
      expect(run.file).toMatch(/-2\.tgz$/);
      for (const f of held) expect(fs.readFileSync(f, 'utf8')).toBe('held');
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
      await env.ok('setPlan', plan());
    }
  });

  it('records a run into a folder that went away as failed, announced once as a first failure', async () => {
    const gone = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-run-now-gone-'));
    await env.ok('setPlan', plan({ dir: gone }));
    fs.rmSync(gone, { recursive: true });
    const { run, plans } = await env.ok('runPlanNow', volume);
    expect(run.status).toBe('failed');
    expect(run.message).toMatch(/does not exist/);
    expect(plans.plans[0]?.health.state).toBe('failing');
    expect(finished.at(-1)).toMatchObject({ volume, firstFailure: true });
    await env.ok('runPlanNow', volume);
    expect(finished.at(-1)).toMatchObject({ volume, firstFailure: false });
    await env.ok('setPlan', plan());
  });

  it('refuses an unknown volume and a bad name before any work', async () => {
    expect(await env.fails('runPlanNow', 'no-plan-here')).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect(await env.fails('runPlanNow', '../etc')).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('deleteBackup', () => {
  it('deletes a backup the plan wrote, with its sidecar, and refuses a foreign file', async () => {
    const files = (await env.ok('listBackups', { dir, volume })).backups.map((b) => b.file);
    expect(files.length).toBeGreaterThanOrEqual(2);
    const [newest, older] = files as [string, string];
    const after = await env.ok('deleteBackup', older);
    expect(after.backups.map((b) => b.file)).toEqual(files.filter((f) => f !== older));
    expect(fs.existsSync(older)).toBe(false);
    expect(fs.existsSync(`${older}.json`)).toBe(false);
    expect(fs.existsSync(newest)).toBe(true);

    const foreign = path.join(dir, `${volume}-guide.tgz`);
    fs.writeFileSync(foreign, "another tool's archive");
    expect(await env.fails('deleteBackup', foreign)).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(fs.existsSync(foreign)).toBe(true);
  });

  it('has no file manager in the browser mode', async () => {
    const [b] = (await env.ok('listBackups', { dir, volume })).backups;
    expect(await env.fails('showBackupInFolder', b?.file as string)).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
