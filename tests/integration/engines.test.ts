import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerContextInfo } from '../../shared/contract/docker';
import { EXIT } from '../../electron/cli/exitCodes';
import { createCore } from '../../electron/services/createCore';
import { ailabInProcess as ailab, cliHome, runBuiltCli } from '../support/cli';
import { coreTestEnv, type CoreTestEnv } from '../support/core';
import { TEST_DOCKER_HOST, TEST_LABEL, uniqueName } from '../support/docker';
import { testResources } from '../support/resources';
import { startSecondEngine, withContexts, type SecondEngine } from '../support/secondEngine';
import { waitForEvent, waitUntil } from '../support/wait';

/**
 * Two real engines: the test engine (the `default` context, or `first` when the tests run on a private
 * dockerd) and a second dockerd (the `second` context), each with a volume the other lacks.
 */
const res = testResources('engines');
cliHome('engines', {});
let second: SecondEngine;
let configDir: string;
let onFirst: string;
let onSecond: string;
const savedDockerConfig = process.env.DOCKER_CONFIG;
/** The context that names the test engine. */
const FIRST = TEST_DOCKER_HOST ? 'first' : 'default';

const names = (out: string) => (JSON.parse(out) as Array<{ name: string }>).map((v) => v.name);

beforeAll(async () => {
  second = await startSecondEngine();
  configDir = withContexts(fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-engines-config-')), {
    second: second.host,
    ...(TEST_DOCKER_HOST ? { first: TEST_DOCKER_HOST } : {}),
  });
  process.env.DOCKER_CONFIG = configDir;
  onFirst = await res.volume();
  onSecond = uniqueName('engines-second');
  await second.docker.createVolume({ Name: onSecond, Labels: TEST_LABEL });
});

afterAll(async () => {
  await second?.docker
    .getVolume(onSecond)
    .remove({ force: true })
    .catch(() => undefined);
  await res.removeAll();
  await second?.stop();
  if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = savedDockerConfig;
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
});

describe('ailab --context', () => {
  it.each([
    ['before the command', ['--context', 'second', 'volumes', 'ls', '--json', '--no-size']],
    ['after the command', ['volumes', 'ls', '--context', 'second', '--json', '--no-size']],
    ['as -c', ['-c', 'second', 'volumes', 'ls', '--json', '--no-size']],
    ['as --context=', ['volumes', '--context=second', 'ls', '--json', '--no-size']],
  ])('lists the second engine’s volumes, given %s', async (_, argv) => {
    const r = await ailab(...argv);
    expect(r.code, r.err).toBe(EXIT.OK);
    expect(names(r.out)).toContain(onSecond);
    expect(names(r.out)).not.toContain(onFirst);
  });

  it('without it lists the test engine’s volumes', async () => {
    const r = await ailab('volumes', 'ls', '--json', '--no-size');
    expect(r.code, r.err).toBe(EXIT.OK);
    expect(names(r.out)).toContain(onFirst);
    expect(names(r.out)).not.toContain(onSecond);
  });

  it('wins over DOCKER_HOST, as `docker --context` does', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      const r = await ailab('--context', 'second', 'volumes', 'ls', '--json', '--no-size');
      expect(r.code, r.err).toBe(EXIT.OK);
      expect(names(r.out)).toContain(onSecond);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });

  it('an unknown context fails like an unreachable Docker, naming the known contexts', async () => {
    const r = await ailab('--context', 'nosuch', 'volumes', 'ls');
    expect(r.code).toBe(EXIT.DOCKER_UNREACHABLE);
    expect(r.err).toContain('There is no docker context "nosuch". Known contexts: default, ');
    expect(r.err).toContain('second');
    const json = await ailab('volumes', 'ls', '--json', '-c', 'nosuch');
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, error: { code: 'DOCKER_UNREACHABLE' }, exitCode: EXIT.DOCKER_UNREACHABLE });
  });

  it('refuses --context without a name, or two different ones (usage)', async () => {
    expect((await ailab('volumes', 'ls', '--context')).code).toBe(EXIT.USAGE);
    const two = await ailab('--context', 'second', 'volumes', 'ls', '-c', 'default');
    expect(two.code).toBe(EXIT.USAGE);
    expect(two.err).toContain('--context is given twice');
  });

  it('`ailab contexts` lists them, marking the one in use', async () => {
    const r = await ailab('contexts', '--json');
    expect(r.code, r.err).toBe(EXIT.OK);
    const list = JSON.parse(r.out) as DockerContextInfo[];
    expect(list[0]).toMatchObject({ name: 'default', error: null });
    expect(list.find((c) => c.name === 'second')).toMatchObject({ url: second.host, protocol: 'unix', current: false, error: null });
    expect(list.find((c) => c.current)?.name).toBe('default');

    const picked = JSON.parse((await ailab('-c', 'second', 'contexts', '--json')).out) as DockerContextInfo[];
    expect(picked.find((c) => c.current)?.name).toBe('second');

    const table = await ailab('contexts');
    expect(table.out).toMatch(/^NAME\s+DESCRIPTION\s+DOCKER ENDPOINT/);
    expect(table.out).toMatch(new RegExp(`^second\\s+${second.host.replace(/\//g, '\\/')}`, 'm'));
  });

  it('works in the built CLI as a process, with DOCKER_HOST pointing elsewhere', async () => {
    const r = await runBuiltCli(['volumes', 'ls', '--no-size', '--json', '--context', 'second'], {
      env: { DOCKER_CONFIG: configDir, DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
    });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(names(r.stdout)).toContain(onSecond);
    expect(names(r.stdout)).not.toContain(onFirst);
  });

  it('is in the main help', async () => {
    const r = await ailab('--help');
    expect(r.out).toContain('-c, --context NAME');
    expect(r.out).toMatch(/contexts\s+list the Docker engines/);
  });
});

