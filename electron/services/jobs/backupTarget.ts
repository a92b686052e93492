import { createHash } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../shared/contract/errors';
import { manifestMatches, manifestPath, readManifest } from '../archive/manifest';

/**
 * Where a backup may be written. The renderer names the folder and the file, and it is not trusted:
 * with `overwrite` alone it could have any file the user can write replaced by gzip data. So an
 * existing file is only ever replaced when it is a backup this app wrote, as its sidecar says (the
 * same size and sha256); and the sidecar `<file>.json` the backup writes never replaces a file that is
 * not one of our sidecars. Everything else is FILE_EXISTS, whatever `overwrite` says.
 */
export async function checkBackupTarget(file: string, overwrite: boolean): Promise<void> {
  const st = await fs.lstat(file).catch(() => null);
  if (st !== null) {
    // Asked before any confirmation, so that the app offers "Overwrite" only where it would be allowed.
    const why = await whyNotOurBackup(file, st);
    if (why !== null) {
      throw fileExists(
        file,
        `${file} already exists and is not a backup that AI-Lab Desktop wrote (${why}), so it is not overwritten.`,
        'Choose another file name. Only a backup this app wrote, with its .json sidecar next to it, can be overwritten.',
        false,
      );
    }
    if (!overwrite) {
      throw fileExists(
        file,
        `${file} already exists.`,
        'Choose another name, or confirm that it may be overwritten (it is an earlier backup of this app).',
        true,
      );
    }
  }
  const sidecar = manifestPath(file);
  if ((await fs.lstat(sidecar).catch(() => null)) !== null && (await readManifest(file)) === null) {
    throw fileExists(
      sidecar,
      `${sidecar} exists and is not a sidecar that AI-Lab Desktop wrote; the backup's sidecar would replace it.`,
      'Choose another file name for the backup.',
      false,
    );
  }
}

/** Null when `file` is the backup its sidecar describes, else what is wrong, in a few words. */
async function whyNotOurBackup(file: string, st: Stats): Promise<string | null> {
  if (st.isSymbolicLink()) return 'it is a symbolic link';
  if (!st.isFile()) return 'it is not a regular file';
  const manifest = await readManifest(file);
  if (manifest === null) return `there is no ${path.basename(manifestPath(file))} sidecar of ours next to it`;
  if (manifest.compressedBytes !== st.size) return 'it is not the file its sidecar describes';
  const sha256 = await sha256Of(file);
  if (!manifestMatches(manifest, { sha256, compressedBytes: st.size })) return 'it changed since its sidecar was written';
  return null;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), hash);
  return hash.digest('hex');
}

/** `overwritable`: whether asking again with `overwrite: true` would be allowed (the UI offers it only then). */
function fileExists(file: string, message: string, hint: string, overwritable: boolean): AppError {
  return new AppError('FILE_EXISTS', message, { hint, details: { path: file, dir: path.dirname(file), fileName: path.basename(file), overwritable } });
}
