import net from 'node:net';
import type Dockerode from 'dockerode';
import { LABELS } from '../../../shared/ailab';
import type { DockerEndpoint } from '../../../shared/contract/docker';
import type { AiLabContainer, AiLabImageFacts, LaunchWarning, PortCheck } from '../../../shared/contract/launcher';
import { checkVolumeName } from '../../../shared/contract/validation';
import { toAppError } from '../docker/errors';
import { inspectVolume } from '../docker/volumes';
import { describePortHolder } from './portCheck';
import { remoteLoopbackWarning } from './url';

export const DOCKER_SOCKET_WARNING =
  'Mounting the Docker socket lets AI-Lab start an Exasol Docker-DB, and gives any code in a notebook root access to this computer. Turn it on only if you need it.';

export function listenWarning(listenIp: string): string | null {
  if (listenIp === '0.0.0.0' || listenIp === '::') {
    return `Listening on ${listenIp} makes Jupyter reachable from the network, not only from this computer. Use 127.0.0.1 unless others must connect (and then set a strong password).`;
  }
  if (net.isIP(listenIp) && !listenIp.startsWith('127.') && listenIp !== '::1') {
    return `Listening on ${listenIp} makes Jupyter reachable from that network.`;
  }
  return null;
}

export const RECREATE_LOSES_EXTRAS = 'Re-creating it would lose the packages installed with %pip inside it (the notebooks in the volume are kept).';

export function containerExistsMessage(name: string, existing: AiLabContainer | null, image?: string): string {
  if (!existing) return `A container named "${name}" already exists.`;
  const what = `${existing.image}, ${existing.state}${existing.volume ? `, volume ${existing.volume}` : ''}`;
  return `A container named "${name}" already exists (${what}).${image && existing.image !== image ? ` It runs ${existing.image}, not ${image}.` : ''}`;
}

export function containerExistsHint(name: string): string {
  return `Start that container instead (it keeps its %pip extras), or choose another name. ${RECREATE_LOSES_EXTRAS} To replace it anyway, remove "${name}" first.`;
}

export function volumeInUseMessage(volume: string, users: AiLabContainer[]): string {
  const names = users.map((c) => `"${c.name}"${c.url ? ` (${c.url})` : ''}`).join(', ');
  return `Volume ${volume} is already mounted by the running AI-Lab container ${names}. Two Jupyter servers writing the same notebooks can overwrite each other's changes; consider opening that one instead.`;
}

export function portInUseMessage(check: PortCheck): string {
  return `${describePortHolder(check)}${check.suggestion !== null ? ` Port ${check.suggestion} is free.` : ''}`;
}

export interface WarningInputs {
  facts: AiLabImageFacts;
  listenIp: string;
  hostPort: number;
  dockerSocket: boolean;
  endpoint: DockerEndpoint | null;
  volume: string;
  volumeExists: boolean | null;
  volumeUsedBy: AiLabContainer[];
  port: PortCheck | null;
  existing: AiLabContainer | null;
  name: string;
}

export function collectWarnings(i: WarningInputs): LaunchWarning[] {
  const w: LaunchWarning[] = [];
  if (i.existing) {
    w.push({
      code: 'CONTAINER_EXISTS',
      blocking: true,
      message: `${containerExistsMessage(i.name, i.existing, i.facts.image)} ${containerExistsHint(i.name)}`,
    });
  }
  if (i.port && !i.port.free) w.push({ code: 'PORT_IN_USE', blocking: true, message: portInUseMessage(i.port) });
  if (!i.facts.present) {
    w.push({
      code: 'IMAGE_MISSING',
      blocking: false,
      message: `${i.facts.image} is not on the Docker host yet; it will be pulled first (this can take several minutes).`,
    });
  }
  if (!i.facts.isAiLab) {
    w.push({
      code: 'NOT_AI_LAB_IMAGE',
      blocking: false,
      message: `${i.facts.image} is not an exasol/ai-lab image; its port (${i.facts.containerPort}) and notebooks folder (${i.facts.notebooksPath}) are taken from ${i.facts.present ? 'the image' : 'the version table'}.`,
    });
  }
  if (i.volume && i.volumeExists === false) {
    w.push({ code: 'VOLUME_MISSING', blocking: false, message: `Volume ${i.volume} does not exist yet; it will be created.` });
  }
  if (i.volumeUsedBy.length > 0) w.push({ code: 'VOLUME_IN_USE', blocking: false, message: volumeInUseMessage(i.volume, i.volumeUsedBy) });
  const listen = listenWarning(i.listenIp);
  if (listen) w.push({ code: 'LISTEN_ALL_INTERFACES', blocking: false, message: listen });
  const remote = remoteLoopbackWarning(i.endpoint, i.listenIp, i.hostPort);
  if (remote) w.push({ code: 'REMOTE_LOOPBACK', blocking: false, message: remote });
  if (i.dockerSocket) w.push({ code: 'DOCKER_SOCKET', blocking: false, message: DOCKER_SOCKET_WARNING });
  return w;
}

export async function volumeExists(docker: Dockerode, volume: string): Promise<boolean | null> {
  if (!volume || checkVolumeName(volume) !== null) return null;
  return (await inspectVolume(docker, volume)) !== null;
}

export async function createVolume(docker: Dockerode, volume: string): Promise<void> {
  try {
    await docker.createVolume({ Name: volume, Labels: { [LABELS.managed]: 'true' } });
  } catch (err) {
    throw toAppError(err);
  }
}
