import os from 'node:os';
import { Duplex, Readable } from 'node:stream';
import zlib from 'node:zlib';
import { SIZED_HEADER_BYTES, sizedMemberLength } from './gzipMembers';

/** Bytes received but not yet cut into members; copies only when a member is taken. */
class ByteQueue {
  private chunks: Buffer[] = [];
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first n bytes (n ≤ length), copied only when they span chunks. */
  peek(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.chunks, Math.min(n, this.length)).subarray(0, n);
  }

  take(n: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= n) {
      // Share, don't copy: the member is only read by zlib.
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.length -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Buffer;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.length -= n;
    return out;
  }

  takeAll(): Buffer {
    return this.take(this.length);
  }
}

function zlibError(code: 'Z_BUF_ERROR' | 'Z_DATA_ERROR', message: string): Error {
  return Object.assign(new Error(message), { code });
}

function gunzipMember(member: Buffer): Promise<Buffer> {
  // ISIZE (the member's uncompressed length mod 2^32) sizes the output buffer: one allocation.
  const isize = member.readUInt32LE(member.length - 4);
  const chunkSize = Math.min(Math.max(isize + 1, 64 * 1024), 64 * 1024 * 1024);
  return new Promise((resolve, reject) => {
    zlib.gunzip(member, { chunkSize }, (err, out) => (err ? reject(err) : resolve(out)));
  });
}

/**
 * gunzip that decompresses sized members (those createParallelGzip writes) in parallel on the
 * threadpool, in order, at most `concurrency` at a time. At the first member without a size (a .tgz
 * from GNU tar, or anything else) it hands the rest to zlib's streaming gunzip, so every gzip file
 * reads as `gunzip` would read it: all members, CRC and length of each checked, trailing zeros
 * ignored, anything else after the data an error. Errors carry zlib's codes (Z_BUF_ERROR for a
 * truncated file, Z_DATA_ERROR for a corrupt one).
 */
export function createParallelGunzip(opts: { concurrency?: number } = {}): Duplex {
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? os.availableParallelism()));

  return Duplex.from(async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const it = source[Symbol.asyncIterator]();
    const q = new ByteQueue();
    const queue: Array<Promise<Buffer>> = [];
    let ended = false;
    let members = 0;
    const pull = async (): Promise<void> => {
      const r = await it.next();
      if (r.done) ended = true;
      else q.push(r.value);
    };

    for (;;) {
      while (q.length < SIZED_HEADER_BYTES && !ended) await pull();
      if (q.length === 0) break;
      const size = sizedMemberLength(q.peek(Math.min(q.length, SIZED_HEADER_BYTES)));
      if (size === null) {
        if (members > 0 && q.peek(1)[0] === 0) {
          // Zero padding after the last member (tape blocking): gunzip ignores it, and so do we.
          for (;;) {
            const rest = q.takeAll();
            if (rest.some((b) => b !== 0)) throw zlibError('Z_DATA_ERROR', 'trailing garbage after the gzip data');
            if (ended) break;
            await pull();
          }
          break;
        }
        // Not a sized member: zlib's own streaming gunzip reads the rest, whatever it is.
        while (queue.length > 0) yield await (queue.shift() as Promise<Buffer>);
        yield* sequential(q.takeAll(), it);
        return;
      }
      while (q.length < size && !ended) await pull();
      if (q.length < size) throw zlibError('Z_BUF_ERROR', 'unexpected end of file');
      const job = gunzipMember(q.take(size));
      job.catch(() => undefined); // surfaced when awaited, in order
      queue.push(job);
      members++;
      while (queue.length >= concurrency) yield await (queue.shift() as Promise<Buffer>);
    }
    while (queue.length > 0) yield await (queue.shift() as Promise<Buffer>);
  });
}

async function* sequential(first: Buffer, it: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  const gunzip = zlib.createGunzip({ chunkSize: 256 * 1024 });
  const input = Readable.from(
    (async function* () {
      if (first.length > 0) yield first;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    })(),
  );
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  for await (const out of gunzip) yield out as Buffer;
}
