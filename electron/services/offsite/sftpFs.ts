import type { SFTPWrapper, Stats } from 'ssh2';
import { AppError } from '../../../shared/contract/errors';

/**
 * The SFTP calls the offsite module uses, as promises, with SFTP status codes (draft-ietf-secsh-filexfer
 * v3: 2 no such file, 3 permission denied, 4 failure) turned into the app's error codes.
 */

export interface RemoteFile {
  name: string;
  size: number;
  mtimeMs: number;
  isFile: boolean;
}

const NO_SUCH_FILE = 2;
const PERMISSION_DENIED = 3;

export function sftpStatus(err: unknown): number | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : null;
}

/** An SFTP status error as an AppError: `what` says which file and what for ("write /srv/b/x.tgz"). */
export function remoteFsError(err: unknown, what: string, hintFolder: string): AppError {
  const status = sftpStatus(err);
  const message = (err as Error).message;
  if (status === NO_SUCH_FILE)
    return new AppError('FILE_NOT_FOUND', `On the SFTP server: ${what}: no such file or folder.`, {
      hint: `Create ${hintFolder} on the server first (a plan never creates folders).`,
    });
  if (status === PERMISSION_DENIED)
    return new AppError('PERMISSION_DENIED', `On the SFTP server: ${what}: permission denied.`, {
      hint: `Let the SSH user write to ${hintFolder} on the server.`,
    });
  if (status !== null)
    return new AppError('DISK_FULL', `On the SFTP server: ${what} failed (${message}); its disk may be full or the file system read-only.`, {
      hint: `Free space in ${hintFolder} on the server (df -h there), or check its file system.`,
    });
  return new AppError('REMOTE_UNREACHABLE', `On the SFTP server: ${what}: ${message}.`, { details: { retryable: true } });
}

export function stat(sftp: SFTPWrapper, p: string): Promise<Stats | null> {
  return new Promise((resolve, reject) =>
    sftp.stat(p, (err, st) => {
      if (!err) return resolve(st);
      if (sftpStatus(err) === NO_SUCH_FILE) return resolve(null);
      reject(err);
    }),
  );
}

export function readdir(sftp: SFTPWrapper, dir: string): Promise<RemoteFile[]> {
  return new Promise((resolve, reject) =>
    sftp.readdir(dir, (err, list) => {
      if (err) return reject(err);
      resolve(
        list.map((e) => ({
          name: e.filename,
          size: e.attrs.size,
          mtimeMs: e.attrs.mtime * 1000,
          // The mode's file type bits: a regular file (not a link, a folder, a FIFO).
          isFile: (e.attrs.mode & 0o170000) === 0o100000,
        })),
      );
    }),
  );
}

export function unlink(sftp: SFTPWrapper, p: string): Promise<void> {
  return new Promise((resolve, reject) => sftp.unlink(p, (err) => (err ? reject(err) : resolve())));
}

export function rename(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => sftp.rename(from, to, (err) => (err ? reject(err) : resolve())));
}

/** A small file (a sidecar) read whole; null when larger than `max`. */
export function readSmall(sftp: SFTPWrapper, p: string, max = 1 << 20): Promise<Buffer | null> {
  return new Promise((resolve, reject) =>
    sftp.stat(p, (err, st) => {
      if (err) return sftpStatus(err) === NO_SUCH_FILE ? resolve(null) : reject(err);
      if (st.size > max) return resolve(null);
      sftp.readFile(p, (err2, data) => (err2 ? reject(err2) : resolve(data)));
    }),
  );
}

/** Bytes free for us on the server's file system holding `dir`, or null when it does not say (no statvfs@openssh.com). */
export function freeBytes(sftp: SFTPWrapper, dir: string): Promise<number | null> {
  return new Promise((resolve) => {
    try {
      sftp.ext_openssh_statvfs(dir, (err, info: { bavail?: number; frsize?: number; bsize?: number } | undefined) => {
        if (err || !info || typeof info.bavail !== 'number') return resolve(null);
        resolve(info.bavail * (info.frsize || info.bsize || 0));
      });
    } catch {
      resolve(null); // the server lacks the extension
    }
  });
}

/** POSIX path join for the server (never path.join: on Windows it would write backslashes). */
export function remoteJoin(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}
