import { Readable } from 'node:stream';
import Modem from 'docker-modem';
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { explainPullError, pullImage, type PullProgress } from '../../electron/services/launcher/pull';

function fakeDocker(lines: object[], opts: { endless?: boolean; rejectWith?: object } = {}): { docker: Dockerode; destroyed: () => boolean } {
  let stream: Readable | null = null;
  const docker = {
    modem: new Modem({ socketPath: '/nonexistent.sock' }),
    async pull() {
      if (opts.rejectWith) throw opts.rejectWith;
      const text = lines.map((l) => `${JSON.stringify(l)}\n`);
      stream = new Readable({
        read() {
          const next = text.shift();
          if (next !== undefined) this.push(next);
          else if (!opts.endless) this.push(null);
        },
      });
      return stream;
    },
  } as unknown as Dockerode;
  return { docker, destroyed: () => stream?.destroyed ?? false };
}

describe('pull', () => {
  it('reports per-layer progress and resolves only when the stream ends', async () => {
    const { docker } = fakeDocker([
      { status: 'Pulling from exasol/ai-lab', id: '6.1.0' },
      { status: 'Pulling fs layer', id: 'l1' },
      { status: 'Downloading', id: 'l1', progressDetail: { current: 50, total: 100 } },
      { status: 'Downloading', id: 'l2', progressDetail: { current: 10, total: 200 } },
      { status: 'Pull complete', id: 'l1' },
      { status: 'Digest: sha256:abc' },
      { status: 'Status: Downloaded newer image for exasol/ai-lab:6.1.0' },
    ]);
    const seen: PullProgress[] = [];
    await pullImage(docker, 'exasol/ai-lab:6.1.0', (p) => seen.push(p), new AbortController().signal);
    const last = seen.at(-1);
    expect(last?.layers).toEqual([
      { id: 'l1', status: 'Pull complete', current: null, total: null },
      { id: 'l2', status: 'Downloading', current: 10, total: 200 },
    ]);
    expect(last?.status).toMatch(/Downloaded newer image/);
    expect(seen.some((p) => p.layers.some((l) => l.current === 50 && l.total === 100))).toBe(true);
  });

  it('fails with the error that arrives inside a progress object', async () => {
    const { docker } = fakeDocker([
      { status: 'Pulling fs layer', id: 'l1' },
      { errorDetail: { message: 'write /var/lib/docker/tmp/x: no space left on device' }, error: 'write ...: no space left on device' },
    ]);
    await expect(pullImage(docker, 'exasol/ai-lab:6.1.0', () => undefined, new AbortController().signal)).rejects.toMatchObject({
      code: 'DISK_FULL',
      message: 'Pulling exasol/ai-lab:6.1.0 failed: the Docker host has no space left.',
    });
  });

  it('explains an HTTP error of the pull request itself', async () => {
    const { docker } = fakeDocker([], {
      rejectWith: { statusCode: 404, json: { message: "pull access denied for exasol/ai-lab-x, repository does not exist or may require 'docker login'" } },
    });
    await expect(pullImage(docker, 'exasol/ai-lab-x:1', () => undefined, new AbortController().signal)).rejects.toMatchObject({
      code: 'IMAGE_NOT_FOUND',
      message: 'The image exasol/ai-lab-x:1 does not exist in its registry.',
    });
  });

  it('cancels: the stream is destroyed and the error says so', async () => {
    const { docker, destroyed } = fakeDocker([{ status: 'Downloading', id: 'l1', progressDetail: { current: 1, total: 10 } }], { endless: true });
    const ac = new AbortController();
    const p = pullImage(docker, 'exasol/ai-lab:latest', () => ac.abort(), ac.signal);
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED', message: 'Pulling exasol/ai-lab:latest was cancelled.' });
    expect(destroyed()).toBe(true);
  });
});

describe('pull failures explained', () => {
  const cases: Array<[string, string, RegExp]> = [
    [
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.0.0.1:53: no such host',
      'IMAGE_PULL_FAILED',
      /cannot reach the registry/,
    ],
    ['Get "https://registry-1.docker.io/v2/": net/http: TLS handshake timeout', 'IMAGE_PULL_FAILED', /cannot reach the registry/],
    ['manifest for exasol/ai-lab:99.0.0 not found: manifest unknown: manifest unknown', 'IMAGE_NOT_FOUND', /does not exist/],
    [
      "pull access denied for exasol/nope, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
      'IMAGE_NOT_FOUND',
      /does not exist/,
    ],
    ['unauthorized: authentication required', 'IMAGE_PULL_FAILED', /refused access/],
    ['failed to register layer: no space left on device', 'DISK_FULL', /no space left/],
    ['something else entirely', 'IMAGE_PULL_FAILED', /something else entirely/],
  ];
  it.each(cases)('%s', (raw, code, message) => {
    const e = explainPullError('exasol/ai-lab:1', raw);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.hint).toBeTruthy();
    expect(e.details?.engineMessage).toBe(raw);
  });
});
