import type Dockerode from 'dockerode';
import type { DockerStatus } from '../../../shared/contract/docker';

/** One message of the Engine's `GET /events` stream. */
export interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/**
 * The app's connection to the Docker Engine: resolves the endpoint like the docker CLI, keeps
 * retrying while Docker is unreachable, and follows the Engine's event stream while it is reachable
 * (the stream ending is how we learn Docker went away, without polling).
 */
export interface DockerConnection {
  status(): DockerStatus;
  /**
   * The client for the resolved endpoint. Calls fail with errors that toAppError maps to
   * DOCKER_UNREACHABLE. Throws that AppError itself when DOCKER_HOST or the context is malformed,
   * so call it inside the same try/catch as the request.
   */
  client(): Dockerode;
  /** Begin connecting, retrying and following events. Idempotent. */
  start(): void;
  /** Ends the event stream and every timer, so the process can exit. start() may be called again. */
  stop(): Promise<void>;
  /** Try now instead of waiting for the next retry; resolves with the resulting status. */
  retryNow(): Promise<DockerStatus>;
  /**
   * One connection attempt (ping + version) without retries or the event stream, for one-shot
   * callers like the CLI. While started it is the same as retryNow().
   */
  connectOnce(): Promise<DockerStatus>;
  /**
   * Resolve from now on as if the docker CLI got `--context NAME` (the choice wins over DOCKER_HOST);
   * null goes back to the process's environment. Drops the old client and event stream, reports
   * `connecting` with the new endpoint at once, and resolves with the status of the first attempt.
   */
  useContext(name: string | null): Promise<DockerStatus>;
  onStatus(listener: (s: DockerStatus) => void): () => void;
  onEngineEvent(listener: (e: EngineEvent) => void): () => void;
}
