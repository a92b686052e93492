import os from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import { sizeMember } from './gzipMembers';

export interface ParallelGzipOptions {
  /** zlib level 0..9; default DEFAULT_GZIP_LEVEL (4). */
  level?: number;
  /** Uncompressed bytes per gzip member. */
  blockSize?: number;
  /** Blocks compressed at the same time (and the bound on blocks held in memory). */
  concurrency?: number;
  /**
   * Store blocks that do not compress (media, model weights, archives) instead of deflating them:
   * zlib spends as long failing to compress random bytes as compressing text (~27 ms/MiB at any
   * level) but stores them in ~1 ms/MiB. Decided per block by deflating a few small samples.
   * The size cost is nil for truly incompressible data. Default true.
   */
  storeIncompressible?: boolean;
}

/** Sampled bytes per probe, and how many probes spread over a block. */
const PROBE_BYTES = 8 * 1024;
const PROBES = 4;
/** A block whose samples shrink by less than this is stored. */
const INCOMPRESSIBLE_RATIO = 0.98;

/**
 * Level 4, decided by measurement on the benchmark's mix (scripts/bench, 318 MB: text, CSV, random
 * binaries; Node 20's zlib, incompressible blocks stored): level 4 writes 175.1 MB in 6.4 s of CPU,
 * level 6 172.8 MB in 10.0 s, level 1 180.2 MB in 5.3 s, and the seed's GNU `gzip -6` 174.0 MB in
 * 15.9 s. Level 4 is within 1% of the seed's archive size for 40% of its CPU, and on 2 cores (where
 * the Engine's own tar stream takes a good part of the CPU too) compression decides the speed.
 * Checked again for issue 17 with `npm run bench -- gzip-levels` (CPU seconds, which a busy machine
 * barely moves; 1,046 MiB tar of the bench's mix, 2026-12-06): GNU gzip -6 566.3 MiB in 48.2 s; ours at
 * 1 MiB blocks: level 1 +3.6 % in 12.8 s, level 3 +2.0 % in 17.1 s, level 4 +0.6 % in 15.4 s, level 5
 * −0.5 % in 22.2 s, level 6 −0.7 % in 24.5 s. Level 4 stays: level 5 would cost 44 % more CPU to
 * save 1.1 % of the archive, levels 1–3 save little CPU for a bigger archive.
 */
export const DEFAULT_GZIP_LEVEL = 4;
/**
 * 1 MiB: measured against 2 and 4 MiB on the same data, the ratio differs by 0.1% and the CPU not at
 * all, while peak memory grows with the block (85, 90, 155 MB). The 2026-12-06 sweep agrees: at
 * level 4, 512 KiB / 1 / 2 / 4 MiB give +0.73 / +0.61 / +0.55 / +0.52 % against gzip -6 for 17.6 /
 * 15.4 / 16.3 / 17.5 s of CPU and 93 / 96 / 103 / 100 MiB peak: nothing worth a bigger block.
 */
export const DEFAULT_BLOCK_SIZE = 1024 * 1024;

/**
 * Compresses a stream on all cores: the input is cut into blocks and each block becomes an
 * independent gzip member. zlib's async calls run on libuv's threadpool, so several blocks compress
 * at once with no worker threads. Members leave in input order, and a concatenation of members is a
 * valid gzip file (RFC 1952 §2.2) that GNU gzip/tar, BusyBox, Go and Node all read.
 *
 * Memory is bounded: at most `concurrency` blocks are in flight; the writer is held back until the
 * oldest finishes. The cost is a slightly worse ratio (each member starts with an empty dictionary,
 * ~0.1% at 1 MiB blocks). Each member's header carries its length (gzipMembers.ts), which every
 * gzip reader skips and createParallelGunzip uses to decompress members in parallel.
 *
 * The threadpool has 4 threads unless UV_THREADPOOL_SIZE says otherwise, so more than 4 blocks
 * compress in parallel only when the process was started with a larger pool.
 */
