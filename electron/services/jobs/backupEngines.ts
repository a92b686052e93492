import type { Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { JobEngine } from '../../../shared/contract/jobs';
import { createParallelGzip } from '../archive/parallelGzip';
import { createTarTap } from '../archive/tarTap';
import { toAppError } from '../docker/errors';
import { TapProgress } from './byteSampler';
import { createHelper, runHelper, VOLUME_MOUNT } from './helperContainer';
import type { JobContext } from './jobContext';
import { VerboseListing } from './verboseListing';

/**
 * gzip level of the fast engine. Measured here (Node zlib, 1 MiB blocks, notebooks-like CSV + binary):
 * level 6 (the seed's gzip default) ~21 MB/s per core, ratio 0.494; level 4 ~36 MB/s, ratio 0.512;
 * level 1 ~56 MB/s, ratio 0.527. Level 4 keeps the file within ~4 % of the seed's size at ~1.7x the
 * speed per core, which on top of using every core is what makes the backup at least twice as fast.
 */
export const FAST_GZIP_LEVEL = 4;

export interface PackResult {
  /** Entries written, which the verification re-counts. */
  entries: number;
  /** Content bytes. */
  bytes: number;
}

export interface PackArgs {
  volume: string;
  image: string;
  /** Receives the gzip'd tar; ended by the engine when the archive is complete. */
  out: Writable;
}

/**
 * fast: a container is created (never started) with the volume mounted read-only, the Engine streams
 * the volume as tar (`GET /containers/{id}/archive?path=/volume/.`: entries `./…`, owners, modes,
 * links and times kept, exactly the layout of the seed's `tar -C /volume -czvf … .`), and the host
 * compresses it on all cores as a multi-member gzip.
 */
export async function packFast(ctx: JobContext, args: PackArgs): Promise<PackResult> {
  const container = await createHelper(ctx.docker, { image: args.image, volume: args.volume, readOnly: true, labels: ctx.labels }, ctx.tracker);
  const counter = new TapProgress(ctx.progress, ctx.log);
  try {
    let source: NodeJS.ReadableStream;
    try {
      source = await container.getArchive({ path: `${VOLUME_MOUNT}/.`, abortSignal: ctx.signal });
    } catch (err) {
      throw toAppError(err);
    }
    const tap = createTarTap(counter.onEntry);
    counter.attach(tap);
    await pipeline(source, tap, createParallelGzip({ level: FAST_GZIP_LEVEL }), args.out, { signal: ctx.signal });
    counter.stop();
    return { entries: counter.entries, bytes: counter.bytes };
  } finally {
    counter.stop();
    await ctx.tracker.remove(container.id);
  }
}

/**
 * tar: the seed's own command in the helper image, `tar -C /volume -czvvf - .`, with the archive on
 * stdout (no log driver, see createHelper) and the verbose listing on stderr, streamed line by line.
 * `-vv` adds sizes to the listing, which makes byte progress real.
 */
export async function packTar(ctx: JobContext, args: PackArgs): Promise<PackResult> {
  const listing = new VerboseListing(ctx);
  const res = await runHelper(
    ctx.docker,
    { image: args.image, cmd: ['tar', '-C', VOLUME_MOUNT, '-czvvf', '-', '.'], volume: args.volume, readOnly: true, labels: ctx.labels },
    { signal: ctx.signal, stdout: args.out, onStderrLine: listing.onLine },
    ctx.tracker,
  );
  // GNU tar: 1 = some files changed while being read (archive complete); 2 = fatal.
  if (res.exitCode === 1) {
    ctx.warn(`tar reported files that changed while they were packed: ${listing.messages.slice(0, 3).join('; ') || 'see the log'}. Stop the containers using the volume for a consistent backup.`);
  } else if (res.exitCode !== 0) {
    throw listing.failure(res.exitCode, res.stderrTail, args.image);
  }
  // finished() also settles for a stream that already failed or closed, where end()'s callback and a
  // late 'error' listener would never fire.
  if (!args.out.writableEnded) args.out.end();
  await finished(args.out);
  return { entries: listing.entries, bytes: listing.bytes };
}

export function packEngine(engine: JobEngine): (ctx: JobContext, args: PackArgs) => Promise<PackResult> {
  return engine === 'tar' ? packTar : packFast;
}
