import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullProgressEvent } from '../../shared/contract/launcher';
import { docker } from '../support/docker';
import { AI_LAB_FIXTURES } from '../support/fixtures';
import { freePort, httpGet, launcherTestEnv, launchOptions, uniqueName, volumeWithFiles, type LauncherTestEnv } from './launcher-support';
import { startTestRegistry, type TestRegistry } from './launcher-registry';

// Real pulls by the real engine from a registry the test runs on 127.0.0.1 (there is no other here).
let t: LauncherTestEnv;
let registry: TestRegistry;
const pulledImages: string[] = [];

beforeAll(async () => {
  t = await launcherTestEnv('pull');
  registry = await startTestRegistry(AI_LAB_FIXTURES.aiLab6.image);
});

afterAll(async () => {
  await t?.cleanup();
  for (const image of pulledImages)
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  await registry?.close();
});

async function newImage(): Promise<string> {
  const tag = uniqueName('t').replace(/[^a-z0-9-]/g, '');
  await registry.add('ailab-test/ai-lab', tag);
  const image = `${registry.host}/ailab-test/ai-lab:${tag}`;
  pulledImages.push(image);
  return image;
}

describe('pulling a missing image', () => {
  it('pulls with per-layer progress, then launches the pulled image', async () => {
    registry.throttle(64 * 1024);
    const image = await newImage();
    const volume = await volumeWithFiles(t, { 'pulled.txt': 'from a pulled image' });
    const pre = await t.ok('checkAiLabLaunch', {
      image,
      volume,
      name: uniqueName('x'),
      listenIp: '127.0.0.1',
      hostPort: await freePort(),
      dockerSocket: false,
    });
    expect(pre.image.present).toBe(false);
    expect(pre.warnings.map((w) => w.code)).toContain('IMAGE_MISSING');

    const progress: PullProgressEvent[] = [];
    const off = t.core.bus.on('launchPullProgress', (p) => {
      if (p.launchId === 'pull-ok') progress.push(p);
    });
    const out = await t.ok('launchAiLab', 'pull-ok', launchOptions(t, { image, volume, hostPort: await freePort() }));
    off();
    expect(out.pulled).toBe(true);
    // The facts now come from the pulled image itself.
    expect(out.notebooksPath).toBe('/home/jupyter/notebooks');
    expect((await httpGet(`${out.url}files/pulled.txt`)).body).toBe('from a pulled image');
    const downloading = progress.flatMap((p) => p.layers).filter((l) => l.status === 'Downloading' && l.total !== null);
    expect(downloading.length).toBeGreaterThan(1);
    expect(downloading.some((l) => (l.current ?? 0) < (l.total ?? 0))).toBe(true);
    expect(progress.at(-1)?.done).toBe(true);
    expect(registry.requests.some((r) => r.startsWith('GET /v2/ailab-test/ai-lab/blobs/'))).toBe(true);
  });

  it('cancels a pull: the launch ends as cancelled and nothing is created', async () => {
    registry.throttle(2 * 1024);
    const image = await newImage();
    const volume = await volumeWithFiles(t, {});
    const opts = launchOptions(t, { image, volume, hostPort: await freePort() });
    const off = t.core.bus.on('launchPullProgress', (p) => {
      if (p.launchId === 'pull-cancel' && p.layers.some((l) => l.status === 'Downloading')) void t.ok('cancelAiLabLaunch', 'pull-cancel');
    });
    const err = await t.fails('launchAiLab', 'pull-cancel', opts);
    off();
    registry.throttle(0);
    expect(err.code).toBe('CANCELLED');
    expect(err.message).toBe(`Pulling ${image} was cancelled.`);
    await expect(docker.getContainer(opts.name).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getImage(image).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('explains a tag the registry does not have', async () => {
    const image = `${registry.host}/ailab-test/ai-lab:no-such-tag`;
    const err = await t.fails('launchAiLab', 'pull-404', launchOptions(t, { image, volume: await volumeWithFiles(t, {}), hostPort: await freePort() }));
    expect(err.code).toBe('IMAGE_NOT_FOUND');
    expect(err.message).toBe(`The image ${image} does not exist in its registry.`);
    expect(err.hint).toMatch(/tag/);
  });

  it('explains a registry that wants a login', async () => {
    registry.requireAuth(true);
    try {
      const image = await newImage();
      const err = await t.fails('launchAiLab', 'pull-401', launchOptions(t, { image, volume: await volumeWithFiles(t, {}), hostPort: await freePort() }));
      expect(err.code).toBe('IMAGE_PULL_FAILED');
      expect(err.message).toBe(`Pulling ${image} failed: the registry refused access.`);
      expect(err.hint).toMatch(/docker login/);
      expect(String(err.details?.engineMessage)).toMatch(/no basic auth credentials|unauthorized/i);
    } finally {
      registry.requireAuth(false);
    }
  });
});
