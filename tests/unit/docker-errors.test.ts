import { describe, expect, it } from 'vitest';
import type { DockerEndpoint } from '../../shared/contract/docker';
import { AppError } from '../../shared/contract/errors';
import {
  describeConnectionError,
  engineStatus,
  isConflict,
  isNotFound,
  isNotModified,
  ProbeTimeoutError,
  toAppError,
} from '../../electron/services/docker/errors';
import { volumeNotFound } from '../../electron/services/docker/volumes';

const defaultSocket: DockerEndpoint = {
  url: 'unix:///var/run/docker.sock',
  protocol: 'unix',
  source: 'default socket',
  context: null,
  tls: false,
  local: true,
};
const fromEnv: DockerEndpoint = { ...defaultSocket, url: 'unix:///tmp/x.sock', source: 'DOCKER_HOST' };
const tcpTls: DockerEndpoint = { url: 'tcp://remote:2376', protocol: 'tcp', source: 'DOCKER_HOST', context: null, tls: true, local: false };
const tcpCtx: DockerEndpoint = { ...tcpTls, source: 'DOCKER_CONTEXT', context: 'prod' };
const ssh: DockerEndpoint = { url: 'ssh://me@build:2222', protocol: 'ssh', source: 'DOCKER_HOST', context: null, tls: false, local: false };

function netError(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`connect ${code} ${String(extra.address ?? '')}`), { code, syscall: 'connect', ...extra });
}

