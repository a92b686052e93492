import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';

/**
 * Files the browser mode's page streamed to the server (a dropped .tgz to restore). Each upload lives
 * in its own folder, `<dataDir>/uploads/<uploadId>/<name>`, so two uploads of the same name never
 * collide and removing one is removing its folder. The id is random: knowing it is what lets a caller
 * use the file, and it is checked for its shape before it ever becomes part of a path.
 */

export const UPLOAD_ID_PATTERN = /^[0-9a-f]{32}$/;
export const UPLOADS_DIR_NAME = 'uploads';

export function isUploadId(id: unknown): id is string {
  return typeof id === 'string' && UPLOAD_ID_PATTERN.test(id);
}

export function newUploadId(): string {
  return randomBytes(16).toString('hex');
}

export function uploadsRoot(dataDir: string): string {
  return path.join(dataDir, UPLOADS_DIR_NAME);
}

function uploadDir(dataDir: string, uploadId: string): string {
  if (!isUploadId(uploadId)) {
    throw new AppError('INVALID_ARGUMENT', `"${String(uploadId).slice(0, 40)}" is not an upload id.`, {
      hint: 'Use the id the upload returned (32 hexadecimal characters).',
    });
  }
  return path.join(uploadsRoot(dataDir), uploadId);
}

// eslint-disable-next-line no-control-regex -- stripping control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/**
 * The file name to store an upload under: the base name only (the browser may send a path), without
 * control characters or characters that trouble some file systems, not hidden, at most 200 bytes.
 */
export function sanitiseUploadName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  let name = base
    .replace(CONTROL_CHARACTERS, '')
    .replace(/[<>:"|?*]/g, '_')
    .trim();
  name = name.replace(/^\.+/, '');
  while (Buffer.byteLength(name, 'utf8') > 200) {
    const ext = path.extname(name);
    const stem = name.slice(0, name.length - ext.length);
    name = stem.length > 1 ? `${stem.slice(0, -1)}${ext}` : name.slice(0, -1);
  }
  return name || 'upload.bin';
}

/** Creates the folder for a new upload and returns where to write it. */
export async function prepareUpload(dataDir: string, rawName: string): Promise<{ uploadId: string; name: string; file: string }> {
  const uploadId = newUploadId();
  const name = sanitiseUploadName(rawName);
  const dir = uploadDir(dataDir, uploadId);
  await fs.mkdir(uploadsRoot(dataDir), { recursive: true, mode: 0o700 });
  await fs.mkdir(dir, { mode: 0o700 });
  return { uploadId, name, file: path.join(dir, name) };
}

/** The path of a finished upload. Throws FILE_NOT_FOUND when there is no such upload (or it was swept). */
export async function resolveUpload(dataDir: string, uploadId: string): Promise<string> {
  const dir = uploadDir(dataDir, uploadId);
  const notFound = () =>
    new AppError('FILE_NOT_FOUND', `The uploaded file ${uploadId} is no longer on the server.`, {
      hint: 'Uploads are removed after use and when the server restarts after a day; drop the file onto the page again.',
    });
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch {
    throw notFound();
  }
  const files: string[] = [];
  for (const entry of entries) {
    const st = await fs.lstat(path.join(dir, entry)).catch(() => null);
    if (st?.isFile()) files.push(entry);
  }
  if (files.length !== 1 || !files[0]) throw notFound();
  return path.join(dir, files[0]);
}

/** Deletes an upload (after a restore used it, or a failed upload). Missing uploads are fine. */
export async function removeUpload(dataDir: string, uploadId: string): Promise<void> {
  await fs.rm(uploadDir(dataDir, uploadId), { recursive: true, force: true });
}

/**
 * Deletes uploads older than `maxAgeMs` (by their newest modification), and anything in the uploads
 * folder that is not an upload. Returns how many were removed. Never throws: a sweep is housekeeping.
 */
export async function sweepUploads(dataDir: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  const root = uploadsRoot(dataDir);
  let entries: string[];
  try {
    entries = await fs.readdir(root);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const entry of entries) {
    const dir = path.join(root, entry);
    try {
      if (isUploadId(entry) && now - (await newestMtime(dir)) < maxAgeMs) continue;
      await fs.rm(dir, { recursive: true, force: true });
      removed += 1;
    } catch {
      // Someone else removed or locked it; the next sweep tries again.
    }
  }
  return removed;
}

async function newestMtime(dir: string): Promise<number> {
  const st = await fs.lstat(dir);
  let newest = st.mtimeMs;
  if (!st.isDirectory()) return newest;
  for (const entry of await fs.readdir(dir)) {
    const s = await fs.lstat(path.join(dir, entry)).catch(() => null);
    if (s && s.mtimeMs > newest) newest = s.mtimeMs;
  }
  return newest;
}
