import { z } from 'zod';
import { event, method } from './define';

export type EndpointSource = 'DOCKER_HOST' | 'DOCKER_CONTEXT' | 'config.json currentContext' | 'default socket' | 'Docker Desktop socket' | 'default pipe';

export interface DockerEndpoint {
  /** What a person would recognise: unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host, npipe:////./pipe/docker_engine */
  url: string;
  protocol: 'unix' | 'npipe' | 'tcp' | 'ssh';
  source: EndpointSource;
  /** The docker context's name when the endpoint came from one. */
  context: string | null;
  tls: boolean;
  /** true when containers' published ports live on this machine (unix socket, npipe, tcp to loopback). */
  local: boolean;
}

export type DockerConnectionState = 'connecting' | 'connected' | 'unreachable';

export interface DockerStatus {
  state: DockerConnectionState;
  endpoint: DockerEndpoint | null;
  engineVersion: string | null;
  apiVersion: string | null;
  os: string | null;
  /** Why Docker is unreachable, and what to do (present when state is 'unreachable'). */
  error: { code: string; message: string; hint: string } | null;
  /** When the next connection attempt happens (epoch ms), while unreachable. */
  nextRetryAt: number | null;
}

/** One docker CLI context (`docker context ls`), plus the implicit `default`. */
export interface DockerContextInfo {
  name: string;
  description: string;
  /** As DockerEndpoint.url; '' when the endpoint cannot be resolved. */
  url: string;
  protocol: DockerEndpoint['protocol'] | null;
  /** The one the docker CLI would use now: DOCKER_CONTEXT or config.json's currentContext; DOCKER_HOST set makes it `default`. */
  current: boolean;
  /** Why the context's endpoint cannot be resolved (missing, unreadable, bad host); null when it can. */
  error: string | null;
}

export interface DockerContextList {
  contexts: DockerContextInfo[];
  /** The app's own choice (the dockerContext setting); null = as the environment says. */
  selected: string | null;
  /** The context in use now; `default` when DOCKER_HOST or nothing names one. */
  active: string;
  /** DOCKER_HOST when the environment sets it (overridden by an explicit choice). */
  dockerHostOverride: string | null;
}

export const dockerMethods = {
  getDockerStatus: method<DockerStatus>()(z.tuple([])),
  /** Try to connect now instead of waiting for the next retry. */
  retryDockerConnection: method<DockerStatus>()(z.tuple([])),
  listDockerContexts: method<DockerContextList>()(z.tuple([])),
  /**
   * Switch the engine to a docker context (it wins over DOCKER_HOST, like `docker --context`) and remember
   * it; null goes back to what the environment says. Refused (JOB_CONFLICT) while a job runs.
   */
  useDockerContext: method<DockerStatus>()(z.tuple([z.string().min(1).max(200).nullable()])),
};

export const dockerEvents = {
  dockerStatus: event<DockerStatus>(),
};