export class ParallelGzip extends Transform {
  private readonly level: number;
  private readonly blockSize: number;
  private readonly concurrency: number;
  private readonly storeIncompressible: boolean;
  private block: Buffer | null = null;
  /** Block buffers whose compression finished, for reuse: fewer large allocations for the GC to chase. */
  private readonly spare: Buffer[] = [];
  private fill = 0;
  private readonly inFlight: Array<Promise<Buffer>> = [];
  private failed: Error | null = null;
  private destroyedEarly = false;
  /** Uncompressed bytes taken in. */
  bytesIn = 0;
  /** Compressed bytes pushed out. */
  bytesOut = 0;
  /** Blocks written as stored (incompressible) and deflated. */
  storedBlocks = 0;
  deflatedBlocks = 0;

  constructor(opts: ParallelGzipOptions = {}) {
    const blockSize = opts.blockSize ?? DEFAULT_BLOCK_SIZE;
    super({ writableHighWaterMark: blockSize, readableHighWaterMark: blockSize });
    const level = opts.level ?? DEFAULT_GZIP_LEVEL;
    if (!Number.isInteger(level) || level < 0 || level > 9) throw new RangeError(`gzip level must be 0..9, not ${level}`);
    if (!Number.isInteger(blockSize) || blockSize < 64 * 1024) throw new RangeError(`blockSize must be at least 64 KiB, not ${blockSize}`);
    this.level = level;
    this.blockSize = blockSize;
    this.concurrency = Math.max(1, Math.floor(opts.concurrency ?? os.availableParallelism()));
    this.storeIncompressible = opts.storeIncompressible ?? true;
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
        this.block = this.spare.pop() ?? Buffer.allocUnsafe(this.blockSize);
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
        this.dispatch(full, true);
      }
    }
    this.drainTo(this.concurrency - 1).then(
      () => callback(),
      (err: Error) => callback(err),
    );
  }

  override _flush(callback: TransformCallback): void {
    if (this.block !== null && this.fill > 0) this.dispatch(this.block.subarray(0, this.fill), true);
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

  /** `owned`: `data` lies in one of our block buffers, which may be reused once it is compressed. */
  private dispatch(data: Buffer, owned = false): void {
    const job = this.chooseLevel(data)
      .then((level) => {
        if (level === 0) this.storedBlocks++;
        else this.deflatedBlocks++;
        return gzipAsync(data, level);
      })
      .then((out) => {
        if (owned && !this.destroyedEarly && this.spare.length < this.concurrency) this.spare.push(Buffer.from(data.buffer, data.byteOffset, this.blockSize));
        return out;
      });
    // Attach a handler now so a failure is never "unhandled" while it waits its turn.
    job.catch((err: Error) => {
      this.failed ??= err;
    });
    this.inFlight.push(job);
  }

  /** The level for one block: 0 when samples from across it do not compress, else the configured one. */
  private async chooseLevel(data: Buffer): Promise<number> {
    if (!this.storeIncompressible || this.level === 0 || data.length < PROBES * PROBE_BYTES * 2) return this.level;
    const step = Math.floor((data.length - PROBE_BYTES) / (PROBES - 1));
    const sample = Buffer.allocUnsafe(PROBES * PROBE_BYTES);
    for (let i = 0; i < PROBES; i++) data.copy(sample, i * PROBE_BYTES, i * step, i * step + PROBE_BYTES);
    // Level 1 on the threadpool: cheap, and it sees the same kind of redundancy the real pass would.
    const total = (await deflateRawAsync(sample, 1)).length;
    return total >= INCOMPRESSIBLE_RATIO * PROBES * PROBE_BYTES ? 0 : this.level;
  }

  /** Emits finished members in order until at most `limit` are still in flight. */
  private async drainTo(limit: number): Promise<void> {
    while (this.inFlight.length > limit) {
      const out = await (this.inFlight[0] as Promise<Buffer>);
      if (this.destroyedEarly) return;
      this.inFlight.shift();
      // Each member carries its own length (gzipMembers.ts) so readers can split the file in parallel.
      const [header, body] = sizeMember(out);
      this.bytesOut += header.length + body.length;
      this.push(header);
      this.push(body);
    }
    if (this.failed) throw this.failed;
  }
}

function gzipAsync(data: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib.gzip(data, { level, chunkSize: Math.max(64 * 1024, data.length + 1024) }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

function deflateRawAsync(data: Buffer, level: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zlib.deflateRaw(data, { level }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

export function createParallelGzip(opts?: ParallelGzipOptions): ParallelGzip {
  return new ParallelGzip(opts);
}
