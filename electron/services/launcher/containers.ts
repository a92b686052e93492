import type Dockerode from 'dockerode';
import { isAiLabImage, LABELS, layoutFromTable, splitImageRef } from '../../../shared/ailab';
import type { DockerEndpoint } from '../../../shared/contract/docker';
import { AppError } from '../../../shared/contract/errors';
import type { AiLabContainer, ContainerState } from '../../../shared/contract/launcher';
import { isNotFound, toAppError } from '../docker/errors';
import { loginHint } from './imageFacts';
import { buildAiLabUrl } from './url';

/** Labels the launcher adds next to LABELS.launched, so the panel knows what it launched with. */
export const LAUNCH_LABELS = {
  containerPort: `${LABELS.launched}.port`,
  notebooks: `${LABELS.launched}.notebooks`,
  passwordSet: `${LABELS.launched}.password-set`,
  defaultPassword: `${LABELS.launched}.default-password`,
} as const;

/** The part of `docker container inspect` the panel reads. */
export interface ContainerInspectLike {
  Id: string;
  Name: string;
  Created: string;
  Config: { Image: string; Labels?: Record<string, string> | null; Tty?: boolean; Env?: string[] | null };
  State: { Status: string; Running: boolean; StartedAt?: string; FinishedAt?: string; ExitCode?: number; OOMKilled?: boolean };
  Mounts?: Array<{ Type?: string; Name?: string; Source?: string; Destination: string }>;
  HostConfig?: { PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null };
  NetworkSettings?: { Ports?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null };
}

export function isAiLabContainer(c: { image: string; labels: Record<string, string> | null | undefined }): boolean {
  return isAiLabImage(c.image) || Boolean(c.labels?.[LABELS.launched]);
}

const NEVER = '0001-01-01T00:00:00Z';

