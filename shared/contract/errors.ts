/**
 * Stable error codes. The UI and the CLI switch on these, never on message text, so a code once
 * published keeps its meaning. Messages say what is wrong; hints say what to do about it.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'FORBIDDEN_SENDER',
  'UNKNOWN_METHOD',
  'UNAUTHORIZED',
  'DOCKER_UNREACHABLE',
  'DOCKER_PERMISSION_DENIED',
  'DOCKER_ERROR',
  'VOLUME_NAME_INVALID',
  'VOLUME_EXISTS',
  'VOLUME_NOT_FOUND',
  'VOLUME_IN_USE',
  /** A guarded volume (the Exasol DB's) is removed only with its name typed: removeVolume's confirmName. */
  'CONFIRMATION_REQUIRED',
  'CONTAINER_NOT_FOUND',
  'CONTAINER_EXISTS',
  'CONTAINER_RUNNING',
  'IMAGE_NOT_FOUND',
  'IMAGE_PULL_FAILED',
  'PORT_IN_USE',
  'JOB_CONFLICT',
  'JOB_NOT_FOUND',
  'CANCELLED',
  'ARCHIVE_INVALID',
  'ARCHIVE_UNSAFE',
  'FILE_EXISTS',
  'FILE_NOT_FOUND',
  'PERMISSION_DENIED',
  'DISK_FULL',
  'TIMEOUT',
  'SETTINGS_INVALID',
  'APP_SERVER_UNREACHABLE',
  /** An SFTP server (a plan's copy off the machine) did not answer, or the connection kept dropping. */
  'REMOTE_UNREACHABLE',
  /** The SFTP server refused the key (or there was no key to offer). */
  'REMOTE_AUTH_FAILED',
  /** An SSH server's host key is not in known_hosts yet. SFTP: ask the user (trustSftpHost), or --accept-new-host-key; an ssh:// Docker engine: the hint says how to trust it with ssh. */
  'HOST_KEY_UNKNOWN',
  /** An SSH server's (SFTP or ssh:// Docker engine) host key differs from known_hosts (or is revoked): always refused. */
  'HOST_KEY_CHANGED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorPayload {
  code: ErrorCode;
  /** What went wrong, in words a user understands. */
  message: string;
  /** What to do about it. */
  hint?: string;
  /** Structured facts for the UI (e.g. the containers holding a volume). Plain JSON only. */
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiErrorPayload };

/** The one error type thrown by services and by the renderer's unwrap(). */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }

  toPayload(): ApiErrorPayload {
    const payload: ApiErrorPayload = { code: this.code, message: this.message };
    if (this.hint !== undefined) payload.hint = this.hint;
    if (this.details !== undefined) payload.details = this.details;
    return payload;
  }

  static fromPayload(p: ApiErrorPayload): AppError {
    return new AppError(p.code, p.message, { hint: p.hint, details: p.details });
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw AppError.fromPayload(r.error);
}