describe('useDockerContext (service)', () => {
  let t: CoreTestEnv;
  beforeAll(async () => {
    t = await coreTestEnv('engines-svc');
  });
  afterAll(() => t?.cleanup());

  it('switches the volume list to the other engine, remembers it, and goes back', async () => {
    const before = await t.ok('listVolumes');
    expect(before.map((v) => v.name)).toContain(onFirst);
    await t.ok('getVolumeSizes');
    expect(t.core.volumes.sizes.get(onFirst)).not.toBeNull();

    const changed = waitForEvent<{ reason: string }>(
      (l) => t.core.bus.on('volumesChanged', l),
      () => true,
      10_000,
    );
    const status = await t.ok('useDockerContext', 'second');
    expect(status).toMatchObject({ state: 'connected', endpoint: { context: 'second', url: second.host } });
    await changed;
    // Sizes are by name; the other engine's are other volumes.
    expect(t.core.volumes.sizes.get(onFirst)).toBeNull();
    const after = (await t.ok('listVolumes')).map((v) => v.name);
    expect(after).toContain(onSecond);
    expect(after).not.toContain(onFirst);
    expect(await t.ok('listDockerContexts')).toMatchObject({ selected: 'second', active: 'second' });
    expect(JSON.parse(fs.readFileSync(path.join(t.home, 'settings.json'), 'utf8'))).toMatchObject({ dockerContext: 'second' });

    // A new app process starts on the remembered engine.
    const again = await createCore({ mode: 'browser', openExternal: async () => undefined, env: { ...process.env, AILAB_DESKTOP_HOME: t.home } });
    try {
      expect(await waitUntil(() => again.docker.status().state === 'connected', 20_000)).toBe(true);
      expect(again.docker.status().endpoint?.context).toBe('second');
    } finally {
      await again.shutdown();
    }

    const back = await t.ok('useDockerContext', null);
    expect(back.state).toBe('connected');
    expect((await t.ok('listVolumes')).map((v) => v.name)).toContain(onFirst);
    expect(await t.ok('listDockerContexts')).toMatchObject({ selected: null });
  });

  it('refuses while a job runs, naming its engine, and switches once it has ended', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-engines-backup-'));
    try {
      const job = await t.ok('startBackup', { volume: onFirst, dir, fileName: 'during-switch.tgz', overwrite: false, stopContainers: false });
      expect(job.status).toBe('running');
      const err = await t.fails('useDockerContext', 'second');
      expect(err.code).toBe('JOB_CONFLICT');
      expect(err.message).toMatch(/^Finish or cancel the running job first: it runs on \S+ \(unix:\/\/.+\)\.$/);
      expect(t.core.docker.status().endpoint?.context ?? null).toBe(FIRST === 'default' ? null : FIRST);
      expect((await t.core.jobs.manager.wait(job.id)).status).toBe('succeeded');
      expect(await t.ok('useDockerContext', 'second')).toMatchObject({ state: 'connected', endpoint: { context: 'second' } });
      await t.ok('useDockerContext', null);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an unknown context and keeps the engine', async () => {
    const err = await t.fails('useDockerContext', 'nosuch');
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/^There is no docker context "nosuch"\. Known contexts: default, .*second/);
    expect(t.core.docker.status().endpoint?.context ?? 'default').toBe(FIRST === 'default' ? 'default' : FIRST);
  });
});
