// Bundled and run by gzip-levels.mjs: compresses FILE with the app's ParallelGzip at LEVEL and BLOCK_KIB
// and prints one JSON line: output bytes, CPU seconds (user + system, every thread of the process: zlib
// runs on libuv's pool), wall seconds and peak RSS. CPU, not wall time, is what the sweep compares, so
// the figures hold on a machine that is busy with other work.
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createParallelGzip } from '../../electron/services/archive/parallelGzip';

async function main(): Promise<void> {
  const [file, levelArg, blockArg] = process.argv.slice(2);
  if (!file || !levelArg || !blockArg) throw new Error('usage: gzipSweep FILE LEVEL BLOCK_KIB');
  const level = Number(levelArg);
  const blockSize = Number(blockArg) * 1024;
  let out = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await pipeline(
    createReadStream(file, { highWaterMark: 1024 * 1024 }),
    createParallelGzip({ level, blockSize }),
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        out += chunk.length;
        cb();
      },
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  process.stdout.write(
    `${JSON.stringify({ level, blockKiB: Number(blockArg), bytes: out, cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: wall, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
