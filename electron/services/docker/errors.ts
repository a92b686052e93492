import type { DockerEndpoint } from '../../../shared/contract/docker';
import { AppError } from '../../../shared/contract/errors';

interface DockerodeError {
  statusCode?: number;
  reason?: string;
  json?: { message?: string } | null;
  code?: string;
  message?: string;
  /** Node's net errors: the socket path, or the IP of a tcp connect. */
  address?: string;
  port?: number;
  /** ssh2 errors: which stage failed ('client-socket', 'client-timeout', 'client-authentication', ...). */
  level?: string;
}

/** The HTTP status of a Docker Engine API error (dockerode sets `statusCode`); null for anything else (no connection, a bug). */
export function engineStatus(err: unknown): number | null {
  const status = (err as DockerodeError | null)?.statusCode;
  return typeof status === 'number' ? status : null;
}

/** 404: the container, volume or image does not exist (any more). */
export const isNotFound = (err: unknown): boolean => engineStatus(err) === 404;
/** 304: the container already is in the state asked for (start of a running one, stop of a stopped one). */
export const isNotModified = (err: unknown): boolean => engineStatus(err) === 304;
/** 409: in use, or another removal of the same object is already in progress. */
export const isConflict = (err: unknown): boolean => engineStatus(err) === 409;

export const START_DOCKER_HINT = 'Start Docker Desktop or dockerd, or check DOCKER_HOST / `docker context ls`.';

export const DOCKER_GROUP_HINT =
  process.platform === 'linux'
    ? 'Add your user to the "docker" group (`sudo usermod -aG docker $USER`), then log out and back in (or run `newgrp docker`); or use Docker Desktop or rootless Docker.'
    : 'Make sure Docker Desktop is running for your user, or check the permissions of the socket DOCKER_HOST points at.';

const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_|HOSTNAME_MISMATCH)/;

/** The engine's own message from a dockerode error, without dockerode's "(HTTP code 404) ..." prefix. */
export function engineMessage(err: unknown): string {
  const e = err as DockerodeError;
  if (e?.json && typeof e.json === 'object' && typeof e.json.message === 'string') return e.json.message;
  const m = typeof e?.message === 'string' ? e.message : String(err);
  return m.replace(/^\(HTTP code \d+\)\s*[a-z -]*-\s*/i, '').trim();
}

/**
 * Map a failure talking to Docker onto an AppError a person can act on. Callers that know more
 * (a 404 means "volume not found" for a volume call) pass `context` overrides.
 */
export function toAppError(err: unknown, context: { notFound?: () => AppError; conflict?: () => AppError } = {}): AppError {
  if (err instanceof AppError) return err;
  const e = err as DockerodeError;
  const code = e?.code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new AppError('DOCKER_PERMISSION_DENIED', `Permission denied on the Docker socket${e.address ? ` ${e.address}` : ''}.`, {
      hint: DOCKER_GROUP_HINT,
      cause: err,
    });
  }
  if (code === 'ENOENT' && e.address) {
    return new AppError('DOCKER_UNREACHABLE', `Docker is not running: no socket at ${e.address}.`, { hint: START_DOCKER_HINT, cause: err });
  }
  if (code && UNREACHABLE_CODES.has(code)) {
    return new AppError('DOCKER_UNREACHABLE', `Docker is not reachable (${code}${e.address ? ` ${e.address}` : ''}).`, { hint: START_DOCKER_HINT, cause: err });
  }
  if (typeof e?.statusCode === 'number') {
    if (e.statusCode === 404 && context.notFound) return context.notFound();
    if (e.statusCode === 409 && context.conflict) return context.conflict();
    if (e.statusCode === 404) return new AppError('DOCKER_ERROR', `Docker: ${engineMessage(err)}`, { cause: err });
    return new AppError('DOCKER_ERROR', `Docker refused the request: ${engineMessage(err)}`, { cause: err });
  }
  if (typeof e?.message === 'string' && /socket hang up|connect|EOF/i.test(e.message)) {
    return new AppError('DOCKER_UNREACHABLE', `Lost the connection to Docker: ${e.message}`, { hint: START_DOCKER_HINT, cause: err });
  }
  return new AppError('INTERNAL', e?.message ?? String(err), { cause: err });
}

