import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { DockerEndpoint, DockerStatus } from '../../../shared/contract/docker';
import { AppError } from '../../../shared/contract/errors';
import { createDockerClient } from './client';
import { envForContext } from './contexts';
import { resolveDockerEndpoint, userHome, type EndpointResolution } from './endpoint';
import { describeConnectionError, ProbeTimeoutError, START_DOCKER_HINT } from './errors';
import { JsonObjectSplitter, toEngineEvent } from './eventStream';
import type { DockerConnection, EngineEvent } from './types';

export interface DockerConnectionOptions {
  env: NodeJS.ProcessEnv;
  /** A docker context chosen in the app (the dockerContext setting); null or absent = as `env` says. */
  context?: string | null;
  platform?: NodeJS.Platform;
  /** Home folder for ~/.docker and ssh keys; defaults to the one the env names. */
  homedir?: string;
  /** How long one ping + version may take before the engine counts as unreachable. */
  probeTimeoutMs?: number;
  /** Waits between attempts while unreachable; the last one repeats. */
  backoffMs?: readonly number[];
  /** A stream that ends sooner than this after opening is not reopened at once (no busy loop). */
  minStreamLifetimeMs?: number;
}

const DEFAULT_BACKOFF_MS = [1000, 2000, 4000, 5000] as const;

type WithSignal<T> = (opts: { abortSignal: AbortSignal }) => Promise<T>;

interface EventsHandle {
  abort: AbortController;
  stream: Readable | null;
  openedAt: number;
}

export function createDockerConnection(opts: DockerConnectionOptions): DockerConnection {
  return new EngineConnection(opts);
}

/**
 * State machine: connecting → connected ⇄ unreachable. Connected means ping and version answered
 * and (when started) the event stream is open; the stream ending triggers a fresh probe, which is
 * how a vanished engine is noticed without polling. Unreachable schedules the next attempt with
 * backoff. The endpoint is resolved again on every attempt, so `docker context use` or a Docker
 * Desktop socket that appears later is picked up without a restart.
 */
class EngineConnection implements DockerConnection {
  /** The environment the process started with; `env` is it with the app's chosen context applied. */
  private readonly baseEnv: NodeJS.ProcessEnv;
  private env: NodeJS.ProcessEnv;
  private readonly platform: NodeJS.Platform;
  private readonly home: string;
  private readonly probeTimeoutMs: number;
  private readonly backoffMs: readonly number[];
  private readonly minStreamLifetimeMs: number;

  private resolution: EndpointResolution;
  private endpointKey = '';
  private docker: Dockerode | null = null;
  private clientError: AppError | null = null;

  private current: DockerStatus;
  private watching = false;
  /** Bumped by stop(): results of work begun before it are dropped. */
  private generation = 0;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private inflight: { gen: number; promise: Promise<DockerStatus>; abort: AbortController } | null = null;
  private events: EventsHandle | null = null;

  private readonly statusListeners = new Set<(s: DockerStatus) => void>();
  private readonly eventListeners = new Set<(e: EngineEvent) => void>();

  constructor(opts: DockerConnectionOptions) {
    this.baseEnv = opts.env;
    this.env = opts.context ? envForContext(opts.env, opts.context) : opts.env;
    this.platform = opts.platform ?? process.platform;
    this.home = opts.homedir ?? userHome(opts.env, this.platform);
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 10_000;
    this.backoffMs = opts.backoffMs && opts.backoffMs.length > 0 ? opts.backoffMs : DEFAULT_BACKOFF_MS;
    this.minStreamLifetimeMs = opts.minStreamLifetimeMs ?? 1000;
    this.resolution = this.refreshEndpoint();
    // A setup that cannot work is reported at once, before start(): the UI and `ailab doctor` show it.
    const res = this.resolution;
    if (!res.ok) this.current = { ...blankStatus('unreachable', null), error: errorPayload(res.error) };
    else if (this.clientError) this.current = { ...blankStatus('unreachable', res.endpoint), error: errorPayload(this.clientError) };
    else this.current = blankStatus('connecting', res.endpoint);
  }

  status(): DockerStatus {
    return this.current;
  }

  client(): Dockerode {
    if (!this.resolution.ok) throw this.resolution.error;
    if (this.clientError) throw this.clientError;
    if (!this.docker) throw new AppError('INTERNAL', 'The Docker client was not created.');
    return this.docker;
  }

