import type { DockerEndpoint } from '../../../shared/contract/docker';

const WILDCARD = new Set(['0.0.0.0', '::']);

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

function bracket(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The engine's host name from tcp://host:2376 or ssh://user@host. */
export function engineHost(endpoint: DockerEndpoint): string | null {
  try {
    const host = new URL(endpoint.url).hostname;
    return host || null;
  } catch {
    return null;
  }
}

/**
 * The host a browser on this computer uses to reach a published port. A local engine's ports are on
 * this machine: loopback works for 127.0.0.1 and 0.0.0.0 alike (and is what the user expects to see).
 * A remote engine publishes on its own host.
 */
export function browserHost(endpoint: DockerEndpoint | null, listenIp: string): string {
  const local = endpoint === null || endpoint.local;
  if (!WILDCARD.has(listenIp) && !isLoopback(listenIp)) return bracket(listenIp);
  if (local) return '127.0.0.1';
  return bracket(engineHost(endpoint) ?? '127.0.0.1');
}

export function buildAiLabUrl(endpoint: DockerEndpoint | null, listenIp: string, hostPort: number): string {
  return `http://${browserHost(endpoint, listenIp)}:${hostPort}/`;
}

/** A remote engine listening on its loopback is not reachable from here without a tunnel. */
export function remoteLoopbackWarning(endpoint: DockerEndpoint | null, listenIp: string, hostPort: number): string | null {
  if (!endpoint || endpoint.local || !isLoopback(listenIp)) return null;
  const host = engineHost(endpoint) ?? 'the Docker host';
  return (
    `Docker runs on ${host}, and ${listenIp} there is reachable only from that machine. ` +
    `Forward the port (ssh -L ${hostPort}:127.0.0.1:${hostPort} ${host}) or listen on 0.0.0.0.`
  );
}
