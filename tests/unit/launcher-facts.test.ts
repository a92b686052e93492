import { describe, expect, it } from 'vitest';
import { factsFromInspect, loginHint } from '../../electron/services/launcher/imageFacts';
import { launchOptionsSchema } from '../../shared/contract/launcher';

describe('image facts: what `docker image inspect` says wins over the version table', () => {
  it('takes NOTEBOOKS from Env and the port from ExposedPorts (AI-Lab ≥ 5)', () => {
    const f = factsFromInspect('exasol/ai-lab:6.1.0', {
      Id: 'sha256:abc',
      Config: { ExposedPorts: { '49494/tcp': {} }, Volumes: { '/home/jupyter/notebooks': {} }, Env: ['PATH=/bin', 'NOTEBOOKS=/home/jupyter/notebooks'] },
    });
    expect(f).toMatchObject({
      present: true,
      imageId: 'sha256:abc',
      isAiLab: true,
      containerPort: 49494,
      containerPortSource: 'image: ExposedPorts 49494/tcp',
      notebooksPath: '/home/jupyter/notebooks',
      notebooksPathSource: 'image: Env NOTEBOOKS',
      supportsPasswordEnv: true,
      defaultPassword: 'ailab',
    });
  });

  it('uses Config.Volumes when there is no NOTEBOOKS, whatever the tag suggests', () => {
    // A future image that moved its folder: the table would say /home/jupyter/notebooks.
    const f = factsFromInspect('exasol/ai-lab:9.0.0', { Config: { ExposedPorts: { '12345/tcp': {} }, Volumes: { '/data/notebooks': {} }, Env: [] } });
    expect(f.notebooksPath).toBe('/data/notebooks');
    expect(f.notebooksPathSource).toBe('image: Volumes');
    expect(f.containerPort).toBe(12345);
  });

  it('prefers the notebooks volume and the Jupyter port when an image declares several', () => {
    const f = factsFromInspect('someone/lab:1', {
      Config: { ExposedPorts: { '22/tcp': {}, '8888/tcp': {}, '53/udp': {} }, Volumes: { '/var/cache': {}, '/srv/notebooks': {} }, Env: null },
    });
    expect(f.containerPort).toBe(8888);
    expect(f.notebooksPath).toBe('/srv/notebooks');
    expect(f.isAiLab).toBe(false);
  });

  it('falls back to the version table when the image is not present', () => {
    const sandbox = factsFromInspect('exasol/data-science-sandbox:0.1.0', null);
    expect(sandbox).toMatchObject({
      present: false,
      containerPort: 8888,
      notebooksPath: '/root/notebooks',
      containerPortSource: 'version table',
      notebooksPathSource: 'version table',
      supportsPasswordEnv: false,
    });
    const old = factsFromInspect('exasol/ai-lab:1.0.0', null);
    expect(old).toMatchObject({ containerPort: 49494, notebooksPath: '/root/notebooks', defaultPassword: 'ai-lab', supportsPasswordEnv: false });
    const four = factsFromInspect('exasol/ai-lab:4.2.0', null);
    expect(four).toMatchObject({ notebooksPath: '/home/jupyter/notebooks', supportsPasswordEnv: false });
    const five = factsFromInspect('exasol/ai-lab:5.0.0', null);
    expect(five.supportsPasswordEnv).toBe(true);
    expect(factsFromInspect('exasol/ai-lab:latest', null).supportsPasswordEnv).toBe(true);
    expect(factsFromInspect('exasol/ai-lab', null).tag).toBe('latest');
  });

  it('offers JUPYTER_PASSWORD when the image carries NOTEBOOKS (5.0.0 brought both), never for the sandbox', () => {
    const env = { Config: { Env: ['NOTEBOOKS=/nb'] } };
    expect(factsFromInspect('mirror.local/ai-lab:custom-build', env).supportsPasswordEnv).toBe(true);
    expect(factsFromInspect('exasol/ai-lab:4.0.0', env).supportsPasswordEnv).toBe(true);
    expect(factsFromInspect('exasol/data-science-sandbox:0.1.0', env).supportsPasswordEnv).toBe(false);
  });

  it('says how to log in', () => {
    expect(loginHint('ailab', false)).toBe('Log in with the default password "ailab" (change it in Jupyter once you are in).');
    expect(loginHint('ailab', true)).toBe('Log in with the password you set.');
    expect(loginHint(null, false)).toMatch(/no default password/);
  });
});

describe('launch options schema', () => {
  it('fills the defaults the issue asks for and rejects bad input', () => {
    const o = launchOptionsSchema.parse({ image: 'exasol/ai-lab:latest', volume: 'my-notebooks', hostPort: 49494 });
    expect(o).toMatchObject({
      name: 'ai-lab',
      listenIp: '127.0.0.1',
      dockerSocket: false,
      timeoutSeconds: 120,
      open: false,
      createVolume: false,
      startExisting: false,
    });
    expect(launchOptionsSchema.safeParse({ image: 'x; rm -rf /', volume: 'v1', hostPort: 1 }).success).toBe(false);
    expect(launchOptionsSchema.safeParse({ image: 'a/b', volume: 'v1', hostPort: 70000 }).success).toBe(false);
    expect(launchOptionsSchema.safeParse({ image: 'a/b', volume: 'v1', hostPort: 1, listenIp: 'localhost' }).success).toBe(false);
    expect(launchOptionsSchema.safeParse({ image: 'a/b', volume: 'v1', hostPort: 1, name: '-bad' }).success).toBe(false);
  });
});