  start(): void {
    if (this.watching) return;
    this.watching = true;
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.watching = false;
    this.generation++;
    this.clearRetry();
    this.closeEvents();
    const inflight = this.inflight;
    inflight?.abort.abort();
    if (inflight) await inflight.promise.catch(() => undefined);
    if (this.current.nextRetryAt !== null) this.setStatus({ ...this.current, nextRetryAt: null });
  }

  retryNow(): Promise<DockerStatus> {
    if (this.watching && this.current.state === 'connected' && this.events) return Promise.resolve(this.current);
    return this.attempt();
  }

  connectOnce(): Promise<DockerStatus> {
    return this.watching ? this.retryNow() : this.attempt();
  }

  useContext(name: string | null): Promise<DockerStatus> {
    this.env = name ? envForContext(this.baseEnv, name) : this.baseEnv;
    // Work begun for the old engine must not report into the new one's status.
    this.generation++;
    this.inflight?.abort.abort();
    this.inflight = null;
    this.clearRetry();
    this.failures = 0;
    // A new client even when the endpoint looks the same: the old one's sockets belong to the old choice.
    this.endpointKey = '\u0000';
    const res = this.refreshEndpoint();
    if (!res.ok) this.setStatus({ ...blankStatus('unreachable', null), error: errorPayload(res.error) });
    else if (this.clientError) this.setStatus({ ...blankStatus('unreachable', res.endpoint), error: errorPayload(this.clientError) });
    else this.setStatus(blankStatus('connecting', res.endpoint));
    return this.attempt();
  }

