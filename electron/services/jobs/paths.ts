import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import { createPrivateDirIfMissing } from '../core/privateFiles';

export const DEFAULT_BACKUP_FOLDER_NAME = 'ailab-backups';

export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.HOME ?? env.USERPROFILE ?? os.homedir();
}

export function defaultBackupDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(homeDir(env), DEFAULT_BACKUP_FOLDER_NAME);
}

/** `~/x` as a shell would read it; everything else must already be absolute. */
export function expandHome(p: string, env: NodeJS.ProcessEnv = process.env): string {
  if (p === '~') return homeDir(env);
  if (p.startsWith('~/') || p.startsWith('~\\')) return path.join(homeDir(env), p.slice(2));
  return p;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `<volume>-<YYYYMMDD-HHMMSS>.tgz` in local time. */
export function defaultBackupName(volume: string, at = new Date()): string {
  const date = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return `${volume}-${date}-${time}.tgz`;
}

/**
 * The folder a backup goes to: the one given, else the remembered one, else ~/ailab-backups (created
 * when missing; a folder the user typed must exist, so a typo is not silently created).
 */
export async function resolveBackupDir(given: string | undefined, remembered: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const raw = (given ?? '').trim() || remembered.trim();
  const isDefault = raw === '';
  const dir = isDefault ? defaultBackupDir(env) : expandHome(raw, env);
  if (!path.isAbsolute(dir)) {
    throw new AppError('INVALID_ARGUMENT', `"${raw}" is not a full path.`, { hint: 'Enter a folder starting with / (or a drive letter on Windows), or ~/.' });
  }
  if (isDefault) await createPrivateDirIfMissing(dir);
  let st;
  try {
    st = await fs.stat(dir);
  } catch {
    throw new AppError('FILE_NOT_FOUND', `The folder ${dir} does not exist.`, { hint: 'Create it first, or choose another folder.', details: { path: dir } });
  }
  if (!st.isDirectory()) throw new AppError('INVALID_ARGUMENT', `${dir} is not a folder.`, { hint: 'Choose a folder for the backup.', details: { path: dir } });
  return path.resolve(dir);
}

/**
 * A file the renderer named for reading (a dropped or typed archive): re-checked here because the
 * renderer is not trusted: it must exist, be a regular file and be readable.
 */
export async function checkReadableFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const p = expandHome(file.trim(), env);
  if (!path.isAbsolute(p)) throw new AppError('INVALID_ARGUMENT', `"${file}" is not a full path.`, { hint: 'Give the archive as a full path.' });
  let st;
  try {
    st = await fs.stat(p);
  } catch {
    throw new AppError('FILE_NOT_FOUND', `The file ${p} does not exist.`, { hint: 'Check the path.', details: { path: p } });
  }
  if (!st.isFile())
    throw new AppError('INVALID_ARGUMENT', `${p} is not a regular file.`, { hint: 'Choose a .tgz, .tar.gz or .tar file.', details: { path: p } });
  try {
    await fs.access(p, fs.constants.R_OK);
  } catch {
    throw new AppError('PERMISSION_DENIED', `No permission to read ${p}.`, { hint: 'Check the file permissions.', details: { path: p } });
  }
  return path.resolve(p);
}

/** A volume name from an archive's file name: `my-vol-20240501-120000.tgz` → `my-vol`. */
export function volumeNameFromFile(fileName: string): string {
  const stem = fileName.replace(/\.(tgz|tar\.gz|tar)$/i, '').replace(/-\d{8}-\d{6}$/, '');
  const cleaned = stem.replace(/[^a-zA-Z0-9_.-]/g, '-').replace(/^[^a-zA-Z0-9]+/, '');
  return cleaned.length >= 2 ? cleaned.slice(0, 200) : 'restored';
}
