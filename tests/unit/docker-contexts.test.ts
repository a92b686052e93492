import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DockerStatus } from '../../shared/contract/docker';
import type { JobSummary } from '../../shared/contract/jobs';
import { defaultSettings, type Settings } from '../../shared/contract/settings';
import { currentContextName, envForContext, knownContextNames, listDockerContexts, type ListContextsOptions } from '../../electron/services/docker/contexts';
import { DockerService } from '../../electron/services/docker/dockerService';
import { contextDirName } from '../../electron/services/docker/endpoint';
import type { DockerConnection } from '../../electron/services/docker/types';

const HOME = '/home/me';
const CONFIG = path.join(HOME, '.docker');

/** A docker config folder in memory: file → content; the system socket exists. */
function fakeFs(files: Record<string, string>): ListContextsOptions {
  const all = new Map(Object.entries(files));
  return {
    platform: 'linux',
    homedir: HOME,
    exists: (f) => f === '/var/run/docker.sock' || all.has(f),
    readFile: (f) => {
      const text = all.get(f);
      if (text === undefined) throw new Error(`ENOENT: ${f}`);
      return text;
    },
    readDir: (dir) => {
      const prefix = `${dir}/`;
      return [...new Set([...all.keys()].filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length).split('/')[0] as string))];
    },
  };
}

function meta(name: string, host: string | null, description = ''): Record<string, string> {
  const file = path.join(CONFIG, 'contexts', 'meta', contextDirName(name), 'meta.json');
  return {
    [file]: JSON.stringify({
      Name: name,
      Metadata: { Description: description },
      Endpoints: host === null ? {} : { docker: { Host: host, SkipTLSVerify: false } },
    }),
  };
}

const files = {
  ...meta('server', 'ssh://me@host', 'the lab server'),
  ...meta('second', 'unix:///run/ailab-second/docker.sock'),
  ...meta('broken', 'ftp://nope'),
  ...meta('nodocker', null),
  [path.join(CONFIG, 'contexts', 'meta', 'junk', 'meta.json')]: '{not json',
};

describe('listDockerContexts', () => {
  it('lists default first, then the contexts on disk by name, with their endpoints and errors', () => {
    const list = listDockerContexts({ HOME }, fakeFs(files));
    expect(list.map((c) => c.name)).toEqual(['default', 'broken', 'nodocker', 'second', 'server']);
    expect(list[0]).toMatchObject({ name: 'default', url: 'unix:///var/run/docker.sock', protocol: 'unix', current: true, error: null });
    expect(list.find((c) => c.name === 'server')).toEqual({
      name: 'server',
      description: 'the lab server',
      url: 'ssh://me@host',
      protocol: 'ssh',
      current: false,
      error: null,
    });
    expect(list.find((c) => c.name === 'second')).toMatchObject({ url: 'unix:///run/ailab-second/docker.sock', protocol: 'unix', error: null });
    const broken = list.find((c) => c.name === 'broken');
    expect(broken).toMatchObject({ url: '', protocol: null });
    expect(broken?.error).toMatch(/invalid host "ftp:\/\/nope"/);
    expect(list.find((c) => c.name === 'nodocker')?.error).toMatch(/no docker endpoint/);
  });

  it('marks the current context: DOCKER_CONTEXT, else config.json, and default while DOCKER_HOST is set', () => {
    const withConfig = { ...files, [path.join(CONFIG, 'config.json')]: JSON.stringify({ currentContext: 'server' }) };
    const current = (env: NodeJS.ProcessEnv) =>
      listDockerContexts({ HOME, ...env }, fakeFs(withConfig))
        .filter((c) => c.current)
        .map((c) => c.name);
    expect(current({})).toEqual(['server']);
    expect(current({ DOCKER_CONTEXT: 'second' })).toEqual(['second']);
    expect(current({ DOCKER_CONTEXT: 'second', DOCKER_HOST: 'tcp://elsewhere:2375' })).toEqual(['default']);
    expect(currentContextName({ HOME, DOCKER_CONTEXT: 'default' }, fakeFs(withConfig))).toBe('default');
  });

  it('lists a current context that does not exist, with the reason, but does not count it as known', () => {
    const list = listDockerContexts({ HOME, DOCKER_CONTEXT: 'gone' }, fakeFs(files));
    const gone = list.find((c) => c.name === 'gone');
    expect(gone).toMatchObject({ current: true, url: '' });
    expect(gone?.error).toMatch(/does not exist/);
    expect(knownContextNames({ HOME, DOCKER_CONTEXT: 'gone' }, fakeFs(files))).toEqual(['default', 'broken', 'nodocker', 'second', 'server']);
  });

  it('reads DOCKER_CONFIG instead of ~/.docker, and an empty or missing folder gives only default', () => {
    const elsewhere = Object.fromEntries(Object.entries(meta('x', 'tcp://x:2375')).map(([f, t]) => [f.replace(CONFIG, '/cfg'), t]));
    expect(listDockerContexts({ HOME, DOCKER_CONFIG: '/cfg' }, fakeFs(elsewhere)).map((c) => c.name)).toEqual(['default', 'x']);
    expect(listDockerContexts({ HOME }, fakeFs({})).map((c) => c.name)).toEqual(['default']);
  });

  it('envForContext is `docker --context`: the name wins over DOCKER_HOST', () => {
    const env = envForContext({ HOME, DOCKER_HOST: 'tcp://a:2375', DOCKER_CONTEXT: 'b' }, 'server');
    expect(env).toEqual({ HOME, DOCKER_CONTEXT: 'server' });
    expect(currentContextName(env, fakeFs(files))).toBe('server');
  });
});

