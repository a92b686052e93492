import path from 'node:path';
import type Dockerode from 'dockerode';
import { LABELS, SCS_FILE, splitImageRef } from '../../../shared/ailab';
import type { DockerEndpoint } from '../../../shared/contract/docker';
import { AppError } from '../../../shared/contract/errors';
import type {
  AiLabContainer,
  LaunchOptions,
  LaunchOutcome,
  PullProgressEvent,
  UpgradeFinished,
  UpgradeOptions,
  UpgradeOutcome,
  UpgradePlan,
  UpgradeProgressEvent,
  UpgradeStep,
  UpgradeStepStatus,
} from '../../../shared/contract/launcher';
import { formatBytes } from '../../../shared/format';
import { isNotModified, toAppError } from '../docker/errors';
import { inspectVolume } from '../docker/volumes';
import { inspectContainer, listAiLabContainers, requireAiLabContainer, summariseContainer, type ContainerInspectLike } from './containers';
import { factsFromInspect, inspectImage } from './imageFacts';
import { pullImage } from './pull';
import type { UpgradeJobs } from './upgradeJobs';
import { toPending, type LedgerEntry, type UpgradeLedger } from './upgradeLedger';
import {
  aiLabLayout,
  backupFileName,
  backupNeedBytes,
  checkVersion,
  keptName,
  notAiLabError,
  spaceError,
  upgradeNotes,
  versionError,
  volumeSharedError,
} from './upgradePlan';

/** On the new container: which upgrade made it, so a roll back finds it even when the app stopped before noting its id. */
export const UPGRADE_LABEL = `${LABELS.launched}.upgrade`;

const STOP_GRACE_SECONDS = 10;

export interface UpgradeDeps {
  docker: Dockerode;
  endpoint: DockerEndpoint | null;
  jobs: UpgradeJobs;
  ledger: UpgradeLedger;
  /** The launcher's own launch (checks, create, start, readiness), tagged with the upgrade's id. */
  launch: (launchId: string, opts: LaunchOptions, onWaiting: (message: string) => void) => Promise<LaunchOutcome>;
  emitProgress: (e: UpgradeProgressEvent) => void;
  emitPull: (e: PullProgressEvent) => void;
  signal: AbortSignal;
  now?: () => Date;
}

type Step = (step: UpgradeStep, status: UpgradeStepStatus, message: string) => void;

function stepper(deps: Pick<UpgradeDeps, 'emitProgress'>, upgradeId: string): Step {
  return (step, status, message) => deps.emitProgress({ upgradeId, step, status, message, at: Date.now() });
}

/** The password the old container was started with (JUPYTER_PASSWORD), carried over as it was. */
function passwordOf(c: ContainerInspectLike): string | undefined {
  const env = (c.Config.Env ?? []).find((e) => e.startsWith('JUPYTER_PASSWORD='));
  return env === undefined ? undefined : env.slice('JUPYTER_PASSWORD='.length);
}

async function imageIdOf(docker: Dockerode, containerId: string): Promise<string | null> {
  try {
    const raw = (await docker.getContainer(containerId).inspect()) as unknown as { Image?: string };
    return raw.Image ?? null;
  } catch {
    return null;
  }
}

/** The user's own labels go along; the launcher's describe the old launch and are written anew. */
function carriedLabels(old: ContainerInspectLike): Record<string, string> {
  return Object.fromEntries(Object.entries(old.Config.Labels ?? {}).filter(([k]) => !k.startsWith(LABELS.launched) && k !== LABELS.managed));
}

interface Assessment {
  plan: UpgradePlan;
  old: ContainerInspectLike;
  summary: AiLabContainer;
  backupDir: string;
}

/**
 * Everything that can refuse an upgrade, looked at without changing anything. The upgrade runs it twice:
 * before a pull (so a bad choice costs no download) and after (the pulled image's layout and id).
 */
