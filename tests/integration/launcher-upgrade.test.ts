import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchOutcome, UpgradeProgressEvent } from '../../shared/contract/launcher';
import { UPGRADE_LABEL } from '../../electron/services/launcher/upgrade';
import { docker, TEST_LABEL } from '../support/docker';
import { AI_LAB_FIXTURES, GNU_TAR_IMAGE } from '../support/fixtures';
import { runInVolume, volumeTree } from '../support/volumeShell';
import { SCS_FILE } from '../../shared/ailab';
import { startTestRegistry } from './launcher-registry';
import { freePort, launcherTestEnv, launchOptions, uniqueName, volumeWithFiles, type LauncherTestEnv } from './launcher-support';

// Issue 18: upgrades against the real engine, with the fixture images of both layouts.
let t: LauncherTestEnv;
let backupDir: string;

beforeAll(async () => {
  t = await launcherTestEnv('upgrade');
  backupDir = path.join(t.home, 'backups');
  fs.mkdirSync(backupDir);
});

afterAll(async () => {
  // Kept old containers carry the test label too (they were launched by the tests).
  const left = await docker.listContainers({ all: true, filters: { label: ['com.exasol.ailab-desktop.test=1'] } });
  for (const c of left)
    if (c.Names.some((n) => n.includes('ailab-up-')))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  await t?.cleanup();
});

const id = () => uniqueName('up').replace(/[^A-Za-z0-9_-]/g, '');

async function launchOld(image: string, files: Record<string, string>, opts: { stopped?: boolean; volume?: string } = {}): Promise<LaunchOutcome> {
  const volume = opts.volume ?? (await volumeWithFiles(t, files));
  const o = launchOptions(t, { image, volume, hostPort: await freePort(), name: uniqueName('ailab-up') });
  const outcome = await t.ok('launchAiLab', id(), o);
  if (opts.stopped) await t.ok('stopAiLabContainer', outcome.containerId);
  return outcome;
}

