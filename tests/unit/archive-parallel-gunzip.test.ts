import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sizedMemberLength } from '../../electron/services/archive/gzipMembers';
import { createParallelGunzip } from '../../electron/services/archive/parallelGunzip';
import { createParallelGzip } from '../../electron/services/archive/parallelGzip';
import { noise, run, runOk, tempDir } from './archive-fixtures';

let dir: string;
let input: Buffer;
let ours: Buffer;

async function collect(source: Iterable<Buffer> | AsyncIterable<Buffer>, through: NodeJS.ReadWriteStream): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(source),
    through,
    new Writable({
      write(c: Buffer, _e, cb) {
        out.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(out);
}

/** Feeds a buffer in uneven pieces, so member headers straddle chunk edges. */
function* pieces(buf: Buffer, max = 70_001): Generator<Buffer> {
  let pos = 0;
  let i = 1;
  while (pos < buf.length) {
    const n = 1 + ((i++ * 48_271) % max);
    yield buf.subarray(pos, pos + n);
    pos += n;
  }
}

async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  return err as { code?: string; message: string };
}

beforeAll(async () => {
  dir = await tempDir();
  input = Buffer.concat([noise(300_000, 3), Buffer.from('some text, some more text\n'.repeat(40_000)), noise(200_000, 4)]);
  ours = await collect([input], createParallelGzip({ blockSize: 64 * 1024 }));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('sized gzip members', () => {
  it('every member createParallelGzip writes carries its length, and the lengths tile the file', () => {
    let off = 0;
    let members = 0;
    while (off < ours.length) {
      const size = sizedMemberLength(ours, off);
      expect(size).not.toBeNull();
      off += size as number;
      members++;
    }
    expect(off).toBe(ours.length);
    expect(members).toBe(Math.ceil(input.length / (64 * 1024)));
  });

  it('stay an ordinary gzip file for gzip, BusyBox and Node', async () => {
    const file = path.join(dir, 'sized.gz');
    await fs.writeFile(file, ours);
    expect((await run('gzip', ['-t', file])).code).toBe(0);
    expect((await runOk('/bin/busybox', ['gunzip', '-c', file])).equals(input)).toBe(true);
    expect(zlib.gunzipSync(ours).equals(input)).toBe(true);
  });

  it('are not claimed for foreign gzip', () => {
    expect(sizedMemberLength(zlib.gzipSync(input))).toBeNull();
    expect(sizedMemberLength(Buffer.from('hello world, not gzip at all'))).toBeNull();
  });
});

describe('createParallelGunzip', () => {
  it.each([1, 2, 4])('decompresses sized members in order with concurrency %d', async (concurrency) => {
    expect((await collect(pieces(ours), createParallelGunzip({ concurrency }))).equals(input)).toBe(true);
  });

  it('reads foreign gzip (GNU gzip, several members) like gunzip', async () => {
    const gnu = await runOk('gzip', ['-c'], { input });
    expect((await collect(pieces(gnu), createParallelGunzip())).equals(input)).toBe(true);
    const twoForeign = Buffer.concat([zlib.gzipSync(input.subarray(0, 1000)), zlib.gzipSync(input.subarray(1000))]);
    expect((await collect([twoForeign], createParallelGunzip())).equals(input)).toBe(true);
  });

  it('reads ours followed by a foreign member, and ignores zero padding', async () => {
    const tail = Buffer.from('appended later\n');
    const mixed = Buffer.concat([ours, zlib.gzipSync(tail)]);
    expect((await collect(pieces(mixed), createParallelGunzip())).equals(Buffer.concat([input, tail]))).toBe(true);
    const padded = Buffer.concat([ours, Buffer.alloc(10_240)]);
    expect((await collect(pieces(padded), createParallelGunzip())).equals(input)).toBe(true);
  });

  it('refuses garbage after the data, a truncated file and a damaged member', async () => {
    const garbage = Buffer.concat([ours, Buffer.from('garbage!')]);
    expect((await failure(collect([garbage], createParallelGunzip()))).code).toMatch(/^Z_/);
    const cut = ours.subarray(0, Math.floor(ours.length / 2));
    expect((await failure(collect(pieces(cut), createParallelGunzip()))).code).toBe('Z_BUF_ERROR');
    const damaged = Buffer.from(ours);
    const mid = Math.floor(damaged.length / 2);
    for (let i = 0; i < 8; i++) damaged[mid + i] = damaged[mid + i]! ^ 0x5a;
    expect((await failure(collect([damaged], createParallelGunzip()))).code).toMatch(/^Z_(DATA|BUF)_ERROR$/);
    const foreignCut = zlib.gzipSync(input).subarray(0, 5000);
    expect((await failure(collect([foreignCut], createParallelGunzip()))).code).toBe('Z_BUF_ERROR');
  });
});