describe('describeConnectionError', () => {
  it('says Docker is not running when the socket does not exist, with what to do', () => {
    const e = describeConnectionError(netError('ENOENT', { address: '/var/run/docker.sock' }), defaultSocket);
    expect(e.code).toBe('DOCKER_UNREACHABLE');
    expect(e.message).toBe('Docker is not running: no socket at /var/run/docker.sock.');
    expect(e.hint).toBe('Start Docker Desktop or dockerd, or check DOCKER_HOST / `docker context ls`.');
  });

  it('names DOCKER_HOST or the context when the endpoint came from there', () => {
    expect(describeConnectionError(netError('ENOENT', { address: '/tmp/x.sock' }), fromEnv).message).toBe(
      'Docker is not running: no socket at /tmp/x.sock (set by DOCKER_HOST).',
    );
    expect(describeConnectionError(netError('ECONNREFUSED', { address: '10.0.0.1', port: 2376 }), tcpCtx).message).toContain('(docker context "prod")');
  });

  it('explains a left-over socket file that nothing listens on', () => {
    expect(describeConnectionError(netError('ECONNREFUSED', { address: '/var/run/docker.sock' }), defaultSocket).message).toMatch(
      /nothing answers on \/var\/run\/docker.sock/,
    );
  });

  it('points at the docker group on a permission error', () => {
    const e = describeConnectionError(netError('EACCES', { address: '/var/run/docker.sock' }), defaultSocket);
    expect(e.code).toBe('DOCKER_PERMISSION_DENIED');
    expect(e.message).toBe('Permission denied on the Docker socket /var/run/docker.sock.');
    expect(e.hint).toMatch(process.platform === 'linux' ? /docker" group/ : /Docker Desktop/);
  });

  it('recognises TLS failures and says where the certificates come from', () => {
    const err = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    const e = describeConnectionError(err, tcpTls);
    expect(e.message).toBe('TLS handshake with tcp://remote:2376 (set by DOCKER_HOST) failed: self-signed certificate.');
    expect(e.hint).toMatch(/DOCKER_CERT_PATH/);
    expect(describeConnectionError(err, tcpCtx).hint).toMatch(/docker context inspect prod/);
  });

  it('tells TLS-to-plain-HTTP and plain-HTTP-to-TLS apart', () => {
    const wrongVersion = Object.assign(new Error('ssl3_get_record:wrong version number'), { code: 'ERR_SSL_WRONG_VERSION_NUMBER' });
    expect(describeConnectionError(wrongVersion, tcpTls).message).toMatch(/does not speak TLS/);
    const needsTls = Object.assign(new Error('(HTTP code 400) unexpected - Client sent an HTTP request to an HTTPS server. '), { statusCode: 400, json: null });
    const e = describeConnectionError(needsTls, { ...tcpTls, tls: false });
    expect(e.message).toMatch(/requires TLS/);
    expect(e.hint).toMatch(/DOCKER_TLS_VERIFY=1/);
  });

  it('describes ssh failures with an ssh command the user can try', () => {
    const auth = Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' });
    const e = describeConnectionError(auth, ssh);
    expect(e.message).toBe('SSH login to me@build:2222 failed (set by DOCKER_HOST): All configured authentication methods failed.');
    expect(e.hint).toContain('`ssh -p 2222 me@build docker version`');
    const sock = Object.assign(new Error('connect ECONNREFUSED 10.0.0.2:2222'), { level: 'client-socket', code: 'ECONNREFUSED' });
    expect(describeConnectionError(sock, ssh).message).toMatch(/^Cannot open an SSH connection to me@build:2222/);
    expect(describeConnectionError(new Error('socket hang up'), ssh).hint).toMatch(/docker system dial-stdio/);
  });

  it('reports a timeout as an engine that does not answer', () => {
    const e = describeConnectionError(new ProbeTimeoutError(10_000), defaultSocket);
    expect(e.message).toBe('Docker at unix:///var/run/docker.sock did not answer: no answer within 10 s.');
    expect(e.code).toBe('DOCKER_UNREACHABLE');
  });

  it('reports an engine error status as DOCKER_ERROR with its message', () => {
    const err = Object.assign(new Error('(HTTP code 500) server error - boom '), { statusCode: 500, json: { message: 'boom' } });
    const e = describeConnectionError(err, defaultSocket);
    expect(e.code).toBe('DOCKER_ERROR');
    expect(e.message).toMatch(/answered with an error: boom$/);
  });

  it('passes AppErrors through', () => {
    const original = new AppError('DOCKER_UNREACHABLE', 'x', { hint: 'y' });
    expect(describeConnectionError(original, defaultSocket)).toBe(original);
  });
});

describe('toAppError', () => {
  it('names the socket in ENOENT and EACCES errors', () => {
    expect(toAppError(netError('ENOENT', { address: '/run/x.sock' })).message).toBe('Docker is not running: no socket at /run/x.sock.');
    const denied = toAppError(netError('EACCES', { address: '/run/x.sock' }));
    expect(denied.code).toBe('DOCKER_PERMISSION_DENIED');
    expect(denied.message).toContain('/run/x.sock');
  });

  it('keeps the notFound/conflict overrides and the engine message', () => {
    const nf = Object.assign(new Error('(HTTP code 404) no such volume - get v: no such volume '), {
      statusCode: 404,
      json: { message: 'get v: no such volume' },
    });
    expect(toAppError(nf, { notFound: () => new AppError('VOLUME_NOT_FOUND', 'gone') }).code).toBe('VOLUME_NOT_FOUND');
    expect(toAppError(nf).message).toBe('Docker: get v: no such volume');
  });
});

describe('engine status helpers', () => {
  it("read dockerode's statusCode and nothing else", () => {
    const e = (statusCode: unknown) => Object.assign(new Error('x'), { statusCode });
    expect([isNotFound(e(404)), isNotModified(e(304)), isConflict(e(409))]).toEqual([true, true, true]);
    expect([isNotFound(e(304)), isNotModified(e(404)), isConflict(e(404))]).toEqual([false, false, false]);
    expect(engineStatus(e('404'))).toBeNull();
    expect(engineStatus(new Error('ECONNREFUSED'))).toBeNull();
    expect(engineStatus(null)).toBeNull();
    expect(engineStatus(undefined)).toBeNull();
  });
});

describe('a missing volume', () => {
  it('has one message everywhere and a hint for what the user was doing', () => {
    const uses = ['manage', 'backup', 'restore', 'launch'] as const;
    const errors = uses.map((u) => volumeNotFound('notebooks', u));
    for (const err of errors)
      expect(err).toMatchObject({ code: 'VOLUME_NOT_FOUND', message: 'There is no volume named notebooks.', details: { volume: 'notebooks' } });
    expect(new Set(errors.map((e) => e.hint)).size).toBe(uses.length);
    expect(volumeNotFound('x', 'restore').hint).toMatch(/restore into a new volume/);
  });
});
