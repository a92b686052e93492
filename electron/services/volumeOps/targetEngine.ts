import type Dockerode from 'dockerode';
import type { DockerEndpoint } from '../../../shared/contract/docker';
import { AppError } from '../../../shared/contract/errors';
import { createDockerConnection } from '../docker/connection';
import { knownContextNames } from '../docker/contexts';
import { toAppError } from '../docker/errors';
import type { DockerConnection } from '../docker/types';

/**
 * The oldest Engine API a transfer accepts: 1.41 (Docker 20.10) is where `NetworkMode: 'none'` helpers,
 * `HostConfig.Mounts` of volumes, streamed `/images/load` with progress and `CapDrop: ['ALL']` with
 * `no-new-privileges` all behave as the helpers here need.
 */
export const MIN_TARGET_API = '1.41';

/** Another engine, reached once as `docker --context NAME` would reach it. */
export interface TargetEngine {
  readonly context: string;
  readonly docker: Dockerode;
  readonly endpoint: DockerEndpoint;
  readonly apiVersion: string;
  /** Its identity (`docker info`: see identity()), to tell it from the source even behind another address. */
  readonly engineId: string | null;
  /** How the job names it to people: `second (unix:///run/…/docker.sock)`. */
  readonly words: string;
  /** Ends the connection's timers; the job's cleanup calls it whatever happened. */
  close(): Promise<void>;
}

export interface ConnectTargetOptions {
  /** The process's environment (DOCKER_CONFIG, HOME, ssh settings). */
  env: NodeJS.ProcessEnv;
  context: string;
  /** The engine the volume is on (the source), so a context that reaches it again is refused. */
  sourceEngineId: string | null;
  sourceUrl: string | null;
  probeTimeoutMs?: number;
}

/** `1.41` → [1, 41]; numbers compare, so `1.9` < `1.41`. */
export function apiAtLeast(have: string, need: string): boolean {
  const [a1 = 0, a2 = 0] = have.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const [b1 = 0, b2 = 0] = need.split('.').map((n) => Number.parseInt(n, 10) || 0);
  return a1 !== b1 ? a1 > b1 : a2 >= b2;
}

/**
 * Connects once to docker context `context` (the connection module resolves the endpoint from the env
 * with DOCKER_CONTEXT set and DOCKER_HOST dropped: the CLI's `--context`), any protocol it can reach.
 * Refuses an unknown context (naming the known ones), one that does not answer (the connection's own
 * words), the source engine itself, and an engine older than API 1.41.
 */
export async function connectTarget(opts: ConnectTargetOptions): Promise<TargetEngine> {
  const known = knownContextNames(opts.env);
  if (!known.includes(opts.context)) {
    throw new AppError('INVALID_ARGUMENT', `There is no docker context "${opts.context}". Known contexts: ${known.join(', ')}.`, {
      hint: 'Create it with `docker context create NAME --docker host=…`, or pick one of the known contexts (`ailab contexts`).',
      details: { known },
    });
  }
  const connection: DockerConnection = createDockerConnection({ env: opts.env, context: opts.context, probeTimeoutMs: opts.probeTimeoutMs });
  const close = () => connection.stop();
  try {
    const status = await connection.connectOnce();
    const endpoint = status.endpoint;
    const words = `${opts.context}${endpoint ? ` (${endpoint.url})` : ''}`;
    if (status.state !== 'connected' || !endpoint) {
      // An ssh host key refused is not an engine that "does not answer": keep its code and words.
      const hostKey = status.error?.code === 'HOST_KEY_UNKNOWN' || status.error?.code === 'HOST_KEY_CHANGED' ? status.error.code : null;
      throw new AppError(
        hostKey ?? 'DOCKER_UNREACHABLE',
        `The target engine ${words}${hostKey ? ' was refused' : ' does not answer'}: ${status.error?.message ?? 'no answer'}`,
        {
          hint: status.error?.hint ?? 'Start that engine, or check the context (`docker --context NAME info`).',
          details: { context: opts.context },
        },
      );
    }
    const apiVersion = status.apiVersion ?? '0';
    if (!apiAtLeast(apiVersion, MIN_TARGET_API)) {
      throw new AppError(
        'DOCKER_ERROR',
        `The target engine ${words} is too old for a transfer: it needs Docker 20.10 / API ${MIN_TARGET_API} or newer; it has Docker ${status.engineVersion ?? '?'} (API ${apiVersion}).`,
        {
          hint: 'Update Docker on that machine, or copy the volume with a backup and a restore.',
          details: { apiVersion, engineVersion: status.engineVersion },
        },
      );
    }
    const docker = connection.client();
    let engineId: string | null;
    try {
      engineId = identity(await docker.info());
    } catch (err) {
      throw toAppError(err);
    }
    const same = (opts.sourceEngineId && engineId && engineId === opts.sourceEngineId) || (opts.sourceUrl !== null && endpoint.url === opts.sourceUrl);
    if (same) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `The context "${opts.context}" is the engine the volume is on (${endpoint.url}): that is this engine; use clone.`,
        {
          hint: 'Pick a context of another engine, or clone the volume on this one (More → Clone, `ailab volumes clone`).',
          details: { context: opts.context },
        },
      );
    }
    return { context: opts.context, docker, endpoint, apiVersion, engineId, words, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * Who an engine is: `docker info`'s ID alone is not enough, since every dockerd of one machine shares
 * it (/etc/docker/key.json; measured: the tests' second dockerd reports the first one's ID), so its data
 * root and host name go with it.
 */
function identity(info: unknown): string | null {
  const i = info as { ID?: unknown; DockerRootDir?: unknown; Name?: unknown };
  return typeof i.ID === 'string' && i.ID !== '' ? `${i.ID}|${String(i.DockerRootDir)}|${String(i.Name)}` : null;
}

/** The source engine's identity, for the sameness check (null when it does not say). */
export async function engineIdOf(docker: Dockerode): Promise<string | null> {
  try {
    return identity(await docker.info());
  } catch {
    return null;
  }
}
