import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import { runBuiltCli } from '../support/cli';
import { planFor } from '../support/plans';
import { startServedApp, type ServedApp } from '../support/serve';
import { createVolume, inVolume, removeTestVolumes, SEED_IMAGE, tempDir } from './jobs-support';

/** The browser-mode server runs the plans of its data folder, and holds the one scheduler lock meanwhile. */
let home: string;
let dest: string;
let volume: string;
let app: ServedApp | undefined;

beforeAll(async () => {
  volume = await createVolume('plans-srv');
  await inVolume(volume, 'printf "x\\n" > /volume/a.ipynb');
  dest = tempDir('ailab-plans-srv-dest-');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-plans-srv-home-'));
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ helperImage: SEED_IMAGE }));
  const plan = planFor(volume, dest, { schedule: { every: 'hours', hours: 24 } });
  fs.writeFileSync(path.join(home, 'plans.json'), JSON.stringify({ version: 1, plans: [plan] }));
});

afterAll(async () => {
  await app?.stop();
  await removeTestVolumes();
  for (const d of [home, dest]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

describe('plans in the browser-mode server', () => {
  it('runs a plan that never ran when the server starts, and keeps other schedulers out', async () => {
    app = await startServedApp({ AILAB_DESKTOP_HOME: home });
    const deadline = Date.now() + 60_000;
    while (!/succeeded: Backed up to/.test(app.output()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(app.output()).toMatch(/scheduler started: 1 plan \(lock .*plans\.lock\)/);
    expect(app.output()).toMatch(new RegExp(`${volume}: succeeded: Backed up to ${dest}/${volume}-\\d{8}-\\d{6}\\.tgz`));
    expect(fs.readdirSync(dest).filter((n) => n.endsWith('.tgz.json'))).toHaveLength(1);

    const second = await runBuiltCli(['plans', 'run', '--once', '--json'], { env: { AILAB_DESKTOP_HOME: home } });
    expect(second.code).toBe(EXIT.CONFLICT);
    expect(JSON.parse(second.stdout)).toMatchObject({ ok: false, error: { code: 'JOB_CONFLICT' } });
  });
});
