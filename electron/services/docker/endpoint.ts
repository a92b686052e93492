import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DockerEndpoint, EndpointSource } from '../../../shared/contract/docker';
import { AppError } from '../../../shared/contract/errors';

/**
 * Finds the Docker Engine the way the docker CLI does, so the app talks to the same engine as the
 * user's terminal: DOCKER_HOST, then DOCKER_CONTEXT or config.json's currentContext, then the
 * platform's default socket or pipe. A pure function of (env, filesystem, platform): nothing here
 * connects anywhere.
 */

export const DEFAULT_UNIX_SOCKET = '/var/run/docker.sock';
export const DEFAULT_NAMED_PIPE = '//./pipe/docker_engine';
export const DEFAULT_CONTEXT_NAME = 'default';

/** Client TLS material, as paths. `verify: false` is the CLI's --tls without --tlsverify, or a context's SkipTLSVerify. */
export interface TlsFiles {
  ca: string | null;
  cert: string | null;
  key: string | null;
  verify: boolean;
}

/** Where to connect, in the terms dockerode needs. */
export type EndpointTarget =
  | { kind: 'socket'; path: string }
  | { kind: 'tcp'; host: string; port: number; pathPrefix: string; tls: TlsFiles | null }
  | { kind: 'ssh'; host: string; port: number | null; username: string | null };

export interface ResolvedEndpoint {
  ok: true;
  endpoint: DockerEndpoint;
  target: EndpointTarget;
  /** Things the docker CLI would warn about but that do not stop us (an unreadable config.json). */
  warnings: string[];
}

export interface UnresolvedEndpoint {
  ok: false;
  /** DOCKER_UNREACHABLE with a message naming the bad setting and a hint on fixing it. */
  error: AppError;
  source: EndpointSource;
  context: string | null;
  warnings: string[];
}

export type EndpointResolution = ResolvedEndpoint | UnresolvedEndpoint;

export interface ResolveEndpointOptions {
  env: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** The user's home folder; defaults to HOME (USERPROFILE on Windows), then os.homedir(). */
  homedir?: string;
  exists?: (file: string) => boolean;
  readFile?: (file: string) => string;
}

/** The folder of a context's files: contexts store them under the SHA-256 of the context name. */
export function contextDirName(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

export function dockerConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG ? path.resolve(env.DOCKER_CONFIG) : path.join(home, '.docker');
}

/** The home folder the docker CLI uses: HOME (USERPROFILE on Windows), else the OS's idea of it. */
export function userHome(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string {
  const fromEnv = platform === 'win32' ? env.USERPROFILE : env.HOME;
  return fromEnv || os.homedir();
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|0:0:0:0:0:0:0:1)$/i;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ''));
}

/** A host string taken apart, before TLS material is attached. */
export type ParsedHost =
  | { protocol: 'unix' | 'npipe'; path: string }
  | { protocol: 'tcp'; host: string; port: number; pathPrefix: string }
  | { protocol: 'ssh'; host: string; port: number | null; username: string | null };

/**
 * Parses a DOCKER_HOST value or a context's Host with the docker CLI's rules
 * (opts.ParseHost and connhelper/ssh): a bare host:port means tcp; unix:// and npipe:// without a
 * path mean the default socket/pipe; tcp takes no user, query or password; the default tcp port is
 * 2376 with TLS and 2375 without. Throws an Error whose message says what is wrong.
 */
export function parseDockerHost(raw: string, opts: { tls: boolean }): ParsedHost {
  const value = raw.trim();
  if (value === '') throw new Error('it is empty');
  const sep = value.indexOf('://');
  const proto = sep < 0 ? 'tcp' : value.slice(0, sep).toLowerCase();
  const rest = sep < 0 ? value : value.slice(sep + 3);
  switch (proto) {
    case 'unix':
    case 'npipe': {
      if (rest.includes('://')) throw new Error(`expected a ${proto}:// path, got another protocol in "${rest}"`);
      return { protocol: proto, path: rest || (proto === 'unix' ? DEFAULT_UNIX_SOCKET : DEFAULT_NAMED_PIPE) };
    }
    case 'tcp':
      return parseTcp(rest, opts.tls);
    case 'ssh':
      return parseSsh(value);
    case 'fd':
      throw new Error('fd:// is for dockerd itself; a client needs unix://, tcp://, ssh:// or npipe://');
    default:
      throw new Error(`unsupported protocol "${proto}://" (use unix://, tcp://, ssh:// or npipe://)`);
  }
}

