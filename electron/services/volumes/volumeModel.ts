import type Dockerode from 'dockerode';
import { EXASOL_DB_LABEL, isAiLabImage, isExasolDbVolume, LABELS } from '../../../shared/ailab';
import type { ComposeRef, ExasolDbInfo, VolumeContainerRef, VolumeSize, VolumeSummary } from '../../../shared/contract/volumes';

/** Docker names a volume it made for an unnamed VOLUME with 64 hex digits. */
export const ANONYMOUS_NAME = /^[0-9a-f]{64}$/;

export const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
export const COMPOSE_VOLUME_LABEL = 'com.docker.compose.volume';
/** Newer engines (23+) label anonymous volumes; older ones (20.10) only give the name away. */
export const ANONYMOUS_VOLUME_LABEL = 'com.docker.volume.anonymous';

/** Our own file-browser helpers: short-lived, not something a user should see as "using" a volume. */
export const FILES_HELPER_ROLE_LABEL = `${LABELS.managed}.role`;
export const FILES_HELPER_ROLE = 'files';

export function isAnonymousVolume(name: string, labels: Record<string, string>): boolean {
  return ANONYMOUS_NAME.test(name) || Object.prototype.hasOwnProperty.call(labels, ANONYMOUS_VOLUME_LABEL);
}

export function composeRef(labels: Record<string, string>): ComposeRef | null {
  const project = labels[COMPOSE_PROJECT_LABEL];
  const volume = labels[COMPOSE_VOLUME_LABEL];
  return project && volume ? { project, volume } : null;
}

/** States in which a container holds its mounts until it is stopped. */
export function isRunningState(state: string): boolean {
  return state === 'running' || state === 'paused' || state === 'restarting';
}

export function containerName(names: string[] | undefined, id: string): string {
  const first = names?.[0];
  return first ? first.replace(/^\//, '') : id.slice(0, 12);
}

export function isFilesHelper(labels: Record<string, string> | undefined): boolean {
  return labels?.[FILES_HELPER_ROLE_LABEL] === FILES_HELPER_ROLE;
}

/** Volume name → the containers that mount it, from one `GET /containers/json?all=1`. */
export function containersByVolume(containers: Dockerode.ContainerInfo[]): Map<string, VolumeContainerRef[]> {
  const byVolume = new Map<string, VolumeContainerRef[]>();
  for (const c of containers) {
    if (isFilesHelper(c.Labels)) continue;
    const aiLab = isAiLabImage(c.Image ?? '') || Boolean(c.Labels?.[LABELS.launched]);
    for (const m of c.Mounts ?? []) {
      const mount = m as typeof m & { Name?: string };
      if (mount.Type !== 'volume' || !mount.Name) continue;
      const list = byVolume.get(mount.Name) ?? [];
      list.push({
        id: c.Id,
        name: containerName(c.Names, c.Id),
        state: c.State,
        running: isRunningState(c.State),
        image: c.Image,
        aiLab,
        mountPath: mount.Destination,
      });
      byVolume.set(mount.Name, list);
    }
  }
  for (const list of byVolume.values()) list.sort((a, b) => Number(b.running) - Number(a.running) || a.name.localeCompare(b.name));
  return byVolume;
}

export interface RawVolume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  Scope?: string;
  CreatedAt?: string;
  Labels?: Record<string, string> | null;
  Options?: Record<string, string> | null;
  Status?: Record<string, unknown> | null;
}

export function toVolumeSummary(v: RawVolume, containers: VolumeContainerRef[], size: VolumeSize | null): VolumeSummary {
  const labels = v.Labels ?? {};
  const anonymous = isAnonymousVolume(v.Name, labels);
  // The engine does not record who made an anonymous volume; a container still mounting it is the best guess.
  const creator = anonymous ? containers[0] : undefined;
  return {
    name: v.Name,
    driver: v.Driver,
    createdAt: v.CreatedAt ?? null,
    labels,
    mountpoint: v.Mountpoint,
    scope: v.Scope ?? 'local',
    anonymous,
    compose: composeRef(labels),
    containers,
    createdBy: creator ? { id: creator.id, name: creator.name } : null,
    size,
    exasolDb: exasolDbInfo(v.Name, containers),
  };
}

/**
 * The DB containers are whatever mounts the volume (whatever their names): AI-Lab names its own
 * `db_container_DemoDb`, but a recreated or renamed one holds the same database.
 */
export function exasolDbInfo(name: string, containers: VolumeContainerRef[]): ExasolDbInfo | null {
  if (!isExasolDbVolume(name)) return null;
  return { label: EXASOL_DB_LABEL, containers: containers.map((c) => c.name), running: containers.some((c) => c.running) };
}

/** "a (running), b (exited)" for messages. */
export function describeContainers(list: Array<Pick<VolumeContainerRef, 'name' | 'state'>>): string {
  return list.map((c) => `${c.name} (${c.state})`).join(', ');
}