/** Raised by the connection when the engine does not answer in time; mapped like a network error. */
export class ProbeTimeoutError extends Error {
  readonly code = 'PROBE_TIMEOUT';
  constructor(readonly ms: number) {
    super(`no answer within ${ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`}`);
  }
}

function where(endpoint: DockerEndpoint): string {
  if (endpoint.source === 'DOCKER_HOST') return ' (set by DOCKER_HOST)';
  if (endpoint.context) return ` (docker context "${endpoint.context}")`;
  return '';
}

function socketPathOf(endpoint: DockerEndpoint): string {
  return endpoint.url.replace(/^(unix|npipe):\/\//, '');
}

/** "user@host:port" for messages and the ssh command line that reaches the same place. */
function sshCommand(url: string): { target: string; command: string } {
  const target = url.replace(/^ssh:\/\//, '');
  try {
    const u = new URL(url);
    const who = `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname}`;
    return { target, command: `ssh ${u.port ? `-p ${u.port} ` : ''}${who}` };
  } catch {
    return { target, command: `ssh ${target}` };
  }
}

function tlsHint(endpoint: DockerEndpoint): string {
  return endpoint.context
    ? `Check the context's TLS material with \`docker context inspect ${endpoint.context}\`, or re-create the context with the engine's certificates.`
    : 'Check that ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH (default ~/.docker) belong to this engine, and that DOCKER_TLS_VERIFY is set only for engines that use TLS.';
}

/**
 * Why connecting to `endpoint` failed, phrased for the person in front of it: what is wrong and
 * what to do. Used for the connection status (UI banner, `ailab doctor`).
 */
export function describeConnectionError(err: unknown, endpoint: DockerEndpoint, ssh: { keyOffered?: string | null } = {}): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as DockerodeError;
  const code = e.code ?? '';
  const msg = typeof e.message === 'string' ? e.message : String(err);
  const url = endpoint.url;
  const from = where(endpoint);
  const opts = { cause: err };

  if (endpoint.protocol === 'ssh' && e.level) {
    const { target, command } = sshCommand(endpoint.url);
    if (e.level === 'client-authentication') {
      const user = target.includes('@') ? target.slice(0, target.indexOf('@')) : 'the user';
      const offered =
        ssh.keyOffered === undefined
          ? ''
          : ssh.keyOffered === null
            ? ' No key was offered: SSH_AUTH_SOCK names no ssh-agent and there is no ~/.ssh/id_ed25519, id_ecdsa or id_rsa.'
            : ` It offered ${ssh.keyOffered}.`;
      return new AppError('DOCKER_UNREACHABLE', `SSH login to ${target} failed${from}: ${msg}.${offered}`, {
        ...opts,
        hint: `Add your public key to ~${user}/.ssh/authorized_keys on the server, or load the right key into ssh-agent (\`ssh-add\`, with SSH_AUTH_SOCK set); \`${command} docker version\` must work from a terminal.`,
      });
    }
    return new AppError('DOCKER_UNREACHABLE', `Cannot open an SSH connection to ${target}${from}: ${msg}.`, {
      ...opts,
      hint: `Check that the host is up and that \`${command}\` works, or check DOCKER_HOST / \`docker context ls\`.`,
    });
  }
  if (code === 'PROBE_TIMEOUT') {
    return new AppError('DOCKER_UNREACHABLE', `Docker at ${url}${from} did not answer: ${msg}.`, {
      ...opts,
      hint: endpoint.local
        ? 'Docker may be starting or hung: wait a moment, or restart Docker Desktop / dockerd.'
        : 'Check that the host is up and reachable from here, or check DOCKER_HOST / `docker context ls`.',
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new AppError('DOCKER_PERMISSION_DENIED', `Permission denied on the Docker socket ${e.address ?? socketPathOf(endpoint)}${from}.`, {
      ...opts,
      hint: DOCKER_GROUP_HINT,
    });
  }
  if (endpoint.protocol === 'unix' || endpoint.protocol === 'npipe') {
    const file = e.address ?? socketPathOf(endpoint);
    const kind = endpoint.protocol === 'npipe' ? 'named pipe' : 'socket';
    if (code === 'ENOENT') {
      return new AppError('DOCKER_UNREACHABLE', `Docker is not running: no ${kind} at ${file}${from}.`, { ...opts, hint: START_DOCKER_HINT });
    }
    if (code === 'ECONNREFUSED') {
      return new AppError('DOCKER_UNREACHABLE', `Docker is not running: nothing answers on ${file}${from} (the ${kind} is left over from an earlier run).`, {
        ...opts,
        hint: START_DOCKER_HINT,
      });
    }
  }
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(msg)) {
    return new AppError('DOCKER_UNREACHABLE', `The engine at ${url}${from} does not speak TLS, but TLS is on.`, {
      ...opts,
      hint: endpoint.context
        ? `Remove the TLS material from the context (\`docker context update ${endpoint.context} --docker host=${url}\`).`
        : "Unset DOCKER_TLS_VERIFY (and DOCKER_TLS), or use the engine's TLS port.",
    });
  }
  if (TLS_CODES.test(code)) {
    return new AppError('DOCKER_UNREACHABLE', `TLS handshake with ${url}${from} failed: ${msg}.`, { ...opts, hint: tlsHint(endpoint) });
  }
  if (e.statusCode === 400 && /HTTP request to an HTTPS server/i.test(engineMessage(err) + msg)) {
    return new AppError('DOCKER_UNREACHABLE', `The engine at ${url}${from} requires TLS.`, {
      ...opts,
      hint: 'Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder with ca.pem, cert.pem and key.pem, or use a docker context that has them.',
    });
  }
  if (typeof e.statusCode === 'number') {
    return new AppError('DOCKER_ERROR', `Docker at ${url}${from} answered with an error: ${engineMessage(err)}`, {
      ...opts,
      hint: 'Docker may still be starting or be in trouble: check `docker info`, or restart Docker.',
    });
  }
  if (code === 'ECONNREFUSED') {
    return new AppError('DOCKER_UNREACHABLE', `Docker is not reachable at ${url}${from}: connection refused.`, {
      ...opts,
      hint: 'Check that the engine runs there and listens on that port, or check DOCKER_HOST / `docker context ls`.',
    });
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new AppError('DOCKER_UNREACHABLE', `Cannot find the Docker host of ${url}${from}: the name does not resolve.`, {
      ...opts,
      hint: 'Check the host name in DOCKER_HOST or the docker context (`docker context ls`), and your network / DNS.',
    });
  }
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new AppError('DOCKER_UNREACHABLE', `Cannot reach Docker at ${url}${from} (${code}).`, {
      ...opts,
      hint: 'Check that the host is up and that no firewall blocks the port, or check DOCKER_HOST / `docker context ls`.',
    });
  }
  if (endpoint.protocol === 'ssh') {
    const { command } = sshCommand(endpoint.url);
    return new AppError('DOCKER_UNREACHABLE', `Docker over SSH at ${url}${from} failed: ${msg}.`, {
      ...opts,
      hint: `Check that \`${command} docker system dial-stdio\` starts (the remote host needs the docker CLI and access to its engine).`,
    });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(msg)) {
    return new AppError('DOCKER_UNREACHABLE', `The connection to Docker at ${url}${from} was closed: ${msg}.`, { ...opts, hint: START_DOCKER_HINT });
  }
  return new AppError('DOCKER_UNREACHABLE', `Cannot connect to Docker at ${url}${from}: ${msg}.`, { ...opts, hint: START_DOCKER_HINT });
}
