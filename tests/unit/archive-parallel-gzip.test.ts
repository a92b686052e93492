import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParallelGzip } from '../../electron/services/archive/parallelGzip';
import { gnuTar, makeTree, noise, run, runOk, tempDir } from './archive-fixtures';

let dir: string;
let tarFile: string;

beforeAll(async () => {
  dir = await tempDir();
  await makeTree(path.join(dir, 'tree'));
  // Enough content for several 64 KiB members, so member boundaries fall inside files.
  await fs.writeFile(path.join(dir, 'tree', 'big.bin'), noise(700_000, 11));
  await fs.writeFile(path.join(dir, 'tree', 'big.txt'), 'the quick brown fox jumps over the lazy dog\n'.repeat(20_000));
  tarFile = path.join(dir, 'tree.tar');
  await gnuTar(path.join(dir, 'tree'), tarFile, { owner: 1001 });
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function compressFile(input: string, output: string, opts: Parameters<typeof createParallelGzip>[0]): Promise<void> {
  await pipeline(createReadStream(input, { highWaterMark: 100_003 }), createParallelGzip(opts), createWriteStream(output));
}

function countMembers(gz: Buffer): number {
  let members = 0;
  for (let i = 0; i + 3 < gz.length; i++) {
    if (gz[i] === 0x1f && gz[i + 1] === 0x8b && gz[i + 2] === 0x08) members++;
  }
  return members;
}

describe('createParallelGzip', () => {
  it('writes a multi-member gzip that GNU gzip, GNU tar, BusyBox and Node read back byte for byte', async () => {
    const out = path.join(dir, 'tree.tgz');
    await compressFile(tarFile, out, { blockSize: 64 * 1024, concurrency: 3 });
    const original = await fs.readFile(tarFile);
    const gz = await fs.readFile(out);
    expect(original.length).toBeGreaterThan(5 * 64 * 1024);
    // Several members (stray 1f8b08 in compressed data can only add to the count).
    expect(countMembers(gz)).toBeGreaterThanOrEqual(Math.ceil(original.length / (64 * 1024)));

    expect((await run('gzip', ['-t', out])).code).toBe(0);
    expect((await runOk('gunzip', ['-c', out])).equals(original)).toBe(true);
    expect(zlib.gunzipSync(gz).equals(original)).toBe(true);

    const gnuNames = (await runOk('tar', ['-tzf', out])).toString();
    expect(gnuNames).toBe((await runOk('tar', ['-tf', tarFile])).toString());
    expect((await runOk('tar', ['-tzvf', out])).toString()).toContain('./notebooks/start.ipynb');

    const bb = await run('/bin/busybox', ['tar', '-tzf', out]);
    expect(bb.code).toBe(0);
    expect(bb.stdout.toString().split('\n').filter(Boolean).length).toBe(gnuNames.split('\n').filter(Boolean).length);
    expect((await runOk('/bin/busybox', ['gunzip', '-c', out])).equals(original)).toBe(true);
  });

  it('extracts with GNU tar to the same files', async () => {
    const out = path.join(dir, 'extract.tgz');
    await compressFile(tarFile, out, { blockSize: 64 * 1024 });
    const dest = path.join(dir, 'extracted');
    await fs.mkdir(dest);
    await runOk('tar', ['-C', dest, '-xzf', out]);
    // Buffer.equals: toEqual on large buffers compares element by element and takes seconds.
    expect((await fs.readFile(path.join(dest, 'big.bin'))).equals(await fs.readFile(path.join(dir, 'tree', 'big.bin')))).toBe(true);
    expect(await fs.readlink(path.join(dest, '.venv/bin/python'))).toBe('/usr/bin/python3');
  });

  it('compresses about as well as gzip at the same level, and at the default level about as well as the seed', async () => {
    const theirs = (await runOk('gzip', ['-6', '-c', tarFile])).length;
    const same = path.join(dir, 'ratio6.tgz');
    await compressFile(tarFile, same, { level: 6 });
    expect((await fs.stat(same)).size).toBeLessThan(theirs * 1.03);
    const byDefault = path.join(dir, 'ratio-default.tgz');
    await compressFile(tarFile, byDefault, {});
    expect((await fs.stat(byDefault)).size).toBeLessThan(theirs * 1.06);
  });

  it('keeps the order of blocks whatever order they finish in', async () => {
    // Blocks of very different cost (noise vs. zeros) finish out of order on the threadpool.
    const parts = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? noise(70_000, i + 1) : Buffer.alloc(65_536 + i, i)));
    const input = Buffer.concat(parts);
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from(parts),
      createParallelGzip({ blockSize: 64 * 1024, concurrency: 8, level: 9 }),
      new Writable({
        write(c: Buffer, _e, cb) {
          chunks.push(c);
          cb();
        },
      }),
    );
    expect(zlib.gunzipSync(Buffer.concat(chunks)).equals(input)).toBe(true);
  });

  it('stores incompressible blocks and deflates the rest, readable all the same', async () => {
    const text = Buffer.from('name,value,comment\n'.repeat(60_000)).subarray(0, 1024 * 1024);
    const random = noise(1024 * 1024, 21);
    // Half text, half noise: its samples compress, so the whole block is deflated.
    const mixed = Buffer.concat([text.subarray(0, 512 * 1024), random.subarray(0, 512 * 1024)]);
    const input = Buffer.concat([random, text, mixed, random]);
    const gz = createParallelGzip({ level: 6 });
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from([input]),
      gz,
      new Writable({
        write(c: Buffer, _e, cb) {
          chunks.push(c);
          cb();
        },
      }),
    );
    expect([gz.storedBlocks, gz.deflatedBlocks]).toEqual([2, 2]);
    const out = Buffer.concat(chunks);
    expect(zlib.gunzipSync(out).equals(input)).toBe(true);
    // Stored noise costs only framing; deflating it would not do better.
    const plain = createParallelGzip({ level: 6, storeIncompressible: false });
    let plainBytes = 0;
    await pipeline(
      Readable.from([input]),
      plain,
      new Writable({
        write(c: Buffer, _e, cb) {
          plainBytes += c.length;
          cb();
        },
      }),
    );
    expect(plain.storedBlocks).toBe(0);
    expect(out.length).toBeLessThanOrEqual(plainBytes + 1024);
    const file = path.join(dir, 'stored.gz');
    await fs.writeFile(file, out);
    expect((await runOk('gunzip', ['-c', file])).equals(input)).toBe(true);
  });

  it('turns an empty input into a valid empty gzip', async () => {
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from([]),
      createParallelGzip(),
      new Writable({
        write(c: Buffer, _e, cb) {
          chunks.push(c);
          cb();
        },
      }),
    );
    const gz = Buffer.concat(chunks);
    expect(gz.length).toBeGreaterThan(0);
    expect(zlib.gunzipSync(gz).length).toBe(0);
    const file = path.join(dir, 'empty.gz');
    await fs.writeFile(file, gz);
    expect((await run('gzip', ['-t', file])).code).toBe(0);
  });

  it('rejects options that cannot work', () => {
    expect(() => createParallelGzip({ level: 12 })).toThrow(RangeError);
    expect(() => createParallelGzip({ blockSize: 100 })).toThrow(RangeError);
  });

  it('keeps memory flat on a 200 MB stream into a slow reader', async () => {
    const block = noise(1024 * 1024, 5);
    const total = 200;
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent === total) {
          this.push(null);
          return;
        }
        // Vary the bytes so nothing is shared between chunks.
        const chunk = Buffer.from(block);
        chunk.writeUInt32LE(sent, 0);
        sent++;
        this.push(chunk);
      },
    });
    let received = 0;
    let peak = 0;
    const baseline = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss - baseline);
    }, 5);
    const gz = createParallelGzip({ level: 1 });
    await pipeline(
      source,
      gz,
      new Writable({
        highWaterMark: 64 * 1024,
        write(c: Buffer, _e, cb) {
          received += c.length;
          setImmediate(cb);
        },
      }),
    );
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss - baseline);
    expect(gz.bytesIn).toBe(total * 1024 * 1024);
    expect(received).toBe(gz.bytesOut);
    // Holding the stream would cost > 200 MB (input) plus as much output; bounded it is a few blocks.
    expect(peak).toBeLessThan(80 * 1024 * 1024);
  }, 60_000);

  it('fails the stream when destroyed midway, without an unhandled error', async () => {
    const gz = createParallelGzip({ blockSize: 64 * 1024 });
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 50; i++) yield noise(64 * 1024, i + 1);
      })(),
    );
    let n = 0;
    const sink = new Writable({
      write(_c, _e, cb) {
        n++;
        if (n === 3) cb(new Error('disk went away'));
        else cb();
      },
    });
    await expect(pipeline(source, gz, sink)).rejects.toThrow('disk went away');
    expect(gz.destroyed).toBe(true);
  });
});
