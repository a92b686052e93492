import { isAiLabImage, splitImageRef } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type { AiLabContainer, UpgradeVersionCheck } from '../../../shared/contract/launcher';
import { formatBytes } from '../../../shared/format';
import type { ImageConfigLike } from './imageFacts';

/**
 * The decisions of an upgrade (issue 18) that need no Docker: which image counts as newer, which counts
 * as AI-Lab, what the user is told about the mount path change, what refuses for lack of space. Kept
 * free of I/O so the unit tests can pin every rule.
 */

/** The Jupyter port every AI-Lab release (0.1.0 on) exposes. */
const AI_LAB_PORT = 49494;

export function parseVersion(tag: string): number[] | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+].*)?$/.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/** <0 when a is older than b; null when either tag is not a version (latest, a name). */
export function compareVersions(a: string, b: string): number | null {
  const va = parseVersion(a);
  const vb = parseVersion(b);
  if (!va || !vb) return null;
  for (let i = 0; i < 3; i++) {
    const d = (va[i] ?? 0) - (vb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Tags decide when both are versions. Otherwise only the image ids can: the same image is never an
 * upgrade, and a different one is allowed with a note, because `latest` or a custom tag may well be newer.
 */
export function checkVersion(fromImage: string, toImage: string, fromId: string | null, toId: string | null): UpgradeVersionCheck {
  const from = splitImageRef(fromImage).tag;
  const to = splitImageRef(toImage).tag;
  const cmp = compareVersions(to, from);
  if (fromId !== null && toId !== null && fromId === toId) {
    return { from, to, verdict: 'same', message: `${toImage} is the image the container already runs (${fromImage}, the same image id).` };
  }
  if (cmp === null) {
    return {
      from,
      to,
      verdict: 'unknown',
      message: `"${to === from ? toImage : to}" is not a version number, so whether it is newer than ${from} cannot be told from the tags; it is a different image.`,
    };
  }
  if (cmp > 0) return { from, to, verdict: 'newer', message: `${to} is newer than ${from}.` };
  if (cmp === 0) return { from, to, verdict: 'same', message: `${toImage} is the same version (${to}) as the container runs.` };
  return { from, to, verdict: 'older', message: `${toImage} is older (${to}) than the version the container runs (${from}).` };
}

export interface AiLabLayoutVerdict {
  isAiLab: boolean;
  reasons: string[];
  notebooksPath: string | null;
}

/**
 * Whether an image is AI-Lab, from what it declares: every release exposes 49494 and declares its
 * notebooks folder as a volume (and from 5.0.0 in NOTEBOOKS). A known repository name alone is not
 * enough for an image we can inspect: the layout is what the upgrade relies on.
 */
export function aiLabLayout(image: string, inspect: ImageConfigLike): AiLabLayoutVerdict {
  const config = inspect.Config ?? {};
  const env = (config.Env ?? []).find((e) => e.startsWith('NOTEBOOKS='))?.slice('NOTEBOOKS='.length) ?? null;
  const ports = Object.keys(config.ExposedPorts ?? {});
  const volumes = Object.keys(config.Volumes ?? {});
  const notebooksVolume = volumes.find((v) => /\/notebooks\/?$/.test(v)) ?? null;
  const exposes = ports.some((p) => p === `${AI_LAB_PORT}/tcp` || p === String(AI_LAB_PORT));
  const reasons: string[] = [];
  reasons.push(env ? `NOTEBOOKS=${env} in its environment` : 'no NOTEBOOKS in its environment');
  reasons.push(exposes ? `exposes port ${AI_LAB_PORT}` : `does not expose port ${AI_LAB_PORT} (it exposes ${ports.length ? ports.join(', ') : 'no port'})`);
  reasons.push(notebooksVolume ? `declares the notebooks volume ${notebooksVolume}` : 'declares no notebooks volume');
  const known = isAiLabImage(image);
  if (known) reasons.push('its repository is an AI-Lab repository');
  const isAiLab = exposes && (env !== null || notebooksVolume !== null);
  return { isAiLab, reasons, notebooksPath: env ?? notebooksVolume };
}

export function notAiLabError(image: string, verdict: AiLabLayoutVerdict): AppError {
  return new AppError('INVALID_ARGUMENT', `${image} is not an AI-Lab image: it ${verdict.reasons.join(', ')}.`, {
    hint: 'Choose an exasol/ai-lab image (they expose 49494 and declare their notebooks folder). Nothing was changed.',
    details: { image, reasons: verdict.reasons },
  });
}

export function versionError(check: UpgradeVersionCheck, toImage: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${check.message} An upgrade needs a newer image.`, {
    hint:
      check.verdict === 'older'
        ? `Choose a version later than ${check.from}. To go back to an older version, keep the notebooks' backup and launch that version on a copy of the volume. Nothing was changed.`
        : `Choose a version later than ${check.from}, or pull a newer tag. Nothing was changed.`,
    details: { from: check.from, to: check.to, verdict: check.verdict, image: toImage },
  });
}

export function volumeSharedError(volume: string, users: AiLabContainer[]): AppError {
  const names = users.map((c) => `"${c.name}" (${c.image}, ${c.state})`).join(', ');
  return new AppError('VOLUME_IN_USE', `Volume ${volume} is used by more than one AI-Lab container: ${names}.`, {
    hint: 'An upgrade moves one container to the new version; the other would keep writing the same notebooks with the old one. Remove the containers you no longer need (the volume is kept), then upgrade. Nothing was changed.',
    details: { volume, containers: users.map((c) => c.name) },
  });
}

/** The backup is taken while the old container is stopped; refusing after stopping it would be too late. */
export function spaceError(needBytes: number, freeBytes: number, dir: string, volume: string): AppError {
  return new AppError(
    'DISK_FULL',
    `The backup of ${volume} before the upgrade needs about ${formatBytes(needBytes)}, but ${dir} has only ${formatBytes(freeBytes)} free.`,
    {
      hint: 'Nothing was stopped or changed. Free some space there, or choose another backup folder, then upgrade again.',
      details: { needBytes, freeBytes, dir, volume },
    },
  );
}

/**
 * The upper bound of the backup: the content bytes plus tar's 512-byte header per entry (gzip only
 * shrinks it); a little slack for the sidecar and the file system's blocks.
 */
export function backupNeedBytes(contentBytes: number, entries: number): number {
  return contentBytes + entries * 1024 + 1024 * 1024;
}

/** What the user reads before confirming: the path change and the chown, which are expected. */
export function upgradeNotes(oldPath: string, newPath: string, newRunsAsJupyter: boolean): string[] {
  const notes: string[] = [];
  if (oldPath !== newPath) {
    notes.push(
      `The notebooks folder moves from ${oldPath} to ${newPath} inside the container (AI-Lab changed it in 2.0.0). The volume stays the same; only where it is mounted changes.`,
    );
  }
  if (newRunsAsJupyter && oldPath !== newPath) {
    notes.push(
      'The new version runs as the user "jupyter" (uid 1001) and its start-up gives it the notebooks (chown): the files will then belong to uid 1001. That is expected; a roll back restores the old owners from the backup.',
    );
  }
  notes.push('New default notebooks of the new version are copied in where missing; AI-Lab never overwrites your files.');
  return notes;
}

/** Docker names: [a-zA-Z0-9][a-zA-Z0-9_.-]*; the old container keeps its version in its new name. */
export function keptName(name: string, fromTag: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const tag = fromTag.replace(/[^A-Za-z0-9_.-]/g, '_');
  return `${name}-before-upgrade-${tag}-${stamp}`.slice(0, 128);
}

export function backupFileName(volume: string, fromTag: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${volume}-before-upgrade-${fromTag.replace(/[^A-Za-z0-9_.-]/g, '_')}-${stamp}.tgz`;
}
