import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AiLabContainer, LogLine } from '../../shared/contract/launcher';
import { docker, TEST_LABEL } from '../support/docker';
import { AI_LAB_FIXTURES, JUPYTER_READY_LINE } from '../support/fixtures';
import { freePort, httpGet, launcherTestEnv, launchOptions, volumeWithFiles, waitForBus, type LauncherTestEnv } from './launcher-support';

let t: LauncherTestEnv;

beforeAll(async () => {
  t = await launcherTestEnv('containers');
});

afterAll(async () => {
  await t?.cleanup();
});

const changed = (pred: (c: AiLabContainer | undefined) => boolean, id: () => string) =>
  waitForBus<{ containers: AiLabContainer[] }>(
    (l) => t.core.bus.on('aiLabContainersChanged', l),
    (p) => pred(p.containers.find((c) => c.id === id())),
    20_000,
  );

describe('AI-Lab containers: stop, start, restart, remove, logs', () => {
  it('manages a launched container and reports every change from the engine event stream', async () => {
    const volume = await volumeWithFiles(t, { 'notes.txt': 'still here' });
    const opts = launchOptions(t, { image: AI_LAB_FIXTURES.aiLab6.image, volume, hostPort: await freePort() });
    let id = '';
    const appeared = changed(
      (c) => c?.state === 'running',
      () => id,
    );
    const launched = await t.ok('launchAiLab', 'mgmt-1', opts);
    id = launched.containerId;
    const first = await appeared;
    expect(first.containers.find((c) => c.id === id)).toMatchObject({ name: opts.name, url: launched.url, volume });
    // The launched image is remembered as the next default, and known to be present.
    expect(t.core.settings.get()).toMatchObject({ aiLabImage: 'ailab-fixture/ai-lab', aiLabVersion: '6.1.0' });
    expect((await t.ok('listAiLabImages')).images[0]).toMatchObject({ ref: AI_LAB_FIXTURES.aiLab6.image, present: true });

    // Stop: the event arrives without anyone asking for the list.
    const stoppedEvent = changed(
      (c) => c?.state === 'exited',
      () => id,
    );
    const stopped = await t.ok('stopAiLabContainer', opts.name);
    expect(stopped.state).toBe('exited');
    expect(stopped.url).toBeNull();
    await stoppedEvent;
    await expect(httpGet(`${launched.url}api`)).rejects.toThrow();
    // Opening a stopped container is refused with a reason.
    expect((await t.fails('openAiLab', id)).message).toMatch(/not running/);

    const started = await t.ok('startAiLabContainer', id);
    expect(started.state).toBe('running');
    expect(started.url).toBe(launched.url);
    await expect.poll(async () => (await httpGet(`${launched.url}api`).catch(() => ({ status: 0 }))).status, { timeout: 15_000 }).toBe(200);

    const before = started.startedAt;
    const restarted = await t.ok('restartAiLabContainer', id);
    expect(restarted.state).toBe('running');
    expect(restarted.startedAt).not.toBe(before);
    await expect.poll(async () => (await httpGet(`${launched.url}files/notes.txt`).catch(() => ({ body: '' }))).body, { timeout: 15_000 }).toBe('still here');

    // Logs: the tail, then following until the container stops.
    const tail = await t.ok('getAiLabLogs', id, { tail: 50 });
    await expect.poll(async () => (await t.ok('getAiLabLogs', id, { tail: 50 })).some((l) => JUPYTER_READY_LINE.test(l.line)), { timeout: 15_000 }).toBe(true);
    expect(tail.every((l) => l.stream === 'stdout' || l.stream === 'stderr')).toBe(true);
    const followed: LogLine[] = [];
    const off = t.core.bus.on('launcherLog', (lines) => followed.push(...lines.filter((l) => l.source === 'follow-1')));
    const ended = waitForBus<LogLine[]>(
      (l) => t.core.bus.on('launcherLog', l),
      (lines) => lines.some((l) => l.source === 'follow-1' && l.end),
      20_000,
    );
    await t.ok('followAiLabLogs', 'follow-1', id, { tail: 20 });
    await expect.poll(() => followed.some((l) => JUPYTER_READY_LINE.test(l.line)), { timeout: 10_000 }).toBe(true);
    await t.ok('stopAiLabContainer', id);
    await ended;
    off();
    expect(followed.at(-1)).toMatchObject({ stream: 'system', end: true });
    expect((await t.ok('stopFollowingAiLabLogs', 'follow-1')).stopped).toBe(false);

    // Remove: refused while running without force; the volume always survives.
    await t.ok('startAiLabContainer', id);
    const refused = await t.fails('removeAiLabContainer', id, { force: false });
    expect(refused.code).toBe('CONTAINER_RUNNING');
    expect(refused.hint).toMatch(/%pip/);
    const gone = changed(
      (c) => c === undefined,
      () => id,
    );
    expect(await t.ok('removeAiLabContainer', id, { force: true })).toEqual({ removed: opts.name });
    await gone;
    await expect(docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(docker.getVolume(volume).inspect()).resolves.toMatchObject({ Name: volume });
  });

  it('says how a stop ended when Docker had to end the container with SIGKILL, not "exited (137)"', async () => {
    // `sleep` as PID 1 has no SIGTERM handler, so the kernel ignores SIGTERM: docker stop waits, then kills.
    const c = await docker.createContainer({
      Image: AI_LAB_FIXTURES.aiLab6.alias,
      Entrypoint: ['sleep'],
      Cmd: ['600'],
      Labels: TEST_LABEL,
      HostConfig: { NetworkMode: 'none' },
    });
    t.containers.push(c.id);
    await c.start();
    const stopped = await t.ok('stopAiLabContainer', c.id);
    expect(stopped).toMatchObject({ state: 'exited', exitCode: 137 });
    expect(stopped.exitNote).toBe('It did not stop within 10 s of being asked to, so Docker ended it (SIGKILL, exit code 137).');
    // The list says the same afterwards.
    expect((await t.ok('listAiLabContainers')).find((x) => x.id === c.id)?.exitNote).toBe(stopped.exitNote);
  });

  it('lists AI-Lab containers it did not launch (by image) with their volume and URL', async () => {
    const volume = await volumeWithFiles(t, {});
    const hostPort = await freePort();
    const name = `ext-${Date.now().toString(36)}`;
    t.containers.push(name);
    // Started the seed's way (`docker run --publish ... --volume ...`), under the real repository name.
    const c = await docker.createContainer({
      name,
      Image: AI_LAB_FIXTURES.sandbox.alias,
      Labels: { 'com.exasol.ailab-desktop.test': '1' },
      ExposedPorts: { '8888/tcp': {} },
      HostConfig: {
        Mounts: [{ Type: 'volume', Source: volume, Target: '/root/notebooks' }],
        PortBindings: { '8888/tcp': [{ HostIp: '0.0.0.0', HostPort: String(hostPort) }] },
      },
    });
    await c.start();
    const list = await t.ok('listAiLabContainers');
    const row = list.find((x) => x.name === name);
    expect(row).toMatchObject({
      image: AI_LAB_FIXTURES.sandbox.alias,
      version: '0.1.0',
      state: 'running',
      volume,
      notebooksPath: '/root/notebooks',
      hostPort,
      listenIp: '0.0.0.0',
      // Published on all interfaces, opened through loopback: the engine is local.
      url: `http://127.0.0.1:${hostPort}/`,
      launchedByApp: false,
    });
    const opened = await t.ok('openAiLab', name);
    expect(opened.url).toBe(`http://127.0.0.1:${hostPort}/`);
    expect(t.opened.at(-1)).toBe(opened.url);
  });

  it('offers the local tags of the AI-Lab repositories, and the default image', async () => {
    const fresh = await t.ok('updateSettings', { aiLabImage: 'exasol/ai-lab', aiLabVersion: 'latest' });
    expect(fresh.aiLabVersion).toBe('latest');
    const list = await t.ok('listAiLabImages');
    expect(list.defaultImage).toBe('exasol/ai-lab:latest');
    const refs = list.images.map((i) => i.ref);
    expect(refs[0]).toBe('exasol/ai-lab:latest');
    expect(list.images[0]?.present).toBe(false);
    expect(refs).toEqual(expect.arrayContaining([AI_LAB_FIXTURES.aiLab6.alias, AI_LAB_FIXTURES.sandbox.alias]));
    expect(refs.some((r) => r.startsWith('ailab-fixture/'))).toBe(false);
    expect(refs.indexOf(AI_LAB_FIXTURES.aiLab6.alias)).toBeLessThan(refs.indexOf(AI_LAB_FIXTURES.aiLab1.alias));
  });
});