describe('DockerService', () => {
  const status: DockerStatus = { state: 'connected', endpoint: null, engineVersion: '20', apiVersion: '1.41', os: 'linux', error: null, nextRetryAt: null };

  function service(jobs: Array<Partial<JobSummary>> = [], env: NodeJS.ProcessEnv = { HOME }) {
    let settings: Settings = defaultSettings();
    const used: Array<string | null> = [];
    const connection = {
      status: () => ({
        ...status,
        endpoint: { url: 'unix:///var/run/docker.sock', protocol: 'unix', source: 'default socket', context: null, tls: false, local: true },
      }),
      useContext: async (name: string | null) => {
        used.push(name);
        return status;
      },
    } as unknown as DockerConnection;
    const svc = new DockerService({
      connection,
      env,
      settings: { get: () => settings, update: async (p) => (settings = { ...settings, ...p }) },
      runningJobs: () => jobs as JobSummary[],
      contextsIo: fakeFs(files),
    });
    return { svc, used, settings: () => settings };
  }

  it('switches, remembers the choice and reports it as selected and active', async () => {
    const s = service([], { HOME, DOCKER_HOST: 'unix:///elsewhere.sock' });
    expect(s.svc.listContexts()).toMatchObject({ selected: null, active: 'default', dockerHostOverride: 'unix:///elsewhere.sock' });
    await s.svc.useContext('server');
    expect(s.used).toEqual(['server']);
    expect(s.settings().dockerContext).toBe('server');
    expect(s.svc.listContexts()).toMatchObject({ selected: 'server', active: 'server' });
    await s.svc.useContext(null);
    expect(s.settings().dockerContext).toBe('');
    expect(s.svc.listContexts()).toMatchObject({ selected: null, active: 'default' });
  });

  it('refuses an unknown name, listing the known ones', async () => {
    const s = service();
    await expect(s.svc.useContext('nosuch')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: 'There is no docker context "nosuch". Known contexts: default, broken, nodocker, second, server.',
    });
    expect(s.used).toEqual([]);
  });

  it('refuses while a job runs, naming the engine it runs on', async () => {
    const s = service([{ id: 'j1', kind: 'backup', volume: 'notebooks', status: 'running' }]);
    await expect(s.svc.useContext('server')).rejects.toMatchObject({
      code: 'JOB_CONFLICT',
      message: 'Finish or cancel the running job first: it runs on default (unix:///var/run/docker.sock).',
    });
    expect(s.used).toEqual([]);
    expect(s.settings().dockerContext).toBe('');
  });

  it('a finished job does not stand in the way', async () => {
    const s = service([{ id: 'j1', kind: 'backup', volume: 'notebooks', status: 'succeeded' }]);
    await s.svc.useContext('second');
    expect(s.used).toEqual(['second']);
  });
});
