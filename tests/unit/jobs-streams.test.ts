import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DockerDemuxer } from '../../electron/services/jobs/dockerStreams';
import { LineSplitter } from '../../electron/services/jobs/lineSplitter';
import { dockerFrame } from '../support/dockerFrames';

describe('LineSplitter', () => {
  it('joins lines cut anywhere, even inside a UTF-8 character', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from('./a/ünï.txt\r\n./b\n./c');
    for (const b of bytes) s.push(Buffer.from([b]));
    s.end();
    expect(lines).toEqual(['./a/ünï.txt', './b', './c']);
  });

  it('cuts a line that never ends, so memory stays bounded', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l), 10);
    s.push('x'.repeat(25));
    expect(lines).toEqual(['x'.repeat(10), 'x'.repeat(10)]);
  });
});

describe('DockerDemuxer', () => {
  it('splits stdout and stderr frames, headers split across chunks', async () => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const demux = new DockerDemuxer(
      (c) => out.push(Buffer.from(c)),
      (c) => err.push(Buffer.from(c)),
    );
    const all = Buffer.concat([dockerFrame(1, 'archive-bytes-1'), dockerFrame(2, './a.txt\n'), dockerFrame(1, 'archive-bytes-2'), dockerFrame(2, './b.txt\n')]);
    for (let i = 0; i < all.length; i += 5) demux.write(all.subarray(i, i + 5));
    await new Promise<void>((r) => demux.end(r));
    expect(Buffer.concat(out).toString()).toBe('archive-bytes-1archive-bytes-2');
    expect(Buffer.concat(err).toString()).toBe('./a.txt\n./b.txt\n');
  });

  it('holds back while stdout is full (a slow disk slows the container, not memory)', async () => {
    let release: (() => void) | null = null;
    const received: number[] = [];
    const slow = new Writable({
      highWaterMark: 4,
      write(chunk: Buffer, _e, cb) {
        received.push(chunk.length);
        release = () => cb();
      },
    });
    const demux = new DockerDemuxer(slow, () => undefined);
    let secondAccepted = false;
    demux.write(dockerFrame(1, Buffer.alloc(100)));
    demux.write(dockerFrame(1, Buffer.alloc(100)), () => (secondAccepted = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual([100]);
    expect(secondAccepted).toBe(false);
    (release as unknown as () => void)();
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toEqual([100, 100]);
  });
});
