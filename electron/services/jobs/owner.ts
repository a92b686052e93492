import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { APP_LABEL, LABELS } from '../../../shared/ailab';

/**
 * Who created a helper container (or stopped a user's container): host, process and job-manager
 * instance. The desktop app, a browser-mode server and a CLI run may share one engine; a manager
 * cleans up only what a dead owner left behind, never the helpers of a job still running elsewhere.
 */
export const OWNER_LABEL = `${APP_LABEL}.owner`;

const liveInstances = new Set<string>();

export interface Owner {
  readonly id: string;
  release(): void;
}

export function createOwner(): Owner {
  const instance = randomBytes(4).toString('hex');
  liveInstances.add(instance);
  return { id: `${os.hostname()}/${process.pid}/${instance}`, release: () => liveInstances.delete(instance) };
}

/** Older than this, a helper of another host's app is presumed abandoned. */
const FOREIGN_HOST_MAX_AGE_MS = 24 * 3600 * 1000;

export function ownerIsAlive(owner: string | undefined, createdAtMs: number, now = Date.now()): boolean {
  if (!owner) return false;
  const [host, pidText, instance] = owner.split('/');
  if (host !== os.hostname()) return now - createdAtMs < FOREIGN_HOST_MAX_AGE_MS;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return instance !== undefined && liveInstances.has(instance);
  return processAlive(pid);
}

/** A process of this host with that pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function helperLabels(jobId: string, owner: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.job]: jobId, [OWNER_LABEL]: owner };
}
