import type { ErrorCode } from '../../shared/contract/errors';

/**
 * Exit codes a script can rely on. Listed in `ailab --help`; never renumber one.
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  DOCKER_UNREACHABLE: 3,
  NOT_FOUND: 4,
  CONFLICT: 5,
  INVALID_INPUT: 6,
  CANCELLED: 130,
} as const;

export const EXIT_CODE_HELP = `Exit codes:
  0    success
  1    the operation failed (the message says why)
  2    wrong usage (unknown command or option)
  3    Docker is not reachable, or its socket refused us
  4    a volume, container, image, job or file does not exist
  5    conflict: the name is taken, the volume is in use, a job is already running, the port is in use
  6    invalid input: a bad name, a corrupt or unsafe archive, a guarded volume's name not confirmed
  130  cancelled (Ctrl+C)`;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'DOCKER_UNREACHABLE':
    case 'DOCKER_PERMISSION_DENIED':
      return EXIT.DOCKER_UNREACHABLE;
    case 'VOLUME_NOT_FOUND':
    case 'CONTAINER_NOT_FOUND':
    case 'IMAGE_NOT_FOUND':
    case 'JOB_NOT_FOUND':
    case 'FILE_NOT_FOUND':
      return EXIT.NOT_FOUND;
    case 'VOLUME_EXISTS':
    case 'VOLUME_IN_USE':
    case 'CONTAINER_EXISTS':
    case 'CONTAINER_RUNNING':
    case 'JOB_CONFLICT':
    case 'PORT_IN_USE':
    case 'FILE_EXISTS':
      return EXIT.CONFLICT;
    case 'INVALID_ARGUMENT':
    case 'CONFIRMATION_REQUIRED':
    case 'VOLUME_NAME_INVALID':
    case 'ARCHIVE_INVALID':
    case 'ARCHIVE_UNSAFE':
    case 'SETTINGS_INVALID':
      return EXIT.INVALID_INPUT;
    case 'CANCELLED':
      return EXIT.CANCELLED;
    default:
      return EXIT.FAILURE;
  }
}
