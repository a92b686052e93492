import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../shared/ailab';
import type { LaunchStateEvent, LogLine } from '../../shared/contract/launcher';
import { docker, TEST_LABEL } from '../support/docker';
import { AI_LAB_FIXTURES, JUPYTER_READY_LINE } from '../support/fixtures';
import { waitUntil } from '../support/wait';
import { freePort, holdPort, httpGet, launcherTestEnv, launchOptions, uniqueName, volumeWithFiles, type LauncherTestEnv } from './launcher-support';

let t: LauncherTestEnv;

beforeAll(async () => {
  t = await launcherTestEnv('launch');
});

afterAll(async () => {
  await t?.cleanup();
});

function recordStates(launchId: string): { states: LaunchStateEvent[]; stop: () => void } {
  const states: LaunchStateEvent[] = [];
  const stop = t.core.bus.on('launchState', (e) => {
    if (e.launchId === launchId) states.push(e);
  });
  return { states, stop };
}

function recordLog(source: string): { lines: LogLine[]; stop: () => void } {
  const lines: LogLine[] = [];
  const stop = t.core.bus.on('launcherLog', (batch) => {
    for (const l of batch) if (l.source === source) lines.push(l);
  });
  return { lines, stop };
}

describe.each([
  ['AI-Lab 6.x', AI_LAB_FIXTURES.aiLab6],
  ['seed-era data-science-sandbox', AI_LAB_FIXTURES.sandbox],
])('launch with the %s layout', (_label, fixture) => {
  it('reads port and notebooks path from the image, mounts the volume there and waits for Jupyter', async () => {
    const marker = `hello from ${uniqueName('file')}`;
    const volume = await volumeWithFiles(t, { 'hello.txt': marker });
    const hostPort = await freePort();

    const facts = await t.ok('inspectAiLabImage', fixture.image);
    expect(facts.containerPort).toBe(fixture.port);
    expect(facts.notebooksPath).toBe(fixture.notebooks);
    expect(facts.containerPortSource).toMatch(/^image: ExposedPorts/);
    expect(facts.notebooksPathSource).toBe(fixture.notebooksEnv ? 'image: Env NOTEBOOKS' : 'image: Volumes');

    const launchId = uniqueName('l').replace(/[^A-Za-z0-9_-]/g, '');
    const rec = recordStates(launchId);
    const log = recordLog(launchId);
    const opts = launchOptions(t, { image: fixture.image, volume, hostPort });
    const outcome = await t.ok('launchAiLab', launchId, opts);
    rec.stop();
    log.stop();

    expect(outcome.url).toBe(`http://127.0.0.1:${hostPort}/`);
    expect(outcome.notebooksPath).toBe(fixture.notebooks);
    expect(['log', 'api']).toContain(outcome.readyBy);
    expect(outcome.reused).toBe(false);
    // The file put into the volume is served from the folder the image calls its notebooks folder.
    const served = await httpGet(`${outcome.url}files/hello.txt`);
    expect(served.status).toBe(200);
    expect(served.body).toBe(marker);
    const api = await httpGet(`${outcome.url}api`);
    expect(api.status).toBe(200);

    const order = rec.states.map((s) => s.state);
    expect(order[0]).toBe('checking');
    expect(order.slice(-4)).toEqual(['creating', 'starting', 'waiting', 'ready']);
    expect(rec.states.at(-1)?.url).toBe(outcome.url);
    expect(rec.states.at(-1)?.containerId).toBe(outcome.containerId);
    // The ready line may arrive a moment after /api answers; wait for it rather than race it.
    if (outcome.readyBy === 'log') expect(log.lines.some((l) => JUPYTER_READY_LINE.test(l.line))).toBe(true);
    expect(log.lines.length).toBeGreaterThan(0);
    expect(log.lines.every((l) => l.containerId === outcome.containerId && !l.line.includes('\n'))).toBe(true);

    const info = await docker.getContainer(outcome.containerId).inspect();
    expect(info.Config.Labels[LABELS.managed]).toBe('true');
    expect(info.Config.Labels[LABELS.launched]).toBe('true');
    expect(info.Config.Labels['com.exasol.ailab-desktop.test']).toBe('1');
    expect(info.HostConfig.RestartPolicy?.Name).toBe('no');
    expect(info.HostConfig.PortBindings[`${fixture.port}/tcp`]).toEqual([{ HostIp: '127.0.0.1', HostPort: String(hostPort) }]);
    const mount = info.Mounts.find((m) => m.Type === 'volume' && m.Name === volume);
    expect(mount?.Destination).toBe(fixture.notebooks);
    expect(info.Mounts.some((m) => m.Destination === '/var/run/docker.sock')).toBe(false);

    // The panel lists it with its URL, version and volume.
    const list = await t.ok('listAiLabContainers');
    const row = list.find((c) => c.id === outcome.containerId);
    expect(row).toMatchObject({ state: 'running', volume, url: outcome.url, hostPort, version: fixture.image.split(':')[1], launchedByApp: true });

    // Opening: main looks the container up and hands its own URL to the opener.
    const before = t.opened.length;
    const opened = await t.ok('openAiLab', opts.name);
    expect(opened.url).toBe(outcome.url);
    expect(t.opened.slice(before)).toEqual([outcome.url]);

    await t.ok('removeAiLabContainer', outcome.containerId, { force: true });
  });
});

