import { AppError } from '../../../shared/contract/errors';
import type { JobContext } from './jobContext';
import { parseVerboseLine } from './tarVerbose';

/**
 * What the tar engine's `-vv` listing says while tar runs (both ways): each entry goes to the log and
 * to progress, tar's own messages are kept for the warning or error that follows a non-zero exit.
 */
export class VerboseListing {
  entries = 0;
  bytes = 0;
  /** A `./` entry: the archive carries the volume root's owner and mode. */
  rootEntry = false;
  readonly messages: string[] = [];

  /** `hidden`: entries tar writes that are not the archive's (a selective restore's folders written back as they were). */
  constructor(
    private readonly ctx: Pick<JobContext, 'log' | 'progress'>,
    private readonly hidden?: (path: string) => boolean,
  ) {}

  /** Bound, so it can be handed to runHelper as a line callback. */
  readonly onLine = (line: string): void => {
    const parsed = parseVerboseLine(line);
    if (!parsed) return;
    if (parsed.kind === 'message') {
      this.messages.push(parsed.text);
      this.ctx.log(parsed.text);
      return;
    }
    if (this.hidden?.(parsed.path)) return;
    this.entries++;
    this.bytes += parsed.size ?? 0;
    if (parsed.path === './' || parsed.path === '.') this.rootEntry = true;
    this.ctx.log(parsed.path);
    this.ctx.progress.entry(parsed.path, parsed.size ?? 0);
  };

  /** The error for a tar that exited with `exitCode`: its last messages, else the last stderr lines. */
  failure(exitCode: number, stderrTail: string[], image: string): AppError {
    return tarFailure(exitCode, this.messages.length > 0 ? this.messages : stderrTail, image);
  }
}

/** GNU tar's words for a full file system: ENOSPC, or a short write (which it reports without errno). */
const NO_SPACE = /No space left on device|Disk quota exceeded|Wrote only \d+ of \d+ bytes/;

/** tar in a helper exited non-zero: its last messages say why. */
export function tarFailure(exitCode: number, messages: string[], image: string): AppError {
  const why = messages.slice(-3).join(' / ');
  const noSpace = messages.find((m) => NO_SPACE.test(m));
  if (noSpace !== undefined) {
    return new AppError('DISK_FULL', `The volume is full: tar could not write everything into it (${noSpace}).`, {
      hint: 'Free space on the disk where Docker keeps its volumes (`docker system df` shows what uses it), or restore into a volume with more room.',
      details: { exitCode },
    });
  }
  return new AppError('DOCKER_ERROR', `tar in the helper container failed (exit code ${exitCode})${why ? `: ${why}` : '.'}`, {
    hint: exitCode === 127 ? `The helper image ${image} has no tar; choose the fast engine or another helper image.` : 'See the job log for details.',
    details: { exitCode },
  });
}
