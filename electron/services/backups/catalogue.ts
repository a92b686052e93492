import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import type { BackupEntry } from '../../../shared/contract/backups';
import { manifestPath, readManifest } from '../archive/manifest';

/** What a backup file may be called: the app writes .tgz; restores accept .tar.gz and .tar too. */
const ARCHIVE_NAME = /\.(tgz|tar\.gz|tar)$/i;

/** `<volume>-<yyyymmdd-hhmmss>.tgz` in UTC: sorts by time, and two time zones never give one name two meanings. */
export function timestampedBackupName(volume: string, at: Date): string {
  const iso = at.toISOString(); // 2026-12-05T07:22:18.123Z
  return `${volume}-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}.tgz`;
}

/**
 * timestampedBackupName, made free in `dir`: a second backup within the same second (a quick "Back up
 * now" after a run, `ailab backup --to` beside the scheduler) gets `-2`, `-3`… rather than failing on
 * FILE_EXISTS. Free means neither the archive nor its sidecar is there; the job still refuses atomically
 * if another process takes the name meanwhile. Order comes from the manifest's time, not the name.
 */
export async function freeBackupName(dir: string, volume: string, at: Date): Promise<string> {
  const base = timestampedBackupName(volume, at);
  const exists = (file: string) =>
    fs.lstat(file).then(
      () => true,
      () => false,
    );
  const taken = async (name: string) => (await exists(path.join(dir, name))) || (await exists(manifestPath(path.join(dir, name))));
  if (!(await taken(base))) return base;
  for (let n = 2; n < 100; n++) {
    const name = base.replace(/\.tgz$/, `-${n}.tgz`);
    if (!(await taken(name))) return name;
  }
  return base; // 99 backups in one second: let the job say FILE_EXISTS.
}

/**
 * One file as the catalogue sees it. Ours means: a regular file (not a symlink), with the sidecar this
 * app writes after the backup verified, describing a file of exactly this size. The sha256 is not
 * re-read here (that is `verify`): listing a folder of 50 GB of backups must stay instant.
 */
export async function describeBackup(file: string, st?: Stats): Promise<BackupEntry | null> {
  const stat = st ?? (await fs.lstat(file).catch(() => null));
  if (!stat) return null;
  const base: Omit<BackupEntry, 'status' | 'note'> = {
    file,
    fileName: path.basename(file),
    volume: null,
    createdAt: null,
    compressedBytes: stat.size,
    modifiedAt: stat.mtimeMs,
    entries: null,
    totalBytes: null,
    engine: null,
    appVersion: null,
    sha256: null,
  };
  if (stat.isSymbolicLink()) return { ...base, status: 'no-sidecar', note: 'not ours: a symbolic link' };
  if (!stat.isFile()) return null;
  const manifest = await readManifest(file);
  if (!manifest) {
    const sidecarThere = (await fs.lstat(manifestPath(file)).catch(() => null)) !== null;
    return { ...base, status: 'no-sidecar', note: sidecarThere ? 'not ours: its .json is not a sidecar of this app' : 'not ours: no sidecar' };
  }
  const createdAt = Date.parse(manifest.createdAt);
  const described: BackupEntry = {
    ...base,
    volume: manifest.volume,
    createdAt: Number.isFinite(createdAt) ? createdAt : null,
    entries: manifest.entries,
    totalBytes: manifest.totalBytes,
    engine: manifest.engine,
    appVersion: manifest.appVersion,
    sha256: manifest.sha256,
    status: 'verified',
    note: null,
  };
  if (manifest.compressedBytes !== stat.size) {
    return { ...described, status: 'changed', note: `not ours: ${stat.size} bytes, its sidecar describes ${manifest.compressedBytes}` };
  }
  if (described.createdAt === null) return { ...described, status: 'changed', note: 'not ours: its sidecar has no valid time' };
  return described;
}

/**
 * The archives in `dir`, newest first (files without a time last, by name). With `volume`: only that
 * volume's backups, plus the archives without a sidecar whose name starts with `<volume>-` (so a
 * person sees the file a retention run will not touch, and why).
 */
export async function listBackupsIn(dir: string, volume?: string): Promise<BackupEntry[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new AppError('FILE_NOT_FOUND', `The folder ${dir} does not exist.`, {
        hint: 'Check the path, or create the folder first.',
        details: { path: dir },
      });
    if (code === 'ENOTDIR')
      throw new AppError('INVALID_ARGUMENT', `${dir} is not a folder.`, { hint: 'Name the folder that holds the backups.', details: { path: dir } });
    if (code === 'EACCES' || code === 'EPERM')
      throw new AppError('PERMISSION_DENIED', `No permission to read the folder ${dir}.`, { hint: 'Check its permissions.', details: { path: dir } });
    throw err;
  }
  const out: BackupEntry[] = [];
  // Hidden names are partial files (.x.tgz.partial-…) and other tools' temporaries.
  for (const name of names.filter((n) => ARCHIVE_NAME.test(n) && !n.startsWith('.'))) {
    const entry = await describeBackup(path.join(dir, name));
    if (!entry) continue;
    if (volume !== undefined) {
      const mine = entry.volume === volume || (entry.volume === null && name.startsWith(`${volume}-`));
      if (!mine) continue;
    }
    out.push(entry);
  }
  return out.sort((a, b) => {
    if (a.createdAt !== null && b.createdAt !== null) return b.createdAt - a.createdAt || a.fileName.localeCompare(b.fileName);
    if (a.createdAt !== null) return -1;
    if (b.createdAt !== null) return 1;
    return a.fileName.localeCompare(b.fileName);
  });
}
