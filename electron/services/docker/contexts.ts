import fs from 'node:fs';
import path from 'node:path';
import type { DockerContextInfo } from '../../../shared/contract/docker';
import { DEFAULT_CONTEXT_NAME, dockerConfigDir, resolveDockerEndpoint, userHome, type EndpointResolution, type ResolveEndpointOptions } from './endpoint';

export interface ListContextsOptions extends Omit<ResolveEndpointOptions, 'env'> {
  /** Names in a folder; [] when it does not exist. */
  readDir?: (dir: string) => string[];
}

/**
 * The docker CLI's contexts (`docker context ls`): the implicit `default` first, then every
 * contexts/meta/<hash>/meta.json under DOCKER_CONFIG (or ~/.docker) by name. Each endpoint is resolved
 * by resolveDockerEndpoint as if that context were chosen with DOCKER_HOST unset, so what the list shows
 * is what choosing it connects to. A pure function of (env, filesystem, platform).
 */
export function listDockerContexts(env: NodeJS.ProcessEnv, opts: ListContextsOptions = {}): DockerContextInfo[] {
  const io = withDefaults(env, opts);
  const current = currentContextName(env, io);
  const named = contextsOnDisk(env, io);
  // A current context that does not exist is listed too, so the user sees why nothing connects.
  if (current !== DEFAULT_CONTEXT_NAME && !named.has(current)) named.set(current, '');

  const entries: DockerContextInfo[] = [entry(DEFAULT_CONTEXT_NAME, 'The local engine (the platform default socket)', env, io, current)];
  for (const name of [...named.keys()].sort((a, b) => a.localeCompare(b))) entries.push(entry(name, named.get(name) ?? '', env, io, current));
  return entries;
}

/** The names a user can choose: `default` and the contexts on disk (not a current context that does not exist). */
export function knownContextNames(env: NodeJS.ProcessEnv, opts: ListContextsOptions = {}): string[] {
  return [DEFAULT_CONTEXT_NAME, ...[...contextsOnDisk(env, withDefaults(env, opts)).keys()].sort((a, b) => a.localeCompare(b))];
}

type Io = Omit<ResolveEndpointOptions, 'env'> & { homedir: string; readFile: (f: string) => string; readDir: (dir: string) => string[] };

function withDefaults(env: NodeJS.ProcessEnv, opts: ListContextsOptions): Io {
  const platform = opts.platform ?? process.platform;
  return {
    ...opts,
    platform,
    homedir: opts.homedir ?? userHome(env, platform),
    readFile: opts.readFile ?? ((f: string) => fs.readFileSync(f, 'utf8')),
    readDir: opts.readDir ?? readDirOrEmpty,
  };
}

/** Name → description of each readable contexts/meta/<hash>/meta.json. */
function contextsOnDisk(env: NodeJS.ProcessEnv, io: Io): Map<string, string> {
  const metaDir = path.join(dockerConfigDir(env, io.homedir), 'contexts', 'meta');
  const named = new Map<string, string>();
  for (const dir of io.readDir(metaDir)) {
    const meta = readMeta(path.join(metaDir, dir, 'meta.json'), io.readFile);
    // The CLI refuses to create a context called "default"; a hand-made one would be shadowed anyway.
    if (meta && meta.name !== DEFAULT_CONTEXT_NAME) named.set(meta.name, meta.description);
  }
  return named;
}

/**
 * The context the docker CLI would use with this env: `default` when DOCKER_HOST is set or nothing names
 * one, else DOCKER_CONTEXT or config.json's currentContext (read by resolveDockerEndpoint itself).
 */
export function currentContextName(env: NodeJS.ProcessEnv, opts: Omit<ResolveEndpointOptions, 'env'> = {}): string {
  return contextOf(resolveDockerEndpoint({ ...opts, env })) ?? DEFAULT_CONTEXT_NAME;
}

/** The env that makes the docker CLI (and the connection) use context `name`: `docker --context NAME`, which wins over DOCKER_HOST. */
export function envForContext(env: NodeJS.ProcessEnv, name: string): NodeJS.ProcessEnv {
  const next: NodeJS.ProcessEnv = { ...env, DOCKER_CONTEXT: name };
  delete next.DOCKER_HOST;
  return next;
}

function contextOf(res: EndpointResolution): string | null {
  return res.ok ? res.endpoint.context : res.context;
}

function entry(name: string, description: string, env: NodeJS.ProcessEnv, io: Omit<ResolveEndpointOptions, 'env'>, current: string): DockerContextInfo {
  const res = resolveDockerEndpoint({ ...io, env: envForContext(env, name) });
  const base = { name, description, current: name === current };
  if (res.ok) return { ...base, url: res.endpoint.url, protocol: res.endpoint.protocol, error: null };
  return { ...base, url: '', protocol: null, error: res.error.message };
}

function readMeta(file: string, readFile: (f: string) => string): { name: string; description: string } | null {
  let meta: unknown;
  try {
    meta = JSON.parse(readFile(file));
  } catch {
    // Not a context folder the CLI could read either; `docker context ls` would fail on it, we skip it.
    return null;
  }
  if (typeof meta !== 'object' || meta === null) return null;
  const { Name, Metadata } = meta as { Name?: unknown; Metadata?: unknown };
  if (typeof Name !== 'string' || Name.trim() === '') return null;
  const description = typeof Metadata === 'object' && Metadata !== null ? (Metadata as { Description?: unknown }).Description : undefined;
  return { name: Name, description: typeof description === 'string' ? description : '' };
}

function readDirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
