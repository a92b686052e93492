import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import type { CoreServices } from '../../electron/services/core/context';
import { EventBus } from '../../electron/services/core/eventBus';
import type { DockerConnection } from '../../electron/services/docker/types';
import { launcherHandlers } from '../../electron/services/launcher/handlers';
import { LauncherService } from '../../electron/services/launcher/launcherService';
import type { DockerEndpoint, DockerStatus } from '../../shared/contract/docker';
import { defaultSettings } from '../../shared/contract/settings';
import type { LaunchOptions, LaunchStateEvent } from '../../shared/contract/launcher';

interface FakeContainer {
  Id: string;
  Name: string;
  Created: string;
  Config: { Image: string; Labels: Record<string, string>; Tty: boolean; Env: string[] };
  State: { Status: string; Running: boolean; StartedAt: string; ExitCode: number };
  Mounts: Array<{ Type: string; Name?: string; Destination: string }>;
  HostConfig: { PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> };
  NetworkSettings: { Ports: Record<string, Array<{ HostIp: string; HostPort: string }>> };
}

/** Just enough of an engine for one launch: an image, a volume, containers that log the ready line. */
function fakeEngine(readyLine = true) {
  const containers = new Map<string, FakeContainer>();
  const notFound = () => Object.assign(new Error('no such'), { statusCode: 404 });
  const find = (ref: string) => containers.get(ref) ?? [...containers.values()].find((c) => c.Name === `/${ref}`);
  const handle = (ref: string) => ({
    id: ref,
    async inspect() {
      const c = find(ref);
      if (!c) throw notFound();
      return structuredClone(c);
    },
    async start() {
      const c = find(ref);
      if (!c) throw notFound();
      c.State = { Status: 'running', Running: true, StartedAt: new Date().toISOString(), ExitCode: 0 };
      c.NetworkSettings.Ports = c.HostConfig.PortBindings;
    },
    async remove() {
      const c = find(ref);
      if (c) containers.delete(c.Id);
    },
    async logs() {
      const s = new PassThrough();
      if (readyLine) setTimeout(() => s.write('[I ServerApp] Jupyter Server 2.14.0 is running at:\n'), 5);
      return s;
    },
  });
  const docker = {
    getContainer: handle,
    getImage: () => ({
      inspect: async () => ({
        Id: 'sha256:img',
        Config: { ExposedPorts: { '49494/tcp': {} }, Volumes: { '/home/jupyter/notebooks': {} }, Env: ['NOTEBOOKS=/home/jupyter/notebooks'] },
      }),
    }),
    getVolume: () => ({ inspect: async () => ({ Name: 'notebooks' }) }),
    listContainers: async () => [...containers.values()].map((c) => ({ Id: c.Id, Names: [c.Name], Image: c.Config.Image, Labels: c.Config.Labels, Ports: [] })),
    async createContainer(o: {
      name: string;
      Image: string;
      Labels: Record<string, string>;
      Env: string[];
      HostConfig: { Mounts: Array<{ Source: string; Target: string; Type: string }>; PortBindings: FakeContainer['HostConfig']['PortBindings'] };
    }) {
      const id = `c${containers.size + 1}`.padEnd(64, '0');
      containers.set(id, {
        Id: id,
        Name: `/${o.name}`,
        Created: new Date().toISOString(),
        Config: { Image: o.Image, Labels: o.Labels, Tty: true, Env: o.Env },
        State: { Status: 'created', Running: false, StartedAt: '0001-01-01T00:00:00Z', ExitCode: 0 },
        Mounts: o.HostConfig.Mounts.map((m) => ({ Type: m.Type, Name: m.Source, Destination: m.Target })),
        HostConfig: { PortBindings: o.HostConfig.PortBindings },
        NetworkSettings: { Ports: {} },
      });
      return handle(id);
    },
  } as unknown as Dockerode;
  return { docker, containers };
}

function fakeCore(docker: Dockerode, endpoint: DockerEndpoint) {
  const opened: string[] = [];
  const status: DockerStatus = { state: 'connected', endpoint, engineVersion: '27', apiVersion: '1.47', os: 'linux', error: null, nextRetryAt: null };
  const connection: DockerConnection = {
    status: () => status,
    client: () => docker,
    start: () => undefined,
    stop: async () => undefined,
    retryNow: async () => status,
    connectOnce: async () => status,
    useContext: async () => status,
    onStatus: () => () => undefined,
    onEngineEvent: () => () => undefined,
  };
  const core = {
    mode: 'browser',
    version: '0.0.0',
    bus: new EventBus(),
    settings: (() => {
      // In memory: a launch remembers its image as the settings' image and version.
      let current = defaultSettings();
      return { get: () => current, update: async (patch: Partial<typeof current>) => (current = { ...current, ...patch }) };
    })(),
    docker: connection,
    dataDir: '/tmp',
    openExternal: async (url: string) => {
      opened.push(url);
    },
    desktop: null,
    onShutdown: () => undefined,
  } as unknown as CoreServices;
  return { core, opened };
}

const remote: DockerEndpoint = { url: 'tcp://docker.example.com:2376', protocol: 'tcp', source: 'DOCKER_HOST', context: null, tls: true, local: false };
const local: DockerEndpoint = { url: 'unix:///var/run/docker.sock', protocol: 'unix', source: 'default socket', context: null, tls: false, local: true };

