import { Writable } from 'node:stream';
import { writableEvent } from '../core/writableEvent';

const HEADER = 8;

/**
 * Splits Docker's multiplexed attach stream (8-byte frame headers: stream type, 0, 0, 0, big-endian
 * length) into stdout and stderr. Unlike docker-modem's demuxStream it honours the destination's
 * backpressure: while stdout (an archive being written to disk) is full, no more frames are read,
 * so a slow disk slows the container instead of filling memory.
 */
export class DockerDemuxer extends Writable {
  private pending: Buffer = Buffer.alloc(0);
  /** Frame payload bytes still to come for the current frame, and where they go. */
  private remaining = 0;
  private target: 1 | 2 = 1;

  constructor(
    private readonly stdout: Writable | ((chunk: Buffer) => void),
    private readonly stderr: (chunk: Buffer) => void,
  ) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.consume(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback();
  }

  private async consume(chunk: Buffer): Promise<void> {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (buf.length > 0) {
      if (this.remaining === 0) {
        if (buf.length < HEADER) {
          this.pending = Buffer.from(buf);
          return;
        }
        const type = buf[0];
        this.remaining = buf.readUInt32BE(4);
        this.target = type === 2 ? 2 : 1;
        buf = buf.subarray(HEADER);
        continue;
      }
      const n = Math.min(this.remaining, buf.length);
      const part = buf.subarray(0, n);
      this.remaining -= n;
      buf = buf.subarray(n);
      if (this.target === 2) this.stderr(part);
      else await this.deliver(part);
    }
  }

  private async deliver(part: Buffer): Promise<void> {
    const out = this.stdout;
    if (typeof out === 'function') {
      out(part);
      return;
    }
    if (out.destroyed) throw out.errored ?? new Error('the output closed early');
    if (out.write(part)) return;
    await writableEvent(out, 'drain', () => out.errored ?? new Error('the output closed early'));
  }
}