function parsePort(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${what} "${text}" is not a number`);
  const port = Number(text);
  if (port < 1 || port > 65535) throw new Error(`${what} ${port} is out of range (1-65535)`);
  return port;
}

function parseTcp(rest: string, tls: boolean): ParsedHost {
  if (rest.includes('?') || rest.includes('#')) throw new Error('query parameters are not allowed');
  if (rest.includes('@')) throw new Error('a user name is not allowed in a tcp:// address');
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const pathPrefix = slash < 0 ? '' : rest.slice(slash);
  let host: string;
  let portText: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close < 0) throw new Error(`unterminated IPv6 address in "${authority}"`);
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new Error(`unexpected "${after}" after the IPv6 address`);
    portText = after.slice(1);
  } else {
    const parts = authority.split(':');
    if (parts.length > 2) throw new Error(`"${authority}" has more than one ":" (put an IPv6 address in brackets)`);
    host = parts[0] ?? '';
    portText = parts[1] ?? '';
  }
  if (host !== '' && !/^[A-Za-z0-9._:%-]+$/.test(host)) throw new Error(`"${host}" is not a valid host name`);
  const port = portText === '' ? (tls ? 2376 : 2375) : parsePort(portText, 'port');
  return { protocol: 'tcp', host: host || 'localhost', port, pathPrefix: pathPrefix === '/' ? '' : pathPrefix };
}

function parseSsh(value: string): ParsedHost {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('it is not a URL of the form ssh://[user@]host[:port]');
  }
  if (url.password) throw new Error('a password in the ssh:// address is not supported (use an ssh key or ssh-agent)');
  if (!url.hostname) throw new Error('no host name after ssh://');
  if (url.pathname !== '' && url.pathname !== '/') throw new Error(`extra path after the host: "${url.pathname}"`);
  if (url.search) throw new Error('query parameters are not allowed');
  return {
    protocol: 'ssh',
    host: url.hostname,
    port: url.port ? parsePort(url.port, 'port') : null,
    username: url.username ? decodeURIComponent(url.username) : null,
  };
}

function displayUrl(p: ParsedHost): string {
  switch (p.protocol) {
    case 'unix':
      return `unix://${p.path}`;
    case 'npipe':
      return `npipe://${p.path}`;
    case 'tcp': {
      const host = p.host.includes(':') ? `[${p.host}]` : p.host;
      return `tcp://${host}:${p.port}${p.pathPrefix}`;
    }
    case 'ssh': {
      const host = p.host;
      return `ssh://${p.username ? `${p.username}@` : ''}${host}${p.port ? `:${p.port}` : ''}`;
    }
  }
}

function toResolved(p: ParsedHost, source: EndpointSource, context: string | null, tls: TlsFiles | null, warnings: string[]): ResolvedEndpoint {
  let target: EndpointTarget;
  let local: boolean;
  switch (p.protocol) {
    case 'unix':
    case 'npipe':
      target = { kind: 'socket', path: p.path };
      local = true;
      break;
    case 'tcp':
      target = { kind: 'tcp', host: p.host, port: p.port, pathPrefix: p.pathPrefix, tls };
      local = isLoopbackHost(p.host);
      break;
    case 'ssh':
      target = { kind: 'ssh', host: p.host, port: p.port, username: p.username };
      local = isLoopbackHost(p.host);
      break;
  }
  const endpoint: DockerEndpoint = { url: displayUrl(p), protocol: p.protocol, source, context, tls: target.kind === 'tcp' && tls !== null, local };
  return { ok: true, endpoint, target, warnings };
}

function failure(source: EndpointSource, context: string | null, message: string, hint: string, warnings: string[]): UnresolvedEndpoint {
  return { ok: false, error: new AppError('DOCKER_UNREACHABLE', message, { hint }), source, context, warnings };
}