describe('checks before the start', () => {
  it('catches a port another container publishes, names it and suggests a free one', async () => {
    const hostPort = await freePort();
    const holderName = uniqueName('port-holder');
    t.containers.push(holderName);
    const holder = await docker.createContainer({
      name: holderName,
      Image: AI_LAB_FIXTURES.aiLab6.image,
      Labels: TEST_LABEL,
      ExposedPorts: { '49494/tcp': {} },
      HostConfig: { PortBindings: { '49494/tcp': [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] } },
    });
    await holder.start();

    const check = await t.ok('checkAiLabPort', hostPort, '127.0.0.1');
    expect(check.free).toBe(false);
    expect(check.holder).toMatchObject({ kind: 'container', name: holderName });
    expect(check.suggestion).not.toBeNull();
    expect(check.suggestion).toBeGreaterThan(hostPort);
    // 0.0.0.0 collides with a 127.0.0.1 binding of the same port.
    expect((await t.ok('checkAiLabPort', hostPort, '0.0.0.0')).free).toBe(false);

    const volume = await volumeWithFiles(t, {});
    const opts = launchOptions(t, { image: AI_LAB_FIXTURES.aiLab6.image, volume, hostPort });
    const err = await t.fails('launchAiLab', 'port-taken-1', opts);
    expect(err.code).toBe('PORT_IN_USE');
    expect(err.message).toContain(holderName);
    expect(err.details?.suggestion).toBe(check.suggestion);
    expect(err.hint).toContain(`port ${check.suggestion}`);
    // Caught before anything was created.
    await expect(docker.getContainer(opts.name).inspect()).rejects.toMatchObject({ statusCode: 404 });

    // The preflight says the same before the user clicks Launch.
    const pre = await t.ok('checkAiLabLaunch', {
      image: AI_LAB_FIXTURES.aiLab6.image,
      volume,
      name: opts.name,
      listenIp: '127.0.0.1',
      hostPort,
      dockerSocket: false,
    });
    expect(pre.warnings.find((w) => w.code === 'PORT_IN_USE')).toMatchObject({ blocking: true });
    await holder.remove({ force: true, v: true });
  });

  it('catches a port a program on this computer listens on (bind test)', async () => {
    const hostPort = await freePort();
    let server: net.Server | null = await holdPort(hostPort);
    try {
      const check = await t.ok('checkAiLabPort', hostPort, '127.0.0.1');
      expect(check.bindTested).toBe(true);
      expect(check.free).toBe(false);
      expect(check.holder?.kind).toBe('host');
      expect(check.suggestion).not.toBe(hostPort);
      expect(check.suggestion).not.toBeNull();

      const volume = await volumeWithFiles(t, {});
      const opts = launchOptions(t, { image: AI_LAB_FIXTURES.sandbox.image, volume, hostPort });
      const err = await t.fails('launchAiLab', 'port-taken-2', opts);
      expect(err.code).toBe('PORT_IN_USE');
      expect(err.message).toMatch(/another program/);
      await expect(docker.getContainer(opts.name).inspect()).rejects.toMatchObject({ statusCode: 404 });
    } finally {
      await new Promise((r) => server?.close(r));
      server = null;
    }
    expect((await t.ok('checkAiLabPort', hostPort, '127.0.0.1')).free).toBe(true);
  });

  it('refuses an existing name with the details, and starts that container instead when asked', async () => {
    const volume = await volumeWithFiles(t, { 'keep.txt': 'kept' });
    const hostPort = await freePort();
    const opts = launchOptions(t, { image: AI_LAB_FIXTURES.aiLab6.image, volume, hostPort });
    const first = await t.ok('launchAiLab', 'exists-1', opts);
    await t.ok('stopAiLabContainer', first.containerId);

    const err = await t.fails('launchAiLab', 'exists-2', { ...opts, hostPort: await freePort() });
    expect(err.code).toBe('CONTAINER_EXISTS');
    expect(err.message).toContain(opts.name);
    expect(err.message).toContain(volume);
    expect(err.hint).toMatch(/%pip/);
    expect((err.details?.container as { id: string }).id).toBe(first.containerId);

    const again = await t.ok('launchAiLab', 'exists-3', { ...opts, startExisting: true });
    expect(again.reused).toBe(true);
    expect(again.containerId).toBe(first.containerId);
    expect(again.url).toBe(first.url);
    expect((await httpGet(`${again.url}files/keep.txt`)).body).toBe('kept');
  });

  it('points out a volume a running AI-Lab container already has mounted', async () => {
    const volume = await volumeWithFiles(t, {});
    const first = await t.ok('launchAiLab', 'shared-vol-1', launchOptions(t, { image: AI_LAB_FIXTURES.aiLab6.image, volume, hostPort: await freePort() }));
    const pre = await t.ok('checkAiLabLaunch', {
      image: AI_LAB_FIXTURES.aiLab6.image,
      volume,
      name: uniqueName('other'),
      listenIp: '0.0.0.0',
      hostPort: await freePort(),
      dockerSocket: true,
    });
    expect(pre.volumeUsedBy.map((c) => c.id)).toContain(first.containerId);
    const inUse = pre.warnings.find((w) => w.code === 'VOLUME_IN_USE');
    expect(inUse?.message).toContain(first.containerName);
    expect(pre.warnings.map((w) => w.code)).toEqual(expect.arrayContaining(['LISTEN_ALL_INTERFACES', 'DOCKER_SOCKET']));
    // Main builds the loopback URL for a local engine even when listening on all interfaces.
    expect(pre.url).toBe(`http://127.0.0.1:${pre.port?.port}/`);
  });

  it('creates a new volume when asked, and refuses a missing one otherwise', async () => {
    const volume = uniqueName('launch-newvol');
    t.volumes.push(volume);
    const opts = launchOptions(t, { image: AI_LAB_FIXTURES.aiLab1.image, volume, hostPort: await freePort() });
    const err = await t.fails('launchAiLab', 'newvol-1', opts);
    expect(err.code).toBe('VOLUME_NOT_FOUND');
    const out = await t.ok('launchAiLab', 'newvol-2', { ...opts, createVolume: true });
    expect(out.volumeCreated).toBe(true);
    expect(out.notebooksPath).toBe('/root/notebooks');
    expect(out.loginHint).toContain('ai-lab');
    const v = await docker.getVolume(volume).inspect();
    expect(v.Labels?.[LABELS.managed]).toBe('true');
  });

  it('refuses a password for an image that ignores JUPYTER_PASSWORD, and passes it to one that reads it', async () => {
    const volume = await volumeWithFiles(t, {});
    const old = launchOptions(t, { image: AI_LAB_FIXTURES.sandbox.image, volume, hostPort: await freePort(), password: 'secret-1' });
    const err = await t.fails('launchAiLab', 'pw-1', old);
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/JUPYTER_PASSWORD/);

    const current = launchOptions(t, { image: AI_LAB_FIXTURES.aiLab6.image, volume, hostPort: await freePort(), password: 'secret-2' });
    const out = await t.ok('launchAiLab', 'pw-2', current);
    expect(out.loginHint).toMatch(/password you set/);
    const info = await docker.getContainer(out.containerId).inspect();
    expect(info.Config.Env).toContain('JUPYTER_PASSWORD=secret-2');
    // The banner naming the password follows the ready line, so it may not be in the log yet.
    const shown = await waitUntil(async () => {
      const logs = await t.ok('getAiLabLogs', out.containerId, { tail: 100 });
      return logs.some((l) => l.line.includes('"secret-2"'));
    }, 10_000);
    expect(shown).toBe(true);
  });
});