  onStatus(listener: (s: DockerStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onEngineEvent(listener: (e: EngineEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Re-resolves the endpoint; a different endpoint gets a new client (and the old stream is dropped). */
  private refreshEndpoint(): EndpointResolution {
    const res = resolveDockerEndpoint({ env: this.env, platform: this.platform, homedir: this.home });
    this.resolution = res;
    const key = res.ok ? JSON.stringify([res.endpoint, res.target]) : '';
    if (key !== this.endpointKey) {
      this.endpointKey = key;
      this.closeEvents();
      this.docker = null;
      this.clientError = null;
      if (res.ok) {
        try {
          this.docker = createDockerClient(res.target, { env: this.env, homedir: this.home, endpoint: res.endpoint });
        } catch (err) {
          this.clientError = new AppError('DOCKER_UNREACHABLE', `Cannot set up the connection to ${res.endpoint.url}: ${(err as Error).message}.`, {
            hint: res.endpoint.context
              ? `Check the TLS files of the docker context "${res.endpoint.context}" (\`docker context inspect ${res.endpoint.context}\`).`
              : 'Check DOCKER_CERT_PATH and the ca.pem, cert.pem and key.pem in it (readable by you?).',
            cause: err,
          });
        }
      }
    }
    return res;
  }

  private attempt(): Promise<DockerStatus> {
    if (this.inflight && this.inflight.gen === this.generation) return this.inflight.promise;
    this.clearRetry();
    const gen = this.generation;
    const abort = new AbortController();
    const entry = { gen, abort, promise: this.runAttempt(gen, abort.signal) };
    this.inflight = entry;
    entry.promise
      .finally(() => {
        if (this.inflight === entry) this.inflight = null;
      })
      .catch(() => undefined);
    return entry.promise;
  }

  private async runAttempt(gen: number, cancel: AbortSignal): Promise<DockerStatus> {
    // Let attempt() register itself first, so a status listener calling retryNow() joins this attempt.
    await Promise.resolve();
    let res: EndpointResolution;
    try {
      res = this.refreshEndpoint();
    } catch (err) {
      return this.fail(
        gen,
        new AppError('DOCKER_UNREACHABLE', `Could not work out which Docker to use: ${(err as Error).message}.`, { hint: START_DOCKER_HINT, cause: err }),
        null,
      );
    }
    if (!res.ok) return this.fail(gen, res.error, null);
    if (this.clientError || !this.docker) return this.fail(gen, this.clientError ?? new AppError('INTERNAL', 'No Docker client.'), res.endpoint);
    const docker = this.docker;
    try {
      const version = await this.probe(docker, cancel);
      if (gen !== this.generation) return this.current;
      this.failures = 0;
      this.setStatus({
        state: 'connected',
        endpoint: res.endpoint,
        engineVersion: version.Version ?? null,
        apiVersion: version.ApiVersion ?? null,
        os: version.Os ? `${version.Os}${version.Arch ? `/${version.Arch}` : ''}` : null,
        error: null,
        nextRetryAt: null,
      });
      if (this.watching) this.openEvents(docker);
      return this.current;
    } catch (err) {
      return this.fail(gen, describeConnectionError(err, res.endpoint), res.endpoint);
    }
  }

  /** ping + version, bounded in time and cancelled by stop(). */
  private async probe(docker: Dockerode, cancel: AbortSignal): Promise<Dockerode.DockerVersion> {
    const ac = new AbortController();
    const timeout = new ProbeTimeoutError(this.probeTimeoutMs);
    const timer = setTimeout(() => ac.abort(timeout), this.probeTimeoutMs);
    const onCancel = () => ac.abort(cancel.reason);
    cancel.addEventListener('abort', onCancel, { once: true });
    try {
      const ping = docker.ping.bind(docker) as unknown as WithSignal<unknown>;
      const version = docker.version.bind(docker) as unknown as WithSignal<Dockerode.DockerVersion>;
      await ping({ abortSignal: ac.signal });
      return await version({ abortSignal: ac.signal });
    } catch (err) {
      // An abort surfaces as a generic AbortError; report the timeout that caused it instead.
      if (ac.signal.aborted && ac.signal.reason === timeout) throw timeout;
      throw err;
    } finally {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onCancel);
    }
  }

  private fail(gen: number, error: AppError, endpoint: DockerEndpoint | null): DockerStatus {
    if (gen !== this.generation) return this.current;
    this.closeEvents();
    let nextRetryAt: number | null = null;
    if (this.watching) {
      const delay = this.backoffMs[Math.min(this.failures, this.backoffMs.length - 1)] ?? 5000;
      this.failures++;
      nextRetryAt = Date.now() + delay;
      this.scheduleRetry(delay);
    }
    this.setStatus({ ...blankStatus('unreachable', endpoint), error: errorPayload(error), nextRetryAt });
    return this.current;
  }

  private scheduleRetry(delay: number): void {
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.attempt();
    }, delay);
    // Never the reason a process stays alive: the CLI must exit when its work is done.
    this.retryTimer.unref();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private openEvents(docker: Dockerode): void {
    if (this.events) return;
    const handle: EventsHandle = { abort: new AbortController(), stream: null, openedAt: Date.now() };
    this.events = handle;
    const splitter = new JsonObjectSplitter();
    const opts = { abortSignal: handle.abort.signal } as Dockerode.GetEventsOptions;
    docker.getEvents(opts).then(
      (body) => {
        const stream = body as Readable;
        if (this.events !== handle) {
          stream.destroy();
          return;
        }
        handle.stream = stream;
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          this.dispatch(splitter.end());
          this.eventsLost(handle);
        };
        stream.on('data', (chunk: Buffer) => this.dispatch(splitter.push(chunk)));
        stream.on('end', finish);
        stream.on('error', finish);
        stream.on('close', finish);
      },
      () => this.eventsLost(handle),
    );
  }

  private dispatch(values: unknown[]): void {
    for (const value of values) {
      const event = toEngineEvent(value);
      if (!event) continue;
      for (const listener of this.eventListeners) {
        try {
          listener(event);
        } catch {
          // One faulty listener must not starve the others or break the stream.
        }
      }
    }
  }

  /** The stream ended or failed: find out with a probe whether the engine is still there. */
  private eventsLost(handle: EventsHandle): void {
    if (this.events !== handle) return; // closed on purpose
    this.events = null;
    if (!this.watching) return;
    const lived = Date.now() - handle.openedAt;
    if (lived < this.minStreamLifetimeMs) this.scheduleRetry(this.minStreamLifetimeMs - lived);
    else void this.attempt();
  }

  private closeEvents(): void {
    const handle = this.events;
    if (!handle) return;
    this.events = null;
    handle.abort.abort();
    handle.stream?.destroy();
  }

  private setStatus(next: DockerStatus): void {
    if (JSON.stringify(next) === JSON.stringify(this.current)) return;
    this.current = next;
    for (const listener of this.statusListeners) {
      try {
        listener(next);
      } catch {
        // Listeners are presentation; a throwing one must not stop the others.
      }
    }
  }
}

function blankStatus(state: DockerStatus['state'], endpoint: DockerEndpoint | null): DockerStatus {
  return { state, endpoint, engineVersion: null, apiVersion: null, os: null, error: null, nextRetryAt: null };
}

function errorPayload(error: AppError): NonNullable<DockerStatus['error']> {
  return { code: error.code, message: error.message, hint: error.hint ?? START_DOCKER_HINT };
}