const options = (o: Partial<LaunchOptions> = {}): LaunchOptions => ({
  image: 'exasol/ai-lab:6.1.0',
  volume: 'notebooks',
  createVolume: false,
  name: 'ai-lab',
  listenIp: '0.0.0.0',
  hostPort: 49494,
  dockerSocket: false,
  startExisting: false,
  pull: false,
  timeoutSeconds: 5,
  open: true,
  ...o,
});

describe('the URL handed to the browser opener is the one main built', () => {
  it("remote engine: the engine's host, opened once when ready (auto-open) and again by openAiLab", async () => {
    const { docker } = fakeEngine();
    const { core, opened } = fakeCore(docker, remote);
    const h = launcherHandlers(new LauncherService(core, { probe: async () => false }));
    const states: LaunchStateEvent[] = [];
    core.bus.on('launchState', (e) => states.push(e));
    const out = await h.launchAiLab('u1', options());
    expect(out.url).toBe('http://docker.example.com:49494/');
    expect(out.readyBy).toBe('log');
    expect(opened).toEqual(['http://docker.example.com:49494/']);
    expect(states.map((s) => s.state)).toEqual(['checking', 'creating', 'starting', 'waiting', 'ready']);
    expect(states.at(-1)?.url).toBe(out.url);

    const r = await h.openAiLab('ai-lab');
    expect(r.url).toBe('http://docker.example.com:49494/');
    expect(opened).toEqual(['http://docker.example.com:49494/', 'http://docker.example.com:49494/']);
  });

  it('local engine listening on 0.0.0.0: loopback; no auto-open unless asked', async () => {
    const { docker } = fakeEngine();
    const { core, opened } = fakeCore(docker, local);
    const h = launcherHandlers(new LauncherService(core, { probe: async () => false }));
    // A local engine gets the bind test on this machine: a random high port is almost surely free.
    const out = await h.launchAiLab('u2', options({ open: false, hostPort: 40000 + Math.floor(Math.random() * 20000) }));
    expect(out.url).toBe(`http://127.0.0.1:${out.hostPort}/`);
    expect(opened).toEqual([]);
    expect(out.warnings.map((w) => w.code)).toContain('LISTEN_ALL_INTERFACES');
    await h.openAiLab(out.containerId);
    expect(opened).toEqual([out.url]);
  });

  it('readiness by GET /api when the log says nothing; the probe asks the host main built the URL for', async () => {
    const { docker } = fakeEngine(false);
    const { core, opened } = fakeCore(docker, remote);
    const probed: string[] = [];
    const h = launcherHandlers(
      new LauncherService(core, {
        probe: async (host, port) => {
          probed.push(`${host}:${port}`);
          return probed.length >= 2;
        },
      }),
    );
    const out = await h.launchAiLab('u3', options({ hostPort: 50001 }));
    expect(out.readyBy).toBe('api');
    expect(probed[0]).toBe('docker.example.com:50001');
    expect(opened).toEqual(['http://docker.example.com:50001/']);
  });

  it('times out with what to look at, and opens nothing', async () => {
    const { docker, containers } = fakeEngine(false);
    const { core, opened } = fakeCore(docker, remote);
    const h = launcherHandlers(new LauncherService(core, { probe: async () => false }));
    await expect(h.launchAiLab('u4', options({ timeoutSeconds: 1 }))).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: 'Jupyter in container "ai-lab" did not become ready within 1 s.',
    });
    expect(opened).toEqual([]);
    // The container is left for the user to inspect.
    expect([...containers.values()][0]?.State.Running).toBe(true);
  });

  it('cancel stops waiting and leaves the container', async () => {
    const { docker, containers } = fakeEngine(false);
    const { core, opened } = fakeCore(docker, remote);
    const h = launcherHandlers(new LauncherService(core, { probe: async () => false }));
    core.bus.on('launchState', (e) => {
      if (e.state === 'waiting') void h.cancelAiLabLaunch('u5');
    });
    await expect(h.launchAiLab('u5', options())).rejects.toMatchObject({
      code: 'CANCELLED',
      message: expect.stringMatching(/left as it is \(still running\)/),
    });
    expect(containers.size).toBe(1);
    expect(opened).toEqual([]);
    expect(await h.cancelAiLabLaunch('u5')).toEqual({ cancelled: false });
  });

  it('a browser that cannot be opened is a warning, not a failed launch', async () => {
    const { docker } = fakeEngine();
    const { core } = fakeCore(docker, remote);
    const broken = { ...core, openExternal: async () => Promise.reject(new Error('xdg-open not found')) } as CoreServices;
    const h = launcherHandlers(new LauncherService(broken, { probe: async () => false }));
    const out = await h.launchAiLab('u6', options());
    expect(out.url).toBe('http://docker.example.com:49494/');
    expect(out.warnings).toContainEqual({
      code: 'OPEN_FAILED',
      blocking: false,
      message: 'Could not open the browser (xdg-open not found); open http://docker.example.com:49494/ yourself.',
    });
  });

  it('refuses to act on a non-AI-Lab container, so the renderer cannot open or remove arbitrary ones', async () => {
    const { docker, containers } = fakeEngine();
    const { core, opened } = fakeCore(docker, local);
    const h = launcherHandlers(new LauncherService(core));
    await docker.createContainer({ name: 'postgres', Image: 'postgres:16', Labels: {}, Env: [], HostConfig: { Mounts: [], PortBindings: {} } } as never);
    await expect(h.openAiLab('postgres')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(h.removeAiLabContainer('postgres', { force: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(containers.size).toBe(1);
    expect(opened).toEqual([]);
  });
});