export function resolveDockerEndpoint(opts: ResolveEndpointOptions): EndpointResolution {
  const env = opts.env;
  const platform = opts.platform ?? process.platform;
  const home = opts.homedir ?? userHome(env, platform);
  const exists = opts.exists ?? ((f: string) => fs.existsSync(f));
  const readFile = opts.readFile ?? ((f: string) => fs.readFileSync(f, 'utf8'));
  const configDir = dockerConfigDir(env, home);
  const warnings: string[] = [];

  // 1. DOCKER_HOST wins over every context, as in the CLI (it even overrides DOCKER_CONTEXT).
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    const tlsVerify = Boolean(env.DOCKER_TLS_VERIFY);
    const tlsOn = tlsVerify || Boolean(env.DOCKER_TLS);
    let parsed: ParsedHost;
    try {
      parsed = parseDockerHost(dockerHost, { tls: tlsOn });
    } catch (err) {
      return failure(
        'DOCKER_HOST',
        null,
        `DOCKER_HOST=${dockerHost} is not a valid address: ${(err as Error).message}.`,
        'Set DOCKER_HOST to unix:///path/to/docker.sock, tcp://host:2376, ssh://user@host or npipe:////./pipe/docker_engine, or unset it to use the current docker context.',
        warnings,
      );
    }
    let tls: TlsFiles | null = null;
    if (parsed.protocol === 'tcp' && tlsOn) {
      const certDir = env.DOCKER_CERT_PATH ? path.resolve(env.DOCKER_CERT_PATH) : configDir;
      const files = tlsFilesIn(certDir, exists);
      const origin = env.DOCKER_CERT_PATH ? 'DOCKER_CERT_PATH' : 'the docker config folder';
      if (tlsVerify && !files.ca) {
        return failure(
          'DOCKER_HOST',
          null,
          `DOCKER_TLS_VERIFY is set but there is no CA certificate at ${path.join(certDir, 'ca.pem')}.`,
          `Put ca.pem, cert.pem and key.pem in ${origin} (${certDir}), point DOCKER_CERT_PATH at the folder that has them, or unset DOCKER_TLS_VERIFY if the engine does not use TLS.`,
          warnings,
        );
      }
      if (Boolean(files.cert) !== Boolean(files.key)) {
        const have = files.cert ? 'cert.pem' : 'key.pem';
        const lack = files.cert ? 'key.pem' : 'cert.pem';
        return failure(
          'DOCKER_HOST',
          null,
          `Found ${have} but no ${lack} in ${certDir}: a client certificate needs both.`,
          `Copy the missing ${lack} into ${certDir}, or point DOCKER_CERT_PATH at the folder with both files.`,
          warnings,
        );
      }
      tls = { ...files, verify: tlsVerify };
    }
    return toResolved(parsed, 'DOCKER_HOST', null, tls, warnings);
  }

  // 2. The current context: DOCKER_CONTEXT, else config.json's currentContext.
  let contextName: string | null = null;
  let source: EndpointSource = 'DOCKER_CONTEXT';
  if (env.DOCKER_CONTEXT?.trim()) {
    contextName = env.DOCKER_CONTEXT.trim();
  } else {
    const configFile = path.join(configDir, 'config.json');
    if (exists(configFile)) {
      try {
        const config = JSON.parse(readFile(configFile)) as unknown;
        const current = isRecord(config) ? config.currentContext : undefined;
        if (typeof current === 'string' && current.trim() !== '') {
          contextName = current.trim();
          source = 'config.json currentContext';
        }
      } catch (err) {
        // The docker CLI warns and goes on with an empty config; so do we.
        warnings.push(`Could not read ${configFile} (${(err as Error).message}); ignoring it, as the docker CLI does.`);
      }
    }
  }

  if (contextName !== null && contextName !== DEFAULT_CONTEXT_NAME) {
    return resolveContext(contextName, source, configDir, { platform, home, exists, readFile }, warnings);
  }

  // 3. The platform default.
  return platformDefault(platform, home, exists, warnings);
}

