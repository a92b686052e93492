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

export const dockerMethods = {
  getDockerStatus: method<DockerStatus>()(z.tuple([])),
  /** Try to connect now instead of waiting for the next retry. */
  retryDockerConnection: method<DockerStatus>()(z.tuple([])),
};

export const dockerEvents = {
  dockerStatus: event<DockerStatus>(),
};
