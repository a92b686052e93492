import { PassThrough, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { JsonObjectSplitter } from '../docker/eventStream';
import { toAppError } from '../docker/errors';
import { imagePresent, withDefaultTag } from '../jobs/images';
import type { JobContext } from '../jobs/jobContext';

/** Counts the bytes that pass, for the phase's progress. */
class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly onBytes: (n: number) => void) {
    super({ highWaterMark: 1024 * 1024 });
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    cb(null, chunk);
  }
}

/**
 * The target may have no images at all (a fresh server, an offline network: nothing can be pulled).
 * When it lacks the helper image, the source's copy is streamed across: `GET /images/<ref>/get`
 * (`docker save`) on the source piped straight into `POST /images/load` (`docker load`) on the target,
 * no file in between. Returns the reference copied, or null when the target had it already.
 */
export async function ensureHelperOnTarget(ctx: JobContext, target: { docker: Dockerode; words: string }, helperImage: string): Promise<string | null> {
  const ref = withDefaultTag(helperImage);
  if (await imagePresent(target.docker, ref)) return null;
  let size = 0;
  try {
    size = Number((await ctx.docker.getImage(ref).inspect()).Size) || 0;
  } catch (err) {
    throw toAppError(err, {
      notFound: () =>
        new AppError('IMAGE_NOT_FOUND', `The helper image ${ref} is on neither engine: the target ${target.words} lacks it and so does this one.`, {
          hint: `Pull ${ref} on either engine, or choose another helper image (with GNU tar and find) in the settings.`,
          details: { image: ref },
        }),
    });
  }
  ctx.phase('sending-helper', { filesTotal: 1, bytesTotal: size || null });
  ctx.log(`The target ${target.words} has no ${ref}: sending it from this engine (docker save | docker load, ${(size / 1e6).toFixed(1)} MB)…`);

  let saved: NodeJS.ReadableStream;
  try {
    saved = await ctx.docker.getImage(ref).get();
  } catch (err) {
    throw toAppError(err);
  }
  const counter = new ByteCounter((n) => ctx.progress.setBytesDone(n));
  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  // The request body is the counter's output; the save stream's errors reach the load as a broken body.
  const sending = pipeline(saved, counter, body, { signal: ctx.signal });
  let answer: NodeJS.ReadableStream;
  try {
    answer = await target.docker.loadImage(body, { quiet: false });
  } catch (err) {
    (saved as unknown as { destroy?: () => void }).destroy?.();
    await sending.catch(() => undefined);
    throw loadFailed(ref, target.words, toAppError(err).message);
  }
  // docker load reports failures inside its JSON answer (an "error" object), not in the status code.
  let loadError: string | null = null;
  const splitter = new JsonObjectSplitter();
  const take = (objs: unknown[]) => {
    for (const obj of objs) {
      const o = obj as { error?: unknown; stream?: unknown };
      if (typeof o.error === 'string') loadError ??= o.error;
      if (typeof o.stream === 'string' && o.stream.trim() !== '') ctx.log(o.stream.trim());
    }
  };
  const reader = new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      take(splitter.push(chunk));
      cb();
    },
    final: (cb) => {
      take(splitter.end());
      cb();
    },
  });
  await Promise.all([
    sending,
    pipeline(answer as unknown as NodeJS.ReadableStream, reader, { signal: ctx.signal }).catch((err: unknown) => {
      throw loadFailed(ref, target.words, toAppError(err).message);
    }),
  ]);
  if (loadError) throw loadFailed(ref, target.words, loadError);
  if (!(await imagePresent(target.docker, ref))) throw loadFailed(ref, target.words, 'the image is not there after the load');
  ctx.progress.entry(ref, counter.bytes);
  ctx.log(`Sent the helper image ${ref} to ${target.words} (${(counter.bytes / 1e6).toFixed(1)} MB).`);
  return ref;
}

function loadFailed(ref: string, words: string, why: string): AppError {
  return new AppError('DOCKER_ERROR', `Could not send the helper image ${ref} to the target ${words}: ${why}`, {
    hint: `Load it there yourself (docker save ${ref} | docker --context … load), then transfer again.`,
    details: { image: ref },
  });
}