function platformDefault(platform: NodeJS.Platform, home: string, exists: (f: string) => boolean, warnings: string[]): ResolvedEndpoint {
  if (platform === 'win32') return toResolved({ protocol: 'npipe', path: DEFAULT_NAMED_PIPE }, 'default pipe', null, null, warnings);
  if (!exists(DEFAULT_UNIX_SOCKET)) {
    // Docker Desktop (Linux, and macOS without the privileged helper) puts its socket in the home folder.
    const desktop = path.join(home, '.docker', 'run', 'docker.sock');
    if (exists(desktop)) return toResolved({ protocol: 'unix', path: desktop }, 'Docker Desktop socket', null, null, warnings);
  }
  return toResolved({ protocol: 'unix', path: DEFAULT_UNIX_SOCKET }, 'default socket', null, null, warnings);
}

function tlsFilesIn(dir: string, exists: (f: string) => boolean): Omit<TlsFiles, 'verify'> {
  const pick = (name: string) => {
    const file = path.join(dir, name);
    return exists(file) ? file : null;
  };
  return { ca: pick('ca.pem'), cert: pick('cert.pem'), key: pick('key.pem') };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolveContext(
  name: string,
  source: EndpointSource,
  configDir: string,
  io: { platform: NodeJS.Platform; home: string; exists: (f: string) => boolean; readFile: (f: string) => string },
  warnings: string[],
): EndpointResolution {
  const via = source === 'DOCKER_CONTEXT' ? 'DOCKER_CONTEXT' : `currentContext in ${path.join(configDir, 'config.json')}`;
  const fixHint =
    source === 'DOCKER_CONTEXT'
      ? 'Run `docker context ls` to see the contexts, then set DOCKER_CONTEXT to one of them or unset it.'
      : 'Run `docker context ls` to see the contexts and `docker context use NAME` to pick one (`docker context use default` for the local engine).';
  const hash = contextDirName(name);
  const metaFile = path.join(configDir, 'contexts', 'meta', hash, 'meta.json');
  if (!io.exists(metaFile)) {
    return failure(source, name, `Docker context "${name}" (from ${via}) does not exist: no ${metaFile}.`, fixHint, warnings);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(io.readFile(metaFile));
  } catch (err) {
    return failure(
      source,
      name,
      `Docker context "${name}" is unreadable: ${metaFile}: ${(err as Error).message}.`,
      `Re-create it with \`docker context rm ${name}\` and \`docker context create ${name} ...\`, or pick another context. ${fixHint}`,
      warnings,
    );
  }
  const endpoints = isRecord(meta) ? meta.Endpoints : undefined;
  const dockerEp = isRecord(endpoints) ? endpoints.docker : undefined;
  if (!isRecord(dockerEp)) {
    return failure(source, name, `Docker context "${name}" has no docker endpoint (Endpoints.docker in ${metaFile}).`, fixHint, warnings);
  }
  const host = typeof dockerEp.Host === 'string' ? dockerEp.Host.trim() : '';
  const skipVerify = dockerEp.SkipTLSVerify === true;
  const tlsDir = path.join(configDir, 'contexts', 'tls', hash, 'docker');
  const files = tlsFilesIn(tlsDir, io.exists);
  const hasTlsData = Boolean(files.ca || files.cert || files.key);
  if (host === '') {
    // A context without a host means the local default, like the "default" context.
    const local = platformDefault(io.platform, io.home, io.exists, warnings);
    return { ...local, endpoint: { ...local.endpoint, source, context: name } };
  }
  let parsed: ParsedHost;
  try {
    parsed = parseDockerHost(host, { tls: hasTlsData || skipVerify });
  } catch (err) {
    return failure(
      source,
      name,
      `Docker context "${name}" has an invalid host "${host}": ${(err as Error).message}.`,
      `Fix it with \`docker context update ${name} --docker host=...\`, or pick another context. ${fixHint}`,
      warnings,
    );
  }
  if (Boolean(files.cert) !== Boolean(files.key)) {
    return failure(
      source,
      name,
      `Docker context "${name}" has only one of cert.pem and key.pem in ${tlsDir}.`,
      `Re-create the context's TLS material with \`docker context update ${name} --docker ...\`.`,
      warnings,
    );
  }
  const tls: TlsFiles | null = hasTlsData || skipVerify ? { ...files, verify: !skipVerify } : null;
  return toResolved(parsed, source, name, tls, warnings);
}