function statusText(c: ContainerInspectLike): string {
  const s = c.State.Status;
  if (s === 'running') return 'Running';
  if (s === 'exited') return `Exited (${c.State.ExitCode ?? 0})`;
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Host side of the binding for `port`; Docker reports 0.0.0.0 and :: separately: prefer IPv4. */
function hostBinding(c: ContainerInspectLike, containerPort: number | null): { ip: string; port: number } | null {
  const sources = [c.NetworkSettings?.Ports ?? {}, c.HostConfig?.PortBindings ?? {}];
  for (const ports of sources) {
    const keys = containerPort !== null ? [`${containerPort}/tcp`] : Object.keys(ports).filter((k) => k.endsWith('/tcp'));
    for (const key of keys) {
      const list = (ports[key] ?? []).filter((b) => b.HostPort);
      const b = list.find((x) => !(x.HostIp ?? '').includes(':')) ?? list[0];
      if (b?.HostPort) return { ip: b.HostIp || '0.0.0.0', port: Number(b.HostPort) };
    }
  }
  return null;
}

/**
 * Stops this app asked for that Docker had to finish with SIGKILL: container id → when it finished and
 * how long Docker waited. Docker itself does not record why a container got SIGKILL.
 */
const killedOnStop = new Map<string, { finishedAt: string; seconds: number }>();

/** Remember that our stop of `c` (after `seconds` of grace) ended with SIGKILL, if it did. */
export function noteStop(c: ContainerInspectLike, seconds: number, tookMs: number): void {
  if (c.State.Running || c.State.ExitCode !== 137 || c.State.OOMKilled || !c.State.FinishedAt || tookMs < seconds * 1000 - 500) return;
  killedOnStop.set(c.Id, { finishedAt: c.State.FinishedAt, seconds });
}

/**
 * How a stopped container ended, when its exit code alone would read as a crash: 137 is SIGKILL, which
 * `docker stop` sends when a container does not stop within its grace period (AI-Lab's Jupyter often
 * does not). Null for every other ending.
 */
export function exitNote(c: Pick<ContainerInspectLike, 'Id' | 'State'>): string | null {
  const s = c.State;
  if (s.Running || s.ExitCode !== 137) return null;
  if (s.OOMKilled) return 'It ran out of memory and was killed (exit code 137).';
  const ours = killedOnStop.get(c.Id);
  if (ours && ours.finishedAt === s.FinishedAt)
    return `It did not stop within ${ours.seconds} s of being asked to, so Docker ended it (SIGKILL, exit code 137).`;
  return 'It was ended with SIGKILL (exit code 137), as docker stop does when a container does not stop within its grace period.';
}

export function summariseContainer(c: ContainerInspectLike, endpoint: DockerEndpoint | null): AiLabContainer {
  const labels = c.Config.Labels ?? {};
  const image = c.Config.Image;
  const table = layoutFromTable(image);
  const launchedByApp = Boolean(labels[LABELS.launched]);
  const labelPort = Number(labels[LAUNCH_LABELS.containerPort]);
  const containerPort = Number.isInteger(labelPort) && labelPort > 0 ? labelPort : null;
  const notebooksPath = labels[LAUNCH_LABELS.notebooks] ?? (c.Config.Env ?? []).find((e) => e.startsWith('NOTEBOOKS='))?.slice(10) ?? table.notebooksPath;
  const binding = hostBinding(c, containerPort) ?? hostBinding(c, table.containerPort) ?? hostBinding(c, null);
  const mounts = c.Mounts ?? [];
  const volumeMount = mounts.find((m) => m.Type === 'volume' && m.Destination === notebooksPath) ?? mounts.find((m) => m.Type === 'volume' && m.Name);
  const running = c.State.Running;
  const passwordSet = labels[LAUNCH_LABELS.passwordSet] === 'true';
  const defaultPassword = labels[LAUNCH_LABELS.defaultPassword] ?? table.defaultPassword;
  return {
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    image,
    version: splitImageRef(image).tag,
    state: c.State.Status as ContainerState,
    status: statusText(c),
    startedAt: c.State.StartedAt && c.State.StartedAt !== NEVER ? c.State.StartedAt : null,
    createdAt: c.Created,
    exitCode: running ? null : (c.State.ExitCode ?? null),
    exitNote: exitNote(c),
    volume: volumeMount?.Name ?? null,
    notebooksPath: volumeMount?.Destination ?? notebooksPath,
    hostPort: binding?.port ?? null,
    listenIp: binding?.ip ?? null,
    url: running && binding ? buildAiLabUrl(endpoint, binding.ip, binding.port) : null,
    loginHint: loginHint(defaultPassword || null, passwordSet),
    launchedByApp,
    dockerSocket: mounts.some((m) => m.Destination === '/var/run/docker.sock'),
  };
}

export async function inspectContainer(docker: Dockerode, ref: string): Promise<ContainerInspectLike | null> {
  try {
    return (await docker.getContainer(ref.replace(/^\//, '')).inspect()) as unknown as ContainerInspectLike;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw toAppError(err);
  }
}

/**
 * The container, if it is one the panel may act on. The renderer is untrusted: it must not stop or
 * remove an arbitrary container by naming it.
 */
export async function requireAiLabContainer(docker: Dockerode, ref: string): Promise<ContainerInspectLike> {
  const c = await inspectContainer(docker, ref);
  if (!c) {
    throw new AppError('CONTAINER_NOT_FOUND', `There is no container "${ref}".`, {
      hint: 'List AI-Lab containers with `ailab status` or in the AI-Lab tab.',
    });
  }
  if (!isAiLabContainer({ image: c.Config.Image, labels: c.Config.Labels })) {
    throw new AppError('INVALID_ARGUMENT', `Container "${c.Name.replace(/^\//, '')}" (${c.Config.Image}) is not an AI-Lab container.`, {
      hint: 'The app manages only containers of exasol/ai-lab or exasol/data-science-sandbox images and those it launched.',
    });
  }
  return c;
}

export async function listAiLabContainers(docker: Dockerode, endpoint: DockerEndpoint | null): Promise<AiLabContainer[]> {
  let list: Dockerode.ContainerInfo[];
  try {
    list = await docker.listContainers({ all: true });
  } catch (err) {
    throw toAppError(err);
  }
  const candidates = list.filter((c) => isAiLabContainer({ image: c.Image, labels: c.Labels }));
  const inspected = await Promise.all(candidates.map((c) => inspectContainer(docker, c.Id)));
  return inspected
    .filter((c): c is ContainerInspectLike => c !== null)
    .map((c) => summariseContainer(c, endpoint))
    .sort((a, b) => (a.state === 'running' ? 0 : 1) - (b.state === 'running' ? 0 : 1) || a.name.localeCompare(b.name));
}
