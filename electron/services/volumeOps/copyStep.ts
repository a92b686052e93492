import { AppError } from '../../../shared/contract/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { EXTRACT_RECORDS } from '../docker/helperTar';
import { runHelper } from '../jobs/helperContainer';
import type { JobContext } from '../jobs/jobContext';
import { tarFailure, VerboseListing } from '../jobs/verboseListing';

/** Where the copy helper mounts the new volume (the source is at VOLUME_MOUNT, read-only). */
export const TARGET_MOUNT = '/target';

/**
 * The one script of the copy helper: fixed text, no name of the user's in it (the volumes are mounts).
 * GNU tar reads the source into a pax stream (nanosecond times, sparse files as holes, numeric owners)
 * and a second tar writes it; the reader's `-vv` listing goes to stderr (the archive is on a pipe), for
 * progress. dash has no pipefail, so each side prints its own exit status on stderr; the container's
 * exit code is the shell's and says nothing. Measured against `cp -a --sparse=always` (README).
 */
export const COPY_SCRIPT = [
  `(tar -C ${VOLUME_MOUNT} --format=posix --sparse --numeric-owner -cvvf - .; echo "src-exit $?" >&2)`,
  `| tar -C ${TARGET_MOUNT} --numeric-owner ${EXTRACT_RECORDS.join(' ')} -xpf -; echo "dst-exit $?" >&2`,
].join(' ');

const EXIT_LINE = /^(src|dst)-exit (\d+)$/;

export interface CopyOutcome {
  entries: number;
  bytes: number;
}

/** The statuses the two sides printed, judged: the writer's failure (a full disk) says more than the reader's broken pipe. */
export function judgeCopy(
  exits: { src: number | null; dst: number | null },
  listing: { messages: string[] },
  stderrTail: string[],
  image: string,
): AppError | null {
  const messages = listing.messages.length > 0 ? listing.messages : stderrTail;
  if (exits.dst === null || exits.src === null) {
    // The shell never got to print both: the helper was killed, or the image has no sh.
    return tarFailure(exits.dst ?? exits.src ?? 127, messages, image);
  }
  if (exits.dst !== 0) return tarFailure(exits.dst, messages, image);
  if (exits.src !== 0) return tarFailure(exits.src, messages, image);
  return null;
}

/** Copies `source` into `target` (made and empty) in one confined helper; progress from the reader's listing. */
export async function copyVolume(ctx: JobContext, o: { source: string; target: string; image: string }): Promise<CopyOutcome> {
  const listing = new VerboseListing(ctx);
  const exits: { src: number | null; dst: number | null } = { src: null, dst: null };
  const res = await runHelper(
    ctx.docker,
    {
      image: o.image,
      cmd: ['sh', '-c', COPY_SCRIPT],
      volume: o.source,
      readOnly: true,
      otherVolume: { volume: o.target, target: TARGET_MOUNT, readOnly: false },
      // Reads one volume, writes the other: the writing set (its DAC_OVERRIDE reads everything too, see helperHardening.ts).
      access: 'write',
      labels: ctx.labels,
    },
    {
      signal: ctx.signal,
      onStderrLine: (line) => {
        const m = EXIT_LINE.exec(line);
        if (m) exits[m[1] as 'src' | 'dst'] = Number(m[2]);
        else listing.onLine(line);
      },
    },
    ctx.tracker,
  );
  ctx.throwIfCancelled();
  const failure = judgeCopy(exits, listing, res.stderrTail, o.image);
  if (failure) throw failure;
  if (res.exitCode !== 0) {
    throw new AppError('DOCKER_ERROR', `The copy helper exited with ${res.exitCode}: ${res.stderrTail.slice(-3).join(' / ')}`, { hint: 'See the job log.' });
  }
  return { entries: listing.entries, bytes: listing.bytes };
}
