import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bindingsCollide, bindTest, checkPort, containerHoldingPort, type PublishedPortsLike } from '../../electron/services/launcher/portCheck';
import type Dockerode from 'dockerode';

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function listen(port = 0, host = '127.0.0.1'): Promise<number> {
  const s = net.createServer();
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, host, r));
  return (s.address() as net.AddressInfo).port;
}

const containers: PublishedPortsLike[] = [
  {
    Id: 'aaa111',
    Names: ['/ai-lab'],
    Image: 'exasol/ai-lab:6.1.0',
    Labels: {},
    Ports: [{ IP: '127.0.0.1', PrivatePort: 49494, PublicPort: 49494, Type: 'tcp' }],
  },
  {
    Id: 'bbb222',
    Names: ['/web'],
    Image: 'nginx',
    Labels: {},
    Ports: [
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
      { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' },
    ],
  },
  {
    Id: 'ccc333',
    Names: ['/dns'],
    Image: 'dns',
    Labels: {},
    Ports: [
      { IP: '0.0.0.0', PrivatePort: 53, PublicPort: 5353, Type: 'udp' },
      { PrivatePort: 9000, Type: 'tcp' },
    ],
  },
  {
    Id: 'ddd444',
    Names: ['/lan'],
    Image: 'svc',
    Labels: { 'com.exasol.ailab-desktop.launched': 'true' },
    Ports: [{ IP: '192.168.1.5', PrivatePort: 1, PublicPort: 7000, Type: 'tcp' }],
  },
];

function fakeDocker(list: PublishedPortsLike[]): Dockerode {
  return { listContainers: async () => list } as unknown as Dockerode;
}

describe('published ports of other containers', () => {
  it('collide on the same address or when either side is a wildcard', () => {
    const held = ['127.0.0.1', '0.0.0.0', '::', '192.168.1.5'];
    expect(held.filter((ip) => bindingsCollide(ip, '127.0.0.1'))).toEqual(['127.0.0.1', '0.0.0.0', '::']);
    expect(bindingsCollide('127.0.0.1', '0.0.0.0')).toBe(true);
  });

  it('names the container holding a port, ignoring udp, unpublished ports and the container itself', () => {
    expect(containerHoldingPort(containers, 49494, '127.0.0.1')).toMatchObject({ kind: 'container', name: 'ai-lab', aiLab: true, hostIp: '127.0.0.1' });
    expect(containerHoldingPort(containers, 49494, '0.0.0.0')?.kind).toBe('container');
    expect(containerHoldingPort(containers, 8080, '127.0.0.1')).toMatchObject({ name: 'web', aiLab: false });
    expect(containerHoldingPort(containers, 5353, '127.0.0.1')).toBeNull();
    expect(containerHoldingPort(containers, 9000, '127.0.0.1')).toBeNull();
    expect(containerHoldingPort(containers, 7000, '127.0.0.1')).toBeNull();
    expect(containerHoldingPort(containers, 7000, '0.0.0.0')).toMatchObject({ name: 'lan', aiLab: true });
    expect(containerHoldingPort(containers, 49494, '127.0.0.1', 'aaa111')).toBeNull();
  });
});

describe('the bind test on this computer', () => {
  it('finds a port a program listens on, and frees the port it tried', async () => {
    const port = await listen();
    expect(await bindTest(port, '127.0.0.1')).toMatchObject({ kind: 'host', message: expect.stringMatching(/another program/) });
    expect(await bindTest(port, '0.0.0.0')).not.toBeNull();
    const free = await listen();
    await new Promise((r) => servers.pop()?.close(r));
    expect(await bindTest(free, '127.0.0.1')).toBeNull();
    // The test itself must not keep the port.
    expect(await bindTest(free, '127.0.0.1')).toBeNull();
  });

  it('suggests the next port that is free for both containers and programs', async () => {
    const base = await listen();
    // base+1 taken by a container (on any address), base+2 by a program; base+3 free (most likely).
    const taken: PublishedPortsLike[] = [
      { Id: 'x', Names: ['/other'], Image: 'i', Ports: [{ IP: '0.0.0.0', PrivatePort: 1, PublicPort: base + 1, Type: 'tcp' }] },
    ];
    await listen(base + 2).catch(() => undefined);
    const check = await checkPort({ docker: fakeDocker(taken), local: true }, base, '127.0.0.1');
    expect(check.free).toBe(false);
    expect(check.holder?.kind).toBe('host');
    expect(check.suggestion).toBeGreaterThanOrEqual(base + 3);
  });

  it('skips the bind test for a remote engine', async () => {
    const port = await listen();
    const check = await checkPort({ docker: fakeDocker([]), local: false }, port, '127.0.0.1');
    expect(check).toMatchObject({ free: true, bindTested: false });
  });
});