describe('failures that explain themselves', () => {
  it('times out on an image that never gets ready, says what to look at and leaves the container', async () => {
    const volume = await volumeWithFiles(t, {});
    const opts = launchOptions(t, { image: AI_LAB_FIXTURES.neverReady.image, volume, hostPort: await freePort(), timeoutSeconds: 3 });
    const rec = recordStates('never-ready-1');
    const started = Date.now();
    const err = await t.fails('launchAiLab', 'never-ready-1', opts);
    rec.stop();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err.code).toBe('TIMEOUT');
    expect(err.message).toBe(`Jupyter in container "${opts.name}" did not become ready within 3 s.`);
    expect(err.hint).toMatch(/container log/);
    expect(err.hint).toContain(`port ${opts.hostPort}`);
    expect(err.hint).toContain(AI_LAB_FIXTURES.neverReady.image);
    expect((err.details?.lastLogLines as string[]).join('\n')).toMatch(/never becomes ready/);
    expect(rec.states.at(-1)).toMatchObject({ state: 'failed', error: { code: 'TIMEOUT' } });
    const info = await docker.getContainer(opts.name).inspect();
    expect(info.State.Running).toBe(true);
  });

  it('explains a pull that cannot reach the registry', async () => {
    const volume = await volumeWithFiles(t, {});
    const opts = launchOptions(t, { image: '127.0.0.1:9/ailab-test/not-there:1.0.0', volume, hostPort: await freePort() });
    const rec = recordStates('pull-1');
    const err = await t.fails('launchAiLab', 'pull-1', opts);
    rec.stop();
    expect(rec.states.map((s) => s.state)).toContain('pulling');
    expect(['IMAGE_PULL_FAILED', 'IMAGE_NOT_FOUND']).toContain(err.code);
    expect(err.message).toMatch(/^Pulling 127\.0\.0\.1:9\/ailab-test\/not-there:1\.0\.0 failed: the Docker engine cannot reach the registry\.$/);
    expect(err.hint).toMatch(/network/);
    expect(err.details?.engineMessage).toBeTruthy();
  });

  it('explains a pull of an image that does not exist (no registry here: the engine cannot reach docker.io)', async () => {
    const volume = await volumeWithFiles(t, {});
    const opts = launchOptions(t, { image: `exasol/ai-lab-does-not-exist-${Date.now()}:0.0.1`, volume, hostPort: await freePort() });
    const err = await t.fails('launchAiLab', 'pull-2', opts);
    expect(['IMAGE_PULL_FAILED', 'IMAGE_NOT_FOUND']).toContain(err.code);
    expect(err.message).toContain(opts.image);
    expect(err.message).not.toMatch(/HTTP code/);
    expect(err.hint).toBeTruthy();
  });

  it('does not act on containers that are not AI-Lab ones', async () => {
    const name = uniqueName('not-ailab');
    t.containers.push(name);
    await docker.createContainer({ name, Image: 'ailab-fixture/gnu-tar:latest', Cmd: ['true'], Labels: TEST_LABEL });
    const err = await t.fails('removeAiLabContainer', name, { force: true });
    expect(err.code).toBe('INVALID_ARGUMENT');
    await expect(docker.getContainer(name).inspect()).resolves.toBeTruthy();
    expect((await t.fails('openAiLab', 'no-such-container-xyz')).code).toBe('CONTAINER_NOT_FOUND');
  });
});
