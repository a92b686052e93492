import fs from 'node:fs/promises';

/**
 * What the app writes is readable by its user alone: the data folder holds job logs, safety backups
 * (the notebooks and ai_lab_secure_configuration_storage.sqlite of a volume) and settings, and the
 * backups themselves hold the same. Files are created 0600 and folders 0700 and then set to exactly
 * that, so neither a permissive umask (0000, 0002) nor an odd one (0277) changes the result. A user
 * can still chmod a backup afterwards to share it; the app never changes the mode of a file it did not
 * just create.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Sets a file the app just created to 0600 through its open handle (no window for a path swap). */
export async function makePrivate(handle: fs.FileHandle): Promise<void> {
  await handle.chmod(PRIVATE_FILE_MODE);
}

/**
 * Creates `dir` (and missing parents, each 0700) and sets `dir` itself to 0700, also when it already
 * existed: for the app's own folders (the data folder, safety/, jobs/), which earlier versions created
 * with the umask's 0755.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (process.platform !== 'win32') await fs.chmod(dir, PRIVATE_DIR_MODE);
}

/**
 * Creates `dir` when it is missing, 0700 like the app's own folders; a folder that exists is the
 * user's and keeps its mode. Returns whether it was created.
 */
export async function createPrivateDirIfMissing(dir: string): Promise<boolean> {
  const first = await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return false;
  if (process.platform !== 'win32') await fs.chmod(dir, PRIVATE_DIR_MODE);
  return true;
}
