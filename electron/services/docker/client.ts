import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import Dockerode from 'dockerode';
import type { DockerEndpoint } from '../../../shared/contract/docker';
import { isLoopbackHost, type EndpointTarget } from './endpoint';
import { describeConnectionError } from './errors';
import { engineKnownHostsFiles, hostKeyGuard, isHostDenied, type HostKeyGuard } from './sshHostKey';

export interface ClientOptions {
  env: NodeJS.ProcessEnv;
  /** The user's home folder, where ssh keys are looked for when no ssh-agent is running. */
  homedir: string;
  readFile?: (file: string) => Buffer;
  exists?: (file: string) => boolean;
  /** known_hosts files an ssh:// engine's host key is checked against; default engineKnownHostsFiles(env, homedir). */
  knownHostsFiles?: string[];
  /** The endpoint as resolved (source, context), for ssh failure messages; else one is made from `target`. */
  endpoint?: DockerEndpoint;
}

/** docker-modem reads these too, though @types/dockerode does not list them. */
type ModemOptions = Dockerode.DockerOptions & { pathPrefix?: string; agent?: https.Agent };

/** Keys the ssh client tries, in OpenSSH's order, when SSH_AUTH_SOCK names no agent. */
const DEFAULT_SSH_KEYS = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/**
 * A dockerode client for exactly the resolved endpoint. Every connection option is set explicitly:
 * docker-modem otherwise fills gaps from process.env (DOCKER_HOST, DOCKER_CERT_PATH, "port 2376
 * means https") and would disagree with what the resolver decided from the env it was given.
 * Throws when TLS material or an ssh key cannot be read.
 */
export function createDockerClient(target: EndpointTarget, opts: ClientOptions): Dockerode {
  const readFile = opts.readFile ?? ((f: string) => fs.readFileSync(f));
  const exists = opts.exists ?? ((f: string) => fs.existsSync(f));
  const unset: ModemOptions = { host: undefined, port: undefined, socketPath: undefined, ca: undefined, cert: undefined, key: undefined, username: undefined };
  let options: ModemOptions;
  let ssh: SshFailures | null = null;
  switch (target.kind) {
    case 'socket':
      options = { ...unset, socketPath: target.path };
      break;
    case 'tcp': {
      const tls = target.tls;
      options = { ...unset, host: target.host, port: target.port, protocol: tls ? 'https' : 'http', pathPrefix: target.pathPrefix || '/' };
      if (tls) {
        if (tls.ca) options.ca = readFile(tls.ca);
        if (tls.cert) options.cert = readFile(tls.cert);
        if (tls.key) options.key = readFile(tls.key);
        // SkipTLSVerify (or DOCKER_TLS without DOCKER_TLS_VERIFY): Node verifies unless the agent says not to.
        if (!tls.verify) options.agent = new https.Agent({ rejectUnauthorized: false });
      }
      break;
    }
    case 'ssh': {
      const sshOptions: NonNullable<Dockerode.DockerOptions['sshOptions']> = { readyTimeout: 10_000 };
      let keyOffered: string | null = null;
      if (opts.env.SSH_AUTH_SOCK) {
        sshOptions.agent = opts.env.SSH_AUTH_SOCK;
        keyOffered = `the keys of the ssh-agent at ${opts.env.SSH_AUTH_SOCK} (SSH_AUTH_SOCK)`;
      } else {
        const key = DEFAULT_SSH_KEYS.map((k) => path.join(opts.homedir, '.ssh', k)).find((f) => exists(f));
        if (key) sshOptions.privateKey = readFile(key);
        keyOffered = key ? `the key ${key}` : null;
      }
      muteModemSshUrlWarning();
      const port = target.port ?? 22;
      const username = target.username ?? opts.env.USER ?? opts.env.USERNAME;
      const guard = hostKeyGuard({ host: target.host, port, username: username ?? '' }, opts.knownHostsFiles ?? engineKnownHostsFiles(opts.env, opts.homedir));
      sshOptions.hostVerifier = guard.verify;
      ssh = { guard, keyOffered, endpoint: opts.endpoint ?? sshEndpoint(target.host, port, username) };
      options = { ...unset, protocol: 'ssh', host: target.host, port, username, sshOptions };
      break;
    }
  }
  const docker = withoutDockerHostEnv(() => new Dockerode(options));
  if (ssh) reportSshFailures(docker, ssh);
  return docker;
}

interface SshFailures {
  guard: HostKeyGuard;
  keyOffered: string | null;
  endpoint: DockerEndpoint;
}

function sshEndpoint(host: string, port: number, username: string | undefined): DockerEndpoint {
  const url = `ssh://${username ? `${username}@` : ''}${host.includes(':') ? `[${host}]` : host}${port === 22 ? '' : `:${port}`}`;
  return { url, protocol: 'ssh', source: 'DOCKER_CONTEXT', context: null, tls: false, local: isLoopbackHost(host) };
}

interface Modem {
  dial(options: unknown, callback: (err: unknown, data: unknown) => void): unknown;
}

/**
 * Every engine call goes through modem.dial (containers, volumes, events, hijacked attach), and each
 * opens its own ssh connection. A refused host key reaches its callback as ssh2's bare "Host denied
 * (verification failed)", a refused login or a dead sshd as ssh2 errors (they carry `level`) that
 * callers without the endpoint would call "Docker is not reachable (ECONNREFUSED)". Swap in the
 * refusal naming host, key type and fingerprint, and the ssh-aware description (also for a reset
 * before any answer: the far side's dial-stdio ended), so every caller
 * (connection status, CLI commands, jobs on another engine) reports the same thing. Engine answers
 * and aborts pass through untouched.
 */
function reportSshFailures(docker: Dockerode, ssh: SshFailures): void {
  const modem = docker.modem as Modem;
  const dial = modem.dial.bind(modem);
  const translate = (err: unknown): unknown => {
    if (isHostDenied(err)) return ssh.guard.refusal() ?? err;
    const e = err as { level?: unknown; code?: unknown } | null;
    // ECONNRESET before any answer: sshd let us in but `docker system dial-stdio` ended (no docker CLI
    // there, or it cannot reach its engine); the generic words would blame a local Docker.
    if (typeof e?.level === 'string' || e?.code === 'ECONNRESET' || e?.code === 'EPIPE') {
      return describeConnectionError(err, ssh.endpoint, { keyOffered: ssh.keyOffered });
    }
    return err;
  };
  modem.dial = (options, callback) => dial(options, (err, data) => callback(translate(err), data));
}

let sshUrlWarningMuted = false;

/**
 * docker-modem formats ssh requests as "ssh:host:port..." URLs and url.parse()s them, which makes
 * Node print a DEP0170 deprecation warning on every CLI run over ssh. The URL is never used to
 * connect (the ssh agent is), so that one warning is dropped; every other warning passes through.
 */
function muteModemSshUrlWarning(): void {
  if (sshUrlWarningMuted) return;
  sshUrlWarningMuted = true;
  const original = process.emitWarning;
  process.emitWarning = function emitWarning(this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.startsWith('The URL ssh:')) return;
    return (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
}

/**
 * docker-modem parses process.env.DOCKER_HOST in its constructor (and throws on a malformed one)
 * even when every option is given. The resolver has already decided, so hide the variable for that
 * one synchronous call.
 */
function withoutDockerHostEnv<T>(fn: () => T): T {
  const saved = process.env.DOCKER_HOST;
  if (saved === undefined) return fn();
  delete process.env.DOCKER_HOST;
  try {
    return fn();
  } finally {
    process.env.DOCKER_HOST = saved;
  }
}