export async function assessUpgrade(
  deps: Pick<UpgradeDeps, 'docker' | 'endpoint' | 'jobs' | 'ledger' | 'now'>,
  ref: string,
  image: string,
  opts: { backupDir?: string; measure: boolean },
): Promise<Assessment> {
  const { docker } = deps;
  const old = await requireAiLabContainer(docker, ref);
  const summary = summariseContainer(old, deps.endpoint);
  const blockers: AppError[] = [];
  const now = deps.now?.() ?? new Date();

  const pending = (await deps.ledger.list()).find(
    (e) => e.name === summary.name || e.keptAs === summary.name || e.oldContainerId === old.Id || e.newContainerId === old.Id,
  );
  if (pending) {
    blockers.push(
      new AppError('JOB_CONFLICT', `"${pending.name}" has an upgrade to ${pending.newImage} waiting for Keep or Roll back.`, {
        hint: `Finish it first: \`ailab upgrade --keep ${pending.name}\` or \`ailab upgrade --rollback ${pending.name}\` (or Keep / Roll back in the AI-Lab tab).`,
        details: { upgradeId: pending.id },
      }),
    );
  }

  const volume = summary.volume;
  if (volume === null) {
    throw new AppError('INVALID_ARGUMENT', `Container "${summary.name}" has no volume mounted at its notebooks folder, so there are no notebooks to keep.`, {
      hint: 'Upgrade only containers launched with a volume; for others, back up the notebooks by hand and launch the new version with a volume.',
    });
  }
  if (!(await inspectVolume(docker, volume))) {
    throw new AppError('VOLUME_NOT_FOUND', `The volume ${volume} of "${summary.name}" is gone.`, { hint: 'Nothing was changed.' });
  }
  const all = await listAiLabContainers(docker, deps.endpoint);
  const sharing = all.filter((c) => c.volume === volume);
  if (sharing.length > 1) blockers.push(volumeSharedError(volume, sharing));
  if (summary.hostPort === null || summary.listenIp === null) {
    blockers.push(
      new AppError('INVALID_ARGUMENT', `Container "${summary.name}" publishes no port, so the new version would not know which one to use.`, {
        hint: 'Launch the new version from the launch panel instead.',
      }),
    );
  }

  const inspect = await inspectImage(docker, image);
  const facts = factsFromInspect(image, inspect);
  const layout = inspect ? aiLabLayout(image, inspect) : null;
  if (layout && !layout.isAiLab) blockers.push(notAiLabError(image, layout));
  const version = checkVersion(summary.image, image, await imageIdOf(docker, old.Id), inspect?.Id ?? null);
  if (version.verdict === 'older' || version.verdict === 'same') blockers.push(versionError(version, image));

  const fromTag = splitImageRef(summary.image).tag;
  const backupDir = await deps.jobs.backupDir(opts.backupDir);
  const backupFile = path.join(backupDir, backupFileName(volume, fromTag, now));
  let volumeBytes: number | null = null;
  let free: number | null = null;
  if (opts.measure) {
    const measured = await deps.jobs.measure(volume);
    free = await deps.jobs.freeBytes(backupDir);
    if (measured) {
      volumeBytes = measured.bytes;
      const need = backupNeedBytes(measured.bytes, measured.entries);
      if (free !== null && need > free) blockers.push(spaceError(need, free, backupDir, volume));
    }
  }
  const oldPath = summary.notebooksPath ?? '';
  const newPath = layout?.notebooksPath ?? facts.notebooksPath;
  const plan: UpgradePlan = {
    container: summary,
    image: facts,
    needsPull: inspect === null,
    version,
    aiLabLayout: layout ? { isAiLab: layout.isAiLab, reasons: layout.reasons } : null,
    volume,
    volumeBytes,
    backupFile,
    backupFreeBytes: free,
    oldNotebooksPath: oldPath,
    newNotebooksPath: newPath,
    notes: upgradeNotes(oldPath, newPath, newPath.startsWith('/home/jupyter')),
    keptAs: keptName(summary.name, fromTag, now),
    blockers: blockers.map((b) => b.toPayload()),
  };
  return { plan, old, summary, backupDir };
}