async function state(ref: string): Promise<{ id: string; running: boolean; name: string } | null> {
  try {
    const c = await docker.getContainer(ref).inspect();
    return { id: c.Id, running: c.State.Running, name: c.Name.replace(/^\//, '') };
  } catch {
    return null;
  }
}

function record(upgradeId: string): { events: UpgradeProgressEvent[]; stop: () => void } {
  const events: UpgradeProgressEvent[] = [];
  const stop = t.core.bus.on('aiLabUpgradeProgress', (e) => {
    if (e.upgradeId === upgradeId) events.push(e);
  });
  return { events, stop };
}

describe('1.0.0 → 6.1.0 (the notebooks path moves, the entrypoint chowns)', () => {
  it('keeps the notebooks, mounts them at the new path, owned by 1001; Keep removes the old container', async () => {
    const old = await launchOld(AI_LAB_FIXTURES.aiLab1.image, { 'mine.ipynb': '{"cells":[]}', 'data/x.csv': 'a,b\n1,2\n' }, { stopped: true });
    expect(old.notebooksPath).toBe('/root/notebooks');

    const plan = await t.ok('planAiLabUpgrade', old.containerName, AI_LAB_FIXTURES.aiLab6.image);
    expect(plan.blockers).toEqual([]);
    expect(plan.version.verdict).toBe('newer');
    expect(plan.oldNotebooksPath).toBe('/root/notebooks');
    expect(plan.newNotebooksPath).toBe('/home/jupyter/notebooks');
    expect(plan.notes.join(' ')).toMatch(/moves from \/root\/notebooks to \/home\/jupyter\/notebooks/);
    expect(plan.notes.join(' ')).toMatch(/uid 1001/);
    expect(plan.volumeBytes).toBeGreaterThan(0);

    const upgradeId = id();
    const rec = record(upgradeId);
    const outcome = await t.ok('upgradeAiLab', upgradeId, {
      container: old.containerName,
      image: AI_LAB_FIXTURES.aiLab6.image,
      pull: false,
      backupDir,
      timeoutSeconds: 60,
      labels: TEST_LABEL,
    });
    rec.stop();
    expect(rec.events.filter((e) => e.status === 'done').map((e) => e.step)).toEqual(['check', 'backup', 'rename', 'start', 'wait']);
    expect(rec.events.find((e) => e.step === 'stop')?.status).toBe('skipped');
    expect(outcome.container.name).toBe(old.containerName);
    expect(outcome.container.image).toBe(AI_LAB_FIXTURES.aiLab6.image);
    expect(outcome.container.notebooksPath).toBe('/home/jupyter/notebooks');
    expect(outcome.container.hostPort).toBe(old.hostPort);
    expect(outcome.container.state).toBe('running');
    expect(fs.existsSync(outcome.upgrade.backupFile)).toBe(true);
    expect(path.dirname(outcome.upgrade.backupFile)).toBe(backupDir);

    const tree = await volumeTree(old.volume ?? '');
    const mine = tree.find((l) => l.startsWith('./mine.ipynb\t'));
    const csv = tree.find((l) => l.startsWith('./data/x.csv\t'));
    expect(mine?.split('\t')[2]).toBe('1001:1001');
    expect(csv?.split('\t')[2]).toBe('1001:1001');

    const kept = await state(outcome.upgrade.keptAs);
    expect(kept).toMatchObject({ id: old.containerId, running: false });
    expect(await t.ok('listPendingAiLabUpgrades')).toEqual([expect.objectContaining({ name: old.containerName, state: 'ready' })]);

    // A second upgrade of the same container waits for Keep or Roll back.
    const planAgain = await t.ok('planAiLabUpgrade', old.containerName, AI_LAB_FIXTURES.aiLab62.image);
    expect(planAgain.blockers[0]?.code).toBe('JOB_CONFLICT');

    const kept2 = await t.ok('keepAiLabUpgrade', old.containerName);
    expect(kept2.action).toBe('kept');
    expect(await state(old.containerId)).toBeNull();
    expect(await state(old.containerName)).toMatchObject({ running: true });
    expect(await t.ok('listPendingAiLabUpgrades')).toEqual([]);
    expect(fs.existsSync(outcome.upgrade.backupFile)).toBe(true);
  });
});

describe('6.1.0 → 6.2.0, then Roll back', () => {
  it('restores the volume identically and the old container runs again under its name', async () => {
    const old = await launchOld(AI_LAB_FIXTURES.aiLab6.image, { 'work.ipynb': '{"cells":[1]}', 'notes/a.txt': 'hello' });
    const volume = old.volume ?? '';
    const before = await volumeTree(volume);

    const upgradeId = id();
    const outcome = await t.ok('upgradeAiLab', upgradeId, {
      container: old.containerName,
      image: AI_LAB_FIXTURES.aiLab62.image,
      pull: false,
      backupDir,
      timeoutSeconds: 60,
      labels: TEST_LABEL,
    });
    const newId = outcome.container.id;
    expect(newId).not.toBe(old.containerId);
    const during = await volumeTree(volume);
    expect(during.some((l) => l.startsWith('./tutorials/new-in-6.2.ipynb\t'))).toBe(true);

    const rollbackId = id();
    const rec = record(rollbackId);
    const back = await t.ok('rollBackAiLabUpgrade', rollbackId, old.containerName, {});
    rec.stop();
    expect(back).toMatchObject({ action: 'rolled-back', volumeRestored: true, oldStarted: true });
    expect(rec.events.filter((e) => e.status === 'done').map((e) => e.step)).toEqual(['remove-new', 'restore', 'rename-back', 'start-old']);

    expect(await state(newId)).toBeNull();
    expect(await state(old.containerName)).toMatchObject({ id: old.containerId, running: true });
    // After the old container's own start again: its entrypoint finds everything in place and changes nothing.
    expect(await volumeTree(volume)).toEqual(before);
    expect(await t.ok('listPendingAiLabUpgrades')).toEqual([]);
  });
});

describe('Roll back keeping the Secure Configuration Storage', () => {
  it('returns everything to the backup but the SCS, which stays as the new version left it', async () => {
    const old = await launchOld(AI_LAB_FIXTURES.aiLab6.image, { 'work.ipynb': '{"cells":[1]}', [SCS_FILE]: 'connections before the upgrade' });
    const volume = old.volume ?? '';
    const before = await volumeTree(volume);
    await t.ok('upgradeAiLab', id(), {
      container: old.containerName,
      image: AI_LAB_FIXTURES.aiLab62.image,
      pull: false,
      backupDir,
      timeoutSeconds: 60,
      labels: TEST_LABEL,
    });
    // While trying the new version, the user saves a connection (a new SCS) and a notebook.
    await runInVolume(volume, `printf 'connections saved in 6.2' > /volume/${SCS_FILE} && chown 1001:1001 /volume/${SCS_FILE} && echo x > /volume/tried.ipynb`);
    const scsNow = (await volumeTree(volume)).find((l) => l.startsWith(`./${SCS_FILE}\t`));

    const back = await t.ok('rollBackAiLabUpgrade', id(), old.containerName, { keepScs: true });
    expect(back).toMatchObject({ action: 'rolled-back', volumeRestored: true });
    const after = await volumeTree(volume);
    expect(await runInVolume(volume, `cat /volume/${SCS_FILE}`)).toBe('connections saved in 6.2');
    // The SCS line is the one from before the roll back (content, owner, mode, time); everything else is the backup's.
    expect(after.find((l) => l.startsWith(`./${SCS_FILE}\t`))).toBe(scsNow);
    const withoutScs = (tree: string[]) => tree.filter((l) => !l.startsWith(`./${SCS_FILE}\t`) && !l.startsWith('.\t'));
    expect(withoutScs(after)).toEqual(withoutScs(before));
  });
});

describe('a new version that never gets ready', () => {
  it('rolls back by itself and says why; the old container runs again', async () => {
    const old = await launchOld(AI_LAB_FIXTURES.aiLab6.image, { 'keep.ipynb': 'x' });
    const before = await volumeTree(old.volume ?? '');
    const upgradeId = id();
    const err = await t.fails('upgradeAiLab', upgradeId, {
      container: old.containerName,
      image: AI_LAB_FIXTURES.neverReady.image,
      pull: false,
      backupDir,
      timeoutSeconds: 6,
      labels: TEST_LABEL,
    });
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toMatch(/failed and was rolled back: Jupyter in container .* did not become ready within 6 s/);
    expect(err.details?.rolledBack).toBe(true);
    expect(await state(old.containerName)).toMatchObject({ id: old.containerId, running: true });
    const leftovers = await docker.listContainers({ all: true, filters: { label: [`${UPGRADE_LABEL}=${upgradeId}`] } });
    expect(leftovers).toEqual([]);
    expect(await volumeTree(old.volume ?? '')).toEqual(before);
    expect(await t.ok('listPendingAiLabUpgrades')).toEqual([]);
  });
});

describe('refusals change nothing', () => {
  let old: LaunchOutcome;
  beforeAll(async () => {
    old = await launchOld(AI_LAB_FIXTURES.aiLab6.image, { 'r.ipynb': 'r' });
  });

  const opts = (image: string) => ({ container: old.containerName, image, pull: false, backupDir, timeoutSeconds: 30, labels: TEST_LABEL });

  async function unchanged() {
    expect(await state(old.containerName)).toMatchObject({ id: old.containerId, running: true });
    expect(await t.ok('listPendingAiLabUpgrades')).toEqual([]);
  }

  it('an older image', async () => {
    const err = await t.fails('upgradeAiLab', id(), opts(AI_LAB_FIXTURES.aiLab1.image));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/is older \(1\.0\.0\) than the version the container runs \(6\.1\.0\)/);
    expect(err.hint).toMatch(/Nothing was changed/);
    await unchanged();
  });

  it('the same version', async () => {
    const err = await t.fails('upgradeAiLab', id(), opts(AI_LAB_FIXTURES.aiLab6.image));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/already runs|same version/);
    await unchanged();
  });

  it('an image that is not AI-Lab', async () => {
    const err = await t.fails('upgradeAiLab', id(), opts(GNU_TAR_IMAGE));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/is not an AI-Lab image: it no NOTEBOOKS in its environment, does not expose port 49494/);
    await unchanged();
  });

  it('a volume used by two AI-Lab containers, naming both', async () => {
    const second = launchOptions(t, {
      image: AI_LAB_FIXTURES.aiLab1.image,
      volume: old.volume ?? '',
      hostPort: await freePort(),
      name: uniqueName('ailab-up-second'),
    });
    await t.ok('launchAiLab', id(), second);
    await t.ok('stopAiLabContainer', second.name);
    const err = await t.fails('upgradeAiLab', id(), opts(AI_LAB_FIXTURES.aiLab62.image));
    expect(err.code).toBe('VOLUME_IN_USE');
    expect(err.message).toContain(`"${old.containerName}"`);
    expect(err.message).toContain(`"${second.name}"`);
    await unchanged();
    await t.ok('removeAiLabContainer', second.name, { force: true });
  });

  it('a pull that fails halfway', async () => {
    const registry = await startTestRegistry(AI_LAB_FIXTURES.aiLab6.image);
    try {
      registry.throttle(16 * 1024);
      await registry.add('ailab-test/ai-lab', '6.9.0');
      const image = `${registry.host}/ailab-test/ai-lab:6.9.0`;
      const upgradeId = id();
      let closing: Promise<void> | null = null;
      const off = t.core.bus.on('launchPullProgress', (p) => {
        if (p.launchId === upgradeId && p.layers.some((l) => (l.current ?? 0) > 0)) closing ??= registry.close();
      });
      const err = await t.fails('upgradeAiLab', upgradeId, { ...opts(image), pull: true });
      off();
      expect(closing).not.toBeNull();
      expect(['IMAGE_PULL_FAILED', 'IMAGE_NOT_FOUND', 'DOCKER_ERROR']).toContain(err.code);
      expect(err.message).toMatch(/Nothing was changed/);
      await unchanged();
      expect(fs.readdirSync(backupDir).filter((f) => f.includes(old.volume ?? '-'))).toEqual([]);
      await docker
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
    } finally {
      await registry.close().catch(() => undefined);
    }
  });
});
