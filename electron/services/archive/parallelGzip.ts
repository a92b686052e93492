import os from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

export interface ParallelGzipOptions {
  /** zlib level 1..9; 6 is what `gzip` and the seed's `tar -czvf` use. */
  level?: number;
  /** Uncompressed bytes per gzip member. */
  blockSize?: number;
  /** Blocks compressed at the same time (and the bound on blocks held in memory). */
  concurrency?: number;
}

export const DEFAULT_GZIP_LEVEL = 6;
export const DEFAULT_BLOCK_SIZE = 1024 * 1024;

/**
 * Compresses a stream on all cores: the input is cut into blocks and each block becomes an
 * independent gzip member. zlib's async calls run on libuv's threadpool, so several blocks compress
 * at once with no worker threads. Members leave in input order, and a concatenation of members is a
 * valid gzip file (RFC 1952 §2.2) that GNU gzip/tar, BusyBox, Go and Node all read.
 *
 * Memory is bounded: at most `concurrency` blocks are in flight; the writer is held back until the
 * oldest finishes. The cost is a slightly worse ratio (each member starts with an empty dictionary,
 * ~0.1% at 1 MiB blocks).
 *
 * The threadpool has 4 threads unless UV_THREADPOOL_SIZE says otherwise, so more than 4 blocks
 * compress in parallel only when the process was started with a larger pool.
 */
export class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly blockSize: number;
  private readonly concurrency: number;
  private block: Buffer | null = null;
  private fill = 0;
  private readonly inFlight: Array<Promise<Buffer>> = [];
  private failed: Error | null = null;
  private destroyedEarly = false;
  /** Uncompressed bytes taken in. */
  bytesIn = 0;
  /** Compressed bytes pushed out. */
  bytesOut = 0;

  constructor(opts: ParallelGzipOptions = {}) {
    const blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
    super({ writableHighWaterMark: blockSize, readableHighWaterMark: blockSize });
    const level = opts.level ?? DEFAULT_GZIP_LEVEL;
    if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`gzip level must be 0..9, not ${level}`);
    if (!Number.isInteger(blockSize) || blockSize < 64 * 1024) throw new RangeError(`blockSize must be at least 64 KiB, not ${blockSize}`);
    this.level = level;
    this.blockSize = blockSize;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? os.availableParallelism()));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    this.bytesIn += chunk.length;
    let pos = 0;
    while (pos < chunk.length) {
      if (this.block === null) {
        // A whole block arriving at once (common: 1 MiB reads) is used as is, without a copy.
        if (this.fill === 0 && chunk.length - pos >= this.blockSize) {
          this.dispatch(chunk.subarray(pos, pos + this.blockSize));
          pos += this.blockSize;
          continue;
        }
        this.block = Buffer.allocUnsafe(this.blockSize);
        this.fill = 0;
      }
      const n = Math.min(this.blockSize - this.fill, chunk.length - pos);
      chunk.copy(this.block, this.fill, pos, pos + n);
      this.fill += n;
      pos += n;
      if (this.fill === this.blockSize) {
        const full = this.block;
        this.block = null;
        this.fill = 0;
        this.dispatch(full);
      }
    }
    this.drainTo(this.concurrency - 1).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _flush(callback: TransformCallback): void {
    if (this.block !== null && this.fill > 0) this.dispatch(this.block.subarray(0, this.fill));
    // An empty input still has to be a valid gzip file: one empty member.
    else if (this.bytesIn === 0) this.dispatch(Buffer.alloc(0));
    this.block = null;
    this.drainTo(0).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _destroy(err: Error | null, callback: (error: Error | null) => void): void {
    // Blocks still on the threadpool finish there; their results are dropped.
    this.destroyedEarly = true;
    this.block = null;
    for (const p of this.inFlight) p.catch(() => undefined);
    this.inFlight.length = 0;
    callback(err);
  }

  private dispatch(data: Buffer): void {
    const job = new Promise<Buffer>((resolve, reject) => {
      zlib.gzip(data, { level: this.level, chunkSize: Math.max(64 * 1024, data.length) }, (err, out) => (err ? reject(err) : resolve(out)));
    });
    // Attach a handler now so a failure is never "unhandled" while it waits its turn.
    job.catch((err: Error) => {
      this.failed ??= err;
    });
    this.inFlight.push(job);
  }

  /** Emits finished members in order until at most `limit` are still in flight. */
  private async drainTo(limit: number): Promise<void> {
    while (this.inFlight.length > limit) {
      const out = await (this.inFlight[0] as Promise<Buffer>);
      if (this.destroyedEarly) return;
      this.inFlight.shift();
      this.bytesOut += out.length;
      this.push(out);
    }
    if (this.failed) throw this.failed;
  }
}

export function createParallelGzip(opts?: ParallelGzipOptions): ParallelGzip {
  return new ParallelGzip(opts);
}