function firstBlocker(plan: UpgradePlan): AppError | null {
  const b = plan.blockers[0];
  return b ? AppError.fromPayload(b) : null;
}

/**
 * The upgrade. Order, and why:
 *  1. every check (and the pull) while nothing has changed: a refusal or a failed pull leaves all as it was;
 *  2. stop the old container, then back up: a consistent backup wants Jupyter stopped. A failed backup
 *     starts the old container again (if it ran) and says so;
 *  3. rename the old container (kept, with its %pip extras) and note the upgrade in the ledger, so a
 *     crash from here on can still be rolled back from the app or the CLI;
 *  4. start the new image under the old name (the launcher's launch: port check, readiness); a failure
 *     rolls back by itself: the new container removed, the volume restored if it changed, the old one
 *     renamed back and started if it ran.
 */
export async function runUpgrade(deps: UpgradeDeps, upgradeId: string, opts: UpgradeOptions): Promise<UpgradeOutcome> {
  const step = stepper(deps, upgradeId);
  const { docker } = deps;
  step('check', 'running', `Checking ${opts.container} and ${opts.image}…`);
  // Measuring the volume waits for the second look: a refusal of the image must not cost a walk of the volume.
  let a = await assessUpgrade(deps, opts.container, opts.image, { backupDir: opts.backupDir, measure: false });
  const early = firstBlocker(a.plan);
  if (early) {
    step('check', 'failed', early.message);
    throw early;
  }
  if (a.plan.needsPull) {
    if (!opts.pull)
      throw new AppError('IMAGE_NOT_FOUND', `The image ${opts.image} is not on the Docker host.`, {
        hint: 'Pull it first, or allow the upgrade to pull it. Nothing was changed.',
      });
    step('pull', 'running', `Pulling ${opts.image}…`);
    try {
      let last = 0;
      await pullImage(
        docker,
        opts.image,
        (p) => {
          if (Date.now() - last < 150) return;
          last = Date.now();
          deps.emitPull({ launchId: upgradeId, image: opts.image, layers: p.layers, status: p.status, done: false });
        },
        deps.signal,
      );
      deps.emitPull({ launchId: upgradeId, image: opts.image, layers: [], status: 'Pull complete', done: true });
    } catch (err) {
      const e = toAppError(err);
      const failed = new AppError(e.code, `${e.message} Nothing was changed: "${a.summary.name}" is as it was.`, { hint: e.hint, details: e.details });
      step('pull', 'failed', failed.message);
      throw failed;
    }
    step('pull', 'done', `Pulled ${opts.image}.`);
  } else {
    step('pull', 'skipped', `${opts.image} is on the Docker host.`);
  }
  a = await assessUpgrade(deps, opts.container, opts.image, { backupDir: opts.backupDir, measure: true });
  const refusal = firstBlocker(a.plan);
  if (refusal) {
    step('check', 'failed', refusal.message);
    throw refusal;
  }
  await deps.jobs.assertFree(a.plan.volume);
  step('check', 'done', `${a.plan.version.message} Volume ${a.plan.volume}: ${formatBytes(a.plan.volumeBytes)}.`);

  const { plan, old, summary } = a;
  const wasRunning = old.State.Running;
  const restartOld = async (): Promise<boolean> => {
    if (!wasRunning) return false;
    try {
      await docker.getContainer(old.Id).start();
      return true;
    } catch (err) {
      return isNotModified(err);
    }
  };

  if (wasRunning) {
    step('stop', 'running', `Stopping "${summary.name}" for a consistent backup…`);
    try {
      await docker.getContainer(old.Id).stop({ t: STOP_GRACE_SECONDS });
    } catch (err) {
      if (!isNotModified(err)) {
        const e = toAppError(err);
        step('stop', 'failed', e.message);
        throw e;
      }
    }
    step('stop', 'done', `Stopped "${summary.name}".`);
  } else {
    step('stop', 'skipped', `"${summary.name}" is not running.`);
  }

  step('backup', 'running', `Backing up ${plan.volume} to ${plan.backupFile}…`);
  let fingerprint: string;
  try {
    const result = await deps.jobs.backup(plan.volume, a.backupDir, path.basename(plan.backupFile), () => undefined);
    fingerprint = await deps.jobs.fingerprint(plan.volume);
    step('backup', 'done', `Backed up and verified: ${result.entries} entries, ${formatBytes(result.compressedBytes)} in ${plan.backupFile}.`);
  } catch (err) {
    const e = toAppError(err);
    const started = await restartOld();
    const failed = new AppError(
      e.code,
      `The backup before the upgrade failed: ${e.message} Nothing was upgraded${started ? `; "${summary.name}" is running again` : wasRunning ? `; starting "${summary.name}" again failed, start it from the AI-Lab tab` : ''}.`,
      { hint: e.hint, details: e.details },
    );
    step('backup', 'failed', failed.message);
    throw failed;
  }

  step('rename', 'running', `Keeping the old container as "${plan.keptAs}"…`);
  try {
    await docker.getContainer(old.Id).rename({ name: plan.keptAs });
  } catch (err) {
    const e = toAppError(err);
    const started = await restartOld();
    const failed = new AppError(
      e.code,
      `Could not rename "${summary.name}" to keep it: ${e.message} Nothing was upgraded${started ? `; "${summary.name}" is running again` : ''}.`,
      {
        hint: e.hint,
      },
    );
    step('rename', 'failed', failed.message);
    throw failed;
  }
  const entry: LedgerEntry = {
    id: upgradeId,
    name: summary.name,
    newContainerId: null,
    newImage: opts.image,
    oldContainerId: old.Id,
    oldImage: summary.image,
    keptAs: plan.keptAs,
    oldWasRunning: wasRunning,
    volume: plan.volume,
    backupFile: plan.backupFile,
    state: 'starting',
    startedAt: (deps.now?.() ?? new Date()).toISOString(),
    volumeFingerprint: fingerprint,
  };
  await deps.ledger.put(entry);
  step('rename', 'done', `The old container is kept as "${plan.keptAs}" (stopped).`);

  step(
    'start',
    'running',
    `Starting ${opts.image} as "${summary.name}": volume ${plan.volume} → ${plan.newNotebooksPath}, port ${summary.listenIp}:${summary.hostPort}…`,
  );
  const password = passwordOf(old);
  const launchOpts: LaunchOptions = {
    image: opts.image,
    volume: plan.volume,
    createVolume: false,
    name: summary.name,
    listenIp: summary.listenIp ?? '127.0.0.1',
    hostPort: summary.hostPort ?? 0,
    dockerSocket: summary.dockerSocket,
    startExisting: false,
    pull: false,
    timeoutSeconds: opts.timeoutSeconds,
    open: false,
    labels: { ...carriedLabels(old), ...(opts.labels ?? {}), [UPGRADE_LABEL]: upgradeId },
    ...(password !== undefined ? { password } : {}),
  };
  let outcome: LaunchOutcome;
  let waiting = false;
  try {
    outcome = await deps.launch(upgradeId, launchOpts, (message) => {
      waiting = true;
      step('start', 'done', `Started "${summary.name}" from ${opts.image}.`);
      step('wait', 'running', message);
    });
  } catch (err) {
    const reason = toAppError(err);
    step(waiting ? 'wait' : 'start', 'failed', reason.message);
    let rolled: UpgradeFinished | null = null;
    let rollbackError: AppError | null = null;
    try {
      rolled = await rollBackEntry(deps, upgradeId, entry);
    } catch (e) {
      rollbackError = toAppError(e);
    }
    const tail = Array.isArray(reason.details?.lastLogLines) ? (reason.details.lastLogLines as unknown[]) : [];
    if (rolled) {
      throw new AppError(reason.code, `The upgrade to ${opts.image} failed and was rolled back: ${reason.message} ${rolled.message}`, {
        hint: `${reason.hint ?? ''} The backup stays at ${plan.backupFile}.`.trim(),
        details: { rolledBack: true, reason: reason.toPayload(), lastLogLines: tail },
      });
    }
    throw new AppError(
      rollbackError?.code ?? reason.code,
      `The upgrade to ${opts.image} failed (${reason.message}) and the roll back failed too: ${rollbackError?.message ?? ''}`,
      {
        hint: `The old container is kept as "${plan.keptAs}" and the backup is at ${plan.backupFile}. Try \`ailab upgrade --rollback ${summary.name}\` again.`,
        details: { rolledBack: false, reason: reason.toPayload(), lastLogLines: tail },
      },
    );
  }
  if (!waiting) step('start', 'done', `Started "${summary.name}" from ${opts.image}.`);
  step('wait', 'done', `Jupyter is ready at ${outcome.url}.`);
  const ready: LedgerEntry = { ...entry, newContainerId: outcome.containerId, state: 'ready' };
  await deps.ledger.put(ready);
  const container = summariseContainer(await requireAiLabContainer(docker, outcome.containerId), deps.endpoint);
  return { upgrade: toPending(ready), container, url: outcome.url, loginHint: outcome.loginHint, notes: plan.notes };
}

