import fs from 'node:fs/promises';
import { AppError } from '../../../shared/contract/errors';
import type { RestoreMode } from '../../../shared/contract/jobs';
import { formatBytes } from '../../../shared/format';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { runHelper } from './helperContainer';
import type { JobContext } from './jobContext';

export interface VolumeDisk {
  /** Bytes free for the helper (root) on the file system that holds the volume. */
  free: number;
  /** The file system's device number as the helper sees it (a local engine: the host's). */
  dev: number;
}

/**
 * Free space where the volume lives, asked from inside a helper that mounts it: `df -P -k` (POSIX output,
 * also BusyBox's) and `stat -c %d`. A fixed script, no user input in it. Null when the image cannot say.
 */
export async function volumeDisk(ctx: JobContext, volume: string, image: string): Promise<VolumeDisk | null> {
  const lines: string[] = [];
  const res = await runHelper(
    ctx.docker,
    { image, cmd: ['sh', '-c', `df -P -k ${VOLUME_MOUNT} && stat -c %d ${VOLUME_MOUNT}`], volume, readOnly: true, labels: ctx.labels },
    { signal: ctx.signal, onStdoutLine: (line) => lines.push(line) },
    ctx.tracker,
  );
  if (res.exitCode !== 0) return null;
  // Filesystem 1024-blocks Used Available Capacity Mounted-on; the name may hold spaces, so count from the end.
  const fields = (lines[1] ?? '').trim().split(/\s+/);
  const availableKb = Number(fields[fields.length - 3]);
  const dev = Number(lines[2]);
  if (!Number.isFinite(availableKb) || !Number.isFinite(dev)) return null;
  return { free: availableKb * 1024, dev };
}

/** Free bytes and device of a host folder (the safety backups', an upgrade's backup folder); null when it cannot be read. */
export async function hostDisk(dir: string): Promise<VolumeDisk | null> {
  try {
    const [st, fsSt] = await Promise.all([fs.stat(dir), fs.statfs(dir)]);
    return { free: fsSt.bavail * fsSt.bsize, dev: st.dev };
  } catch {
    return null;
  }
}

export interface SpaceNeeds {
  volume: string;
  mode: RestoreMode;
  /** About what the restore writes into the volume (ArchiveInspection.diskBytes). */
  restoreBytes: number;
  /** Replace: the volume's current content, which the safety backup holds (at most this) and which is then removed. */
  currentBytes: number;
  /** Replace: where the safety backup goes. */
  safetyDir: string;
}

/**
 * Refuses, before anything changes, a restore that cannot fit: the archive's content against the free
 * space where the volume lives, and in replace mode the safety backup (counted at the volume's size, an
 * upper bound) against the free space of its folder. When both are on one disk (same device), the backup
 * stays while the old content goes, so that disk needs room for the backup and for the restored content
 * beside it: the larger of the two steps. DISK_FULL names both figures.
 */
export async function assertSpaceFor(ctx: JobContext, image: string, needs: SpaceNeeds): Promise<void> {
  const disk = await volumeDisk(ctx, needs.volume, image);
  if (!disk) {
    ctx.log('Free space was not checked: the helper image cannot run df.');
    return;
  }
  const refuse = (what: string, need: number, free: number, where: string) =>
    new AppError('DISK_FULL', `${what} needs about ${formatBytes(need)}, but ${where} has only ${formatBytes(free)} free.`, {
      hint: 'Nothing was changed. Free some space there, or restore a smaller archive.',
      details: { needBytes: need, freeBytes: free, volume: needs.volume },
    });
  if (needs.mode !== 'replace') {
    ctx.log(`Free space where ${needs.volume} lives: ${formatBytes(disk.free)}; the restore needs about ${formatBytes(needs.restoreBytes)}.`);
    if (needs.restoreBytes > disk.free) throw refuse('The restore', needs.restoreBytes, disk.free, `the disk that holds the volume ${needs.volume}`);
    return;
  }
  await fs.mkdir(needs.safetyDir, { recursive: true });
  const host = await hostDisk(needs.safetyDir);
  const backup = needs.currentBytes;
  if (host && host.dev === disk.dev) {
    // One disk: first the backup is added, then the old content goes and the new one comes.
    const need = Math.max(backup, backup - needs.currentBytes + needs.restoreBytes);
    ctx.log(
      `Free space on the disk of ${needs.volume} and of the safety backup: ${formatBytes(disk.free)}; the restore with its safety backup needs about ${formatBytes(need)}.`,
    );
    if (need > disk.free)
      throw refuse('The restore with its safety backup', need, disk.free, `the disk that holds the volume ${needs.volume} and the safety backups`);
    return;
  }
  const need = Math.max(0, needs.restoreBytes - needs.currentBytes);
  ctx.log(`Free space where ${needs.volume} lives: ${formatBytes(disk.free)} (the restore needs about ${formatBytes(need)} more than the volume holds now).`);
  if (need > disk.free) throw refuse('The restore', need, disk.free, `the disk that holds the volume ${needs.volume}`);
  if (host && backup > host.free) throw refuse(`The safety backup of ${needs.volume}`, backup, host.free, `the disk that holds ${needs.safetyDir}`);
}
