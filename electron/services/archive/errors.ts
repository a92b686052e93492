import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import { TarFormatError } from './tarParser';

interface FsErrorLike {
  code?: string;
  path?: string;
  message?: string;
}

function fsCode(err: unknown): string | undefined {
  const code = (err as FsErrorLike | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isFsError(err: unknown, ...codes: string[]): boolean {
  const code = fsCode(err);
  return code !== undefined && codes.includes(code);
}

/**
 * Maps a file-system error met while reading or writing an archive onto an AppError a person can act
 * on. `file` is the file the operation was about (the user's archive, not our temporary name), so the
 * message names something the user recognises.
 */
export function toArchiveFsError(err: unknown, file: string, action: 'read' | 'write' = 'write'): AppError {
  if (err instanceof AppError) return err;
  const code = fsCode(err);
  const dir = path.dirname(file);
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new AppError('DISK_FULL', `The disk holding ${dir} is full: the backup was not written.`, {
        hint: 'Free space or choose another folder.',
        details: { path: file, dir },
        cause: err,
      });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new AppError('PERMISSION_DENIED', action === 'write' ? `No permission to write in ${dir}.` : `No permission to read ${file}.`, {
        hint: action === 'write' ? 'Choose a folder you can write to.' : 'Check the file permissions, or copy the file somewhere you can read it.',
        details: { path: file, dir },
        cause: err,
      });
    case 'ENOENT':
    case 'ENOTDIR':
      return new AppError('FILE_NOT_FOUND', action === 'write' ? `The folder ${dir} does not exist.` : `The file ${file} does not exist.`, {
        hint: action === 'write' ? 'Choose an existing folder.' : 'Check the path.',
        details: { path: file, dir },
        cause: err,
      });
    case 'EISDIR':
      return new AppError('INVALID_ARGUMENT', `${file} is a folder, not a file.`, { hint: 'Choose a file name.', details: { path: file }, cause: err });
    case 'EEXIST':
      return new AppError('FILE_EXISTS', `${file} already exists.`, {
        hint: 'Choose another name, or allow overwriting.',
        details: { path: file },
        cause: err,
      });
    default: {
      const msg = (err as FsErrorLike | null)?.message ?? String(err);
      return new AppError('INTERNAL', `Could not ${action} ${file}: ${msg}`, { details: { path: file }, cause: err });
    }
  }
}

/** The error every corrupt, truncated or non-archive input ends in; says that nothing was changed. */
export function archiveInvalid(
  file: string,
  what: string,
  details: Record<string, unknown> = {},
  hint = 'Nothing was changed. Choose another file, or make a new backup.',
): AppError {
  return new AppError('ARCHIVE_INVALID', `${path.basename(file)}: ${what}`, {
    hint,
    details: { path: file, ...details },
  });
}

export function cancelled(what = 'The operation was cancelled.'): AppError {
  return new AppError('CANCELLED', what);
}

/** A tar stream that is not valid tar, met while passing it on (progress tap, splitter). */
export function tarStreamError(err: unknown): Error {
  if (err instanceof TarFormatError) {
    return new AppError('ARCHIVE_INVALID', `The tar stream is not valid: ${err.message} (at byte ${err.offset}).`, {
      details: { offset: err.offset, truncated: err.truncated },
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}