/** The new containers of an upgrade: the one noted, and any carrying its label (made before the note). */
async function newContainersOf(docker: Dockerode, entry: LedgerEntry): Promise<string[]> {
  const ids = new Set<string>();
  if (entry.newContainerId) ids.add(entry.newContainerId);
  try {
    const list = await docker.listContainers({ all: true, filters: { label: [`${UPGRADE_LABEL}=${entry.id}`] } });
    for (const c of list) ids.add(c.Id);
  } catch (err) {
    throw toAppError(err);
  }
  ids.delete(entry.oldContainerId);
  return [...ids];
}

/**
 * Roll back: the new container removed, then the volume compared with how it was right after the backup
 * and restored from it only if it changed (the restore job checks the whole archive before it touches
 * the volume, and keeps a safety backup), then the old container back under its name and started if
 * it was running. A failure leaves the ledger entry, so Roll back can be tried again.
 */
export async function rollBackEntry(
  deps: Pick<UpgradeDeps, 'docker' | 'jobs' | 'ledger' | 'emitProgress'>,
  upgradeId: string,
  entry: LedgerEntry,
  opts: { keepScs?: boolean } = {},
): Promise<UpgradeFinished> {
  const step = stepper(deps, upgradeId);
  const { docker } = deps;
  const old = await inspectContainer(docker, entry.oldContainerId);
  if (!old) {
    throw new AppError(
      'CONTAINER_NOT_FOUND',
      `The old container of "${entry.name}" (kept as "${entry.keptAs}") is gone, so there is nothing to roll back to.`,
      {
        hint: `Keep the new version (\`ailab upgrade --keep ${entry.name}\`); the notebooks' backup from before the upgrade is ${entry.backupFile}.`,
      },
    );
  }

  step('remove-new', 'running', `Removing the new container "${entry.name}"…`);
  const ids = await newContainersOf(docker, entry);
  for (const id of ids) {
    try {
      // v: false: never the notebooks' volume.
      await docker.getContainer(id).remove({ force: true, v: false });
    } catch (err) {
      const e = toAppError(err);
      if (e.code !== 'CONTAINER_NOT_FOUND') {
        step('remove-new', 'failed', e.message);
        throw e;
      }
    }
  }
  step('remove-new', ids.length ? 'done' : 'skipped', ids.length ? `Removed the new container "${entry.name}".` : 'No new container to remove.');

  step('restore', 'running', `Comparing ${entry.volume} with how it was before the upgrade…`);
  let restored = false;
  const now = await deps.jobs.fingerprint(entry.volume);
  if (now !== entry.volumeFingerprint) {
    step('restore', 'running', `The new version changed ${entry.volume}: restoring it from ${entry.backupFile}…`);
    try {
      await deps.jobs.restoreReplace(entry.backupFile, entry.volume, () => undefined, { keepScs: opts.keepScs === true });
    } catch (err) {
      const e = toAppError(err);
      const failed = new AppError(
        e.code,
        `Restoring ${entry.volume} from ${entry.backupFile} failed: ${e.message} The volume holds what the new version left; the old container stays stopped as "${entry.keptAs}".`,
        { hint: `${e.hint ?? ''} Fix the cause and roll back again (\`ailab upgrade --rollback ${entry.name}\`).`.trim(), details: e.details },
      );
      step('restore', 'failed', failed.message);
      throw failed;
    }
    restored = true;
    step('restore', 'done', `Restored ${entry.volume} from the backup${opts.keepScs ? `, its ${SCS_FILE} kept as it was` : ''}.`);
  } else {
    step('restore', 'skipped', `${entry.volume} is as it was before the upgrade; nothing to restore.`);
  }

  step('rename-back', 'running', `Renaming "${entry.keptAs}" back to "${entry.name}"…`);
  if (old.Name.replace(/^\//, '') !== entry.name) {
    try {
      await docker.getContainer(old.Id).rename({ name: entry.name });
    } catch (err) {
      const e = toAppError(err);
      step('rename-back', 'failed', e.message);
      throw e;
    }
  }
  step('rename-back', 'done', `The old container is "${entry.name}" again.`);

  let started = false;
  if (entry.oldWasRunning) {
    step('start-old', 'running', `Starting "${entry.name}" again…`);
    try {
      await docker.getContainer(old.Id).start();
    } catch (err) {
      if (!isNotModified(err)) {
        const e = toAppError(err);
        await deps.ledger.remove(entry.id);
        step('start-old', 'failed', e.message);
        throw new AppError(e.code, `Rolled back, but starting "${entry.name}" failed: ${e.message}`, {
          hint: 'Start it from the AI-Lab tab or with `ailab launch --name NAME --start-existing`.',
        });
      }
    }
    started = true;
    step('start-old', 'done', `"${entry.name}" (${entry.oldImage}) is running again.`);
  } else {
    step('start-old', 'skipped', `"${entry.name}" was stopped before the upgrade and stays stopped.`);
  }
  await deps.ledger.remove(entry.id);
  return {
    action: 'rolled-back',
    name: entry.name,
    volumeRestored: restored,
    oldStarted: started,
    backupFile: entry.backupFile,
    message: `"${entry.name}" is back on ${entry.oldImage}${started ? ' and running' : ''}; ${restored ? `${entry.volume} was restored from the backup` : `${entry.volume} was unchanged`}.`,
  };
}

/** Keep: the old container goes (never its volume); the backup stays where it is. */
export async function keepEntry(deps: Pick<UpgradeDeps, 'docker' | 'ledger' | 'emitProgress'>, entry: LedgerEntry): Promise<UpgradeFinished> {
  const step = stepper(deps, entry.id);
  if (entry.state !== 'ready') {
    throw new AppError('INVALID_ARGUMENT', `The upgrade of "${entry.name}" never got ready, so there is nothing to keep.`, {
      hint: `Roll it back: \`ailab upgrade --rollback ${entry.name}\`.`,
    });
  }
  step('keep', 'running', `Removing the old container "${entry.keptAs}"…`);
  const old = await inspectContainer(deps.docker, entry.oldContainerId);
  if (old) {
    if (old.State.Running) {
      throw new AppError('CONTAINER_RUNNING', `The old container "${entry.keptAs}" was started again meanwhile.`, {
        hint: `Stop it first (\`ailab stop ${entry.keptAs}\`), then keep the upgrade.`,
      });
    }
    try {
      await deps.docker.getContainer(old.Id).remove({ force: false, v: false });
    } catch (err) {
      throw toAppError(err);
    }
  }
  await deps.ledger.remove(entry.id);
  step('keep', 'done', `Kept ${entry.newImage}; removed "${entry.keptAs}".`);
  return {
    action: 'kept',
    name: entry.name,
    volumeRestored: false,
    oldStarted: false,
    backupFile: entry.backupFile,
    message: `"${entry.name}" stays on ${entry.newImage}; the old container "${entry.keptAs}" was removed. The backup from before the upgrade stays at ${entry.backupFile}.`,
  };
}
