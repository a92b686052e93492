import { describe, expect, it } from 'vitest';
import { isAiLabContainer, LAUNCH_LABELS, summariseContainer, type ContainerInspectLike } from '../../electron/services/launcher/containers';
import type { DockerEndpoint } from '../../shared/contract/docker';

const local: DockerEndpoint = { url: 'unix:///var/run/docker.sock', protocol: 'unix', source: 'default socket', context: null, tls: false, local: true };
const ssh: DockerEndpoint = { url: 'ssh://me@lab-host', protocol: 'ssh', source: 'DOCKER_CONTEXT', context: 'lab', tls: false, local: false };

function container(o: Partial<ContainerInspectLike> = {}): ContainerInspectLike {
  return {
    Id: 'abc123',
    Name: '/ai-lab',
    Created: '2024-05-01T10:00:00Z',
    Config: { Image: 'exasol/ai-lab:6.1.0', Labels: {}, Env: ['NOTEBOOKS=/home/jupyter/notebooks'] },
    State: { Status: 'running', Running: true, StartedAt: '2024-05-01T10:00:05Z', ExitCode: 0 },
    Mounts: [
      { Type: 'volume', Name: 'other', Destination: '/data' },
      { Type: 'volume', Name: 'my-notebooks', Destination: '/home/jupyter/notebooks' },
      { Type: 'bind', Source: '/var/run/docker.sock', Destination: '/var/run/docker.sock' },
    ],
    NetworkSettings: {
      Ports: {
        '49494/tcp': [
          { HostIp: '::', HostPort: '49494' },
          { HostIp: '0.0.0.0', HostPort: '49494' },
        ],
      },
    },
    ...o,
  };
}

describe('an AI-Lab container as the panel shows it', () => {
  it('finds the notebooks volume, the published port and the URL', () => {
    const s = summariseContainer(container(), local);
    expect(s).toMatchObject({
      name: 'ai-lab',
      version: '6.1.0',
      state: 'running',
      status: 'Running',
      volume: 'my-notebooks',
      notebooksPath: '/home/jupyter/notebooks',
      hostPort: 49494,
      listenIp: '0.0.0.0',
      url: 'http://127.0.0.1:49494/',
      dockerSocket: true,
      launchedByApp: false,
      exitCode: null,
      loginHint: 'Log in with the default password "ailab" (change it in Jupyter once you are in).',
    });
    expect(summariseContainer(container(), ssh).url).toBe('http://lab-host:49494/');
  });

  it('has no URL while stopped, and keeps what it was launched with from its labels', () => {
    const s = summariseContainer(
      container({
        Config: {
          Image: 'ailab-fixture/data-science-sandbox:0.1.0',
          Labels: {
            'com.exasol.ailab-desktop.launched': 'true',
            [LAUNCH_LABELS.containerPort]: '8888',
            [LAUNCH_LABELS.notebooks]: '/root/notebooks',
            [LAUNCH_LABELS.passwordSet]: 'true',
          },
        },
        State: { Status: 'exited', Running: false, StartedAt: '0001-01-01T00:00:00Z', ExitCode: 137 },
        Mounts: [{ Type: 'volume', Name: 'seed', Destination: '/root/notebooks' }],
        NetworkSettings: { Ports: {} },
        HostConfig: { PortBindings: { '8888/tcp': [{ HostIp: '127.0.0.1', HostPort: '8899' }] } },
      }),
      local,
    );
    expect(s).toMatchObject({
      state: 'exited',
      status: 'Exited (137)',
      exitCode: 137,
      url: null,
      hostPort: 8899,
      listenIp: '127.0.0.1',
      volume: 'seed',
      startedAt: null,
      launchedByApp: true,
      loginHint: 'Log in with the password you set.',
    });
  });

  it('recognises AI-Lab containers by image or by the launcher label', () => {
    expect(isAiLabContainer({ image: 'exasol/ai-lab:latest', labels: {} })).toBe(true);
    expect(isAiLabContainer({ image: 'docker.io/exasol/data-science-sandbox:0.1.0', labels: null })).toBe(true);
    expect(isAiLabContainer({ image: 'postgres:16', labels: {} })).toBe(false);
    expect(isAiLabContainer({ image: 'ailab-fixture/ai-lab:6.1.0', labels: { 'com.exasol.ailab-desktop.launched': 'true' } })).toBe(true);
  });
});
