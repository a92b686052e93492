import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../../../shared/contract/errors';
import { engineMessage } from '../docker/errors';
import type { JobContext } from '../jobs/jobContext';

/** Docker Hub's key in config.json and for credential helpers, as the docker CLI writes it. */
const DOCKER_HUB = 'https://index.docker.io/v1/';

/** The registry part of a reference, as the docker CLI reads it: `docker.io` unless the first part looks like a host. */
export function registryOf(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

function hostKey(server: string): string {
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; identitytoken?: string }>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG ?? path.join(os.homedir(), '.docker'), 'config.json');
}

/** `docker-credential-<helper> get`, the registry on stdin (execFile, no shell), as the docker CLI calls it. */
function credentialHelper(helper: string, server: string): Promise<{ Username: string; Secret: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err) {
        reject(
          new AppError(
            'REMOTE_AUTH_FAILED',
            `The credential helper docker-credential-${helper} gave no login for ${server}: ${(stderr || stdout || err.message).trim()}`,
            {
              hint: `Log in with \`docker login ${server === DOCKER_HUB ? '' : server}\`, or install docker-credential-${helper} where the app can run it (on the PATH).`,
            },
          ),
        );
        return;
      }
      try {
        resolve(JSON.parse(stdout) as { Username: string; Secret: string });
      } catch {
        reject(new AppError('REMOTE_AUTH_FAILED', `docker-credential-${helper} answered something that is not a login.`));
      }
    });
    child.stdin?.end(server);
  });
}

/**
 * The user's login for the registry of `ref`, as `docker push` finds it in ~/.docker/config.json:
 * a credHelpers entry for the registry, else the credsStore, else `auths[registry].auth` (base64
 * user:pass). Null when there is none: the push is tried without (a registry that allows it).
 */
export async function credentialsFor(ref: string, configFile = dockerConfigPath()): Promise<RegistryAuth | null> {
  let config: DockerConfig;
  try {
    config = JSON.parse(await fs.readFile(configFile, 'utf8')) as DockerConfig;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AppError('INVALID_ARGUMENT', `${configFile} could not be read: ${(err as Error).message}`, {
      hint: 'Fix or remove the file, then log in again with docker login.',
    });
  }
  const registry = registryOf(ref);
  const serveraddress = registry === 'docker.io' ? DOCKER_HUB : registry;
  const helperKey = Object.keys(config.credHelpers ?? {}).find((k) => hostKey(k) === registry);
  const entry = Object.entries(config.auths ?? {}).find(([k]) => hostKey(k) === registry)?.[1];
  const helper = helperKey ? config.credHelpers?.[helperKey] : config.credsStore;
  if (helper) {
    const got = await credentialHelper(helper, serveraddress).catch((err: unknown) => {
      // A store without this registry: an inline auth (older logins) may still be there.
      if (entry?.auth) return null;
      throw err;
    });
    if (got) return got.Username === '<token>' ? { identitytoken: got.Secret, serveraddress } : { username: got.Username, password: got.Secret, serveraddress };
  }
  if (entry?.identitytoken) return { identitytoken: entry.identitytoken, serveraddress };
  if (!entry?.auth) return null;
  const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0)
    throw new AppError('INVALID_ARGUMENT', `The login for ${registry} in ${configFile} is damaged.`, { hint: `Log in again: docker login ${registry}` });
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), serveraddress };
}

/** What the registry or the engine said, as a message and a hint a person can act on. */
export function explainPushError(ref: string, raw: string, hadLogin: boolean): AppError {
  const m = raw.toLowerCase();
  const registry = registryOf(ref);
  const details = { image: ref, registry, engineMessage: raw };
  if (/unauthorized|authentication required|no basic auth credentials|denied|incorrect username or password|401/.test(m)) {
    return new AppError('REMOTE_AUTH_FAILED', `The registry ${registry} refused the push of ${ref}: ${raw}`, {
      hint: hadLogin
        ? `The login in ${dockerConfigPath()} was refused or may not push here: log in again with docker login ${registry === 'docker.io' ? '' : registry}, and check that the account may push to this repository.`
        : `There is no login for ${registry} in ${dockerConfigPath()}: run docker login ${registry === 'docker.io' ? '' : registry} first.`,
      details,
    });
  }
  if (
    /dial tcp|no such host|server misbehaving|connection refused|i\/o timeout|network is unreachable|tls|http response to https client|timeout|no route to host/.test(
      m,
    )
  ) {
    return new AppError('REMOTE_UNREACHABLE', `The Docker engine cannot reach the registry ${registry}: ${raw}`, {
      hint: 'Check the registry name in the image (host[:port]/name:tag), that the registry runs, and the Docker host\'s network. A registry without TLS must be listed in the engine\'s "insecure-registries".',
      details,
    });
  }
  return new AppError('DOCKER_ERROR', `Pushing ${ref} failed: ${raw}`, { hint: 'The image stays on this engine; see the job log.', details });
}

/**
 * The engine's own push (`POST /images/{name}/push`) with the user's login; progress from the push's
 * JSON stream (bytes of the layer pushed), errors from inside it (they never reject the call).
 */
export async function pushImage(ctx: JobContext, ref: string): Promise<void> {
  ctx.phase('pushing');
  const auth = await credentialsFor(ref);
  ctx.log(
    `Pushing ${ref} to ${registryOf(ref)} ${auth ? `as ${auth.username ?? 'a token login'} (from ${dockerConfigPath()})` : 'without a login (none found)'}…`,
  );
  let stream: Readable;
  try {
    stream = (await ctx.docker.getImage(ref).push({ authconfig: auth ?? {}, abortSignal: ctx.signal } as never)) as unknown as Readable;
  } catch (err) {
    throw explainPushError(ref, engineMessage(err), auth !== null);
  }
  const layers = new Map<string, { current: number; total: number }>();
  await new Promise<void>((resolve, reject) => {
    let failure: string | null = null;
    const onAbort = () => {
      stream.destroy();
      reject(new AppError('CANCELLED', 'Cancelled.'));
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    ctx.docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        ctx.signal.removeEventListener('abort', onAbort);
        if (ctx.signal.aborted) return;
        if (failure !== null || err) reject(explainPushError(ref, failure ?? err?.message ?? 'unknown error', auth !== null));
        else resolve();
      },
      (ev: {
        id?: string;
        status?: string;
        error?: string;
        errorDetail?: { message?: string };
        progressDetail?: { current?: number; total?: number };
        aux?: { Digest?: string };
      }) => {
        if (ev.error || ev.errorDetail?.message) {
          failure = ev.errorDetail?.message ?? ev.error ?? 'unknown error';
          return;
        }
        if (ev.aux?.Digest) ctx.log(`Pushed ${ref}: ${ev.aux.Digest}`);
        else if (ev.status && ev.status !== 'Pushing') ctx.log(ev.id ? `${ev.id}: ${ev.status}` : ev.status);
        if (ev.id && ev.progressDetail?.total) {
          layers.set(ev.id, { current: ev.progressDetail.current ?? 0, total: ev.progressDetail.total });
          let current = 0;
          let total = 0;
          for (const l of layers.values()) {
            current += l.current;
            total += l.total;
          }
          ctx.progress.setTotals({ bytesTotal: total });
          ctx.progress.setBytesDone(current);
        }
      },
    );
  });
}
