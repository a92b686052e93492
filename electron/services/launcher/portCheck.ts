import net from 'node:net';
import type Dockerode from 'dockerode';
import { isAiLabImage, LABELS } from '../../../shared/ailab';
import type { PortCheck, PortHolder } from '../../../shared/contract/launcher';
import { toAppError } from '../docker/errors';

/** The part of `docker ps` output the check reads. */
export interface PublishedPortsLike {
  Id: string;
  Names?: string[];
  Image: string;
  Labels?: Record<string, string> | null;
  Ports?: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> | null;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Two bindings of one port collide unless both name different specific addresses. */
export function bindingsCollide(a: string, b: string): boolean {
  return a === b || WILDCARDS.has(a) || WILDCARDS.has(b);
}

export function containerHoldingPort(containers: PublishedPortsLike[], port: number, listenIp: string, exceptId?: string): PortHolder | null {
  for (const c of containers) {
    if (exceptId && c.Id.startsWith(exceptId)) continue;
    for (const p of c.Ports ?? []) {
      if (p.Type !== 'tcp' || p.PublicPort !== port) continue;
      if (!bindingsCollide(p.IP ?? '', listenIp)) continue;
      return {
        kind: 'container',
        id: c.Id,
        name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
        image: c.Image,
        hostIp: p.IP ?? '0.0.0.0',
        aiLab: isAiLabImage(c.Image) || Boolean(c.Labels?.[LABELS.launched]),
      };
    }
  }
  return null;
}

/**
 * Try to listen on the port the container would publish. Only meaningful when the engine's published
 * ports live on this machine; catches programs that are not containers (another Jupyter, a dev server).
 */
export function bindTest(port: number, host: string): Promise<PortHolder | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        resolve({ kind: 'host', message: `Port ${port} is in use on this computer: another program (not a container) is listening on ${host}:${port}.` });
      } else if (err.code === 'EACCES') {
        resolve({ kind: 'host', message: `Port ${port} needs administrator rights on this computer; choose one above 1023.` });
      } else if (err.code === 'EADDRNOTAVAIL') {
        resolve({ kind: 'host', message: `${host} is not an address of this computer.` });
      } else {
        resolve({ kind: 'host', message: `Cannot listen on ${host}:${port} (${err.code ?? err.message}).` });
      }
    });
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(null));
    });
  });
}

export interface PortCheckDeps {
  docker: Dockerode;
  /** Published ports live on this machine, so a bind test is meaningful. */
  local: boolean;
  /** Containers to ignore (the one being restarted holds its own port). */
  exceptContainerId?: string;
}

async function runningContainers(docker: Dockerode): Promise<PublishedPortsLike[]> {
  try {
    return (await docker.listContainers({ all: false })) as PublishedPortsLike[];
  } catch (err) {
    throw toAppError(err);
  }
}

async function holderOf(deps: PortCheckDeps, containers: PublishedPortsLike[], port: number, listenIp: string): Promise<PortHolder | null> {
  const container = containerHoldingPort(containers, port, listenIp, deps.exceptContainerId);
  if (container) return container;
  if (!deps.local) return null;
  return bindTest(port, listenIp);
}

export async function checkPort(deps: PortCheckDeps, port: number, listenIp: string): Promise<PortCheck> {
  const containers = await runningContainers(deps.docker);
  const holder = await holderOf(deps, containers, port, listenIp);
  if (!holder) return { port, listenIp, free: true, holder: null, suggestion: null, bindTested: deps.local };
  if (holder.kind === 'host' && /administrator rights|not an address/.test(holder.message) && port >= 1024) {
    return { port, listenIp, free: false, holder, suggestion: null, bindTested: deps.local };
  }
  let suggestion: number | null = null;
  const start = port < 1024 ? 49494 : port + 1;
  for (let p = start; p <= Math.min(65535, start + 200); p++) {
    if (!(await holderOf(deps, containers, p, listenIp))) {
      suggestion = p;
      break;
    }
  }
  return { port, listenIp, free: false, holder, suggestion, bindTested: deps.local };
}

export function describePortHolder(check: PortCheck): string {
  const where = `${check.listenIp}:${check.port}`;
  const h = check.holder;
  if (!h) return `Port ${where} is free.`;
  if (h.kind === 'container') {
    return `Port ${check.port} is already published by container "${h.name}" (${h.image}${h.aiLab ? ', an AI-Lab container' : ''}) on ${h.hostIp || '0.0.0.0'}.`;
  }
  return h.message;
}
