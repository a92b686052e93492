// Benchmark (issue 17, item 5): which gzip level and block size the fast engine should write. Packs the
// bench's reproducible volume (dataset.mjs) to a tar file once, then compresses it with the app's
// ParallelGzip at each level and block size, and with the seed's GNU `gzip -6` (what `tar -czvf` runs),
// each in its own process. It prints the archive size against gzip -6's and the CPU seconds (user +
// system, all threads): CPU is what a backup pays on a busy machine and what limits it on 2 cores, and
// unlike wall time it barely moves when other work shares the machine.
//
//   BENCH_SIZE_MB=1024           the volume's size (default 1024)
//   BENCH_GZIP_LEVELS=1,3,4,5,6  levels to try
//   BENCH_GZIP_BLOCKS=512,1024,2048,4096   block sizes (KiB)
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { bundleWorker } from './bundle.mjs';
import { generateVolumeTar } from './dataset.mjs';

const SIZE_MB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const LEVELS = (process.env.BENCH_GZIP_LEVELS ?? '1,3,4,5,6').split(',').map(Number);
const BLOCKS = (process.env.BENCH_GZIP_BLOCKS ?? '512,1024,2048,4096').split(',').map(Number);
const MiB = 1024 * 1024;

function run(cmd, args, stdoutTo) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', stdoutTo ?? 'pipe', 'inherit'] });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited ${code}`))));
  });
}

/** GNU gzip's CPU time, measured by /usr/bin/time-free means: the child's rusage via `sh -c times`. */
async function gnuGzip(tarFile, level) {
  const t0 = process.hrtime.bigint();
  // `times` prints the shell's children's user and system time after gzip exits; no user input reaches the script.
  const out = await run('sh', ['-c', `gzip -${level} -c "$1" | wc -c; times`, 'sh', tarFile]);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const lines = out.trim().split('\n');
  const bytes = Number(lines[0]);
  const child = (lines[2] ?? '').trim().split(/\s+/);
  const secs = (s) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(s);
    return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  };
  return { bytes, cpuSeconds: secs(child[0]) + secs(child[1]), wallSeconds: wall };
}

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ailab-gzip-sweep-'));
try {
  const tarFile = path.join(dir, 'volume.tar');
  const gen = generateVolumeTar({ sizeMB: SIZE_MB });
  await Promise.all([pipeline(gen.stream, createWriteStream(tarFile)), gen.done]);
  const tarBytes = (await fs.stat(tarFile)).size;
  const sweep = await bundleWorker('scripts/bench/gzipSweep.ts', 'gzip-sweep.cjs');

  const seed = await gnuGzip(tarFile, 6);
  console.log(
    `Volume tar: ${(tarBytes / MiB).toFixed(1)} MiB (${SIZE_MB} MB requested); ${os.cpus().length} cores; CPU = user + system seconds of all threads`,
  );
  console.log(
    `Seed (GNU gzip -6, one core): ${(seed.bytes / MiB).toFixed(1)} MiB, ${seed.cpuSeconds.toFixed(1)} s CPU, ${seed.wallSeconds.toFixed(1)} s wall\n`,
  );
  console.log('level  block   size MiB   vs gzip -6   CPU s   CPU vs gzip -6   wall s   peak RSS');
  const rows = [];
  for (const level of LEVELS) {
    for (const block of BLOCKS) {
      const r = JSON.parse(await run(process.execPath, [sweep, tarFile, String(level), String(block)]));
      rows.push(r);
      console.log(
        `${String(level).padStart(5)}  ${`${block}K`.padStart(5)}  ${(r.bytes / MiB).toFixed(1).padStart(9)}  ${`${(((r.bytes - seed.bytes) / seed.bytes) * 100).toFixed(2)} %`.padStart(11)}  ${r.cpuSeconds.toFixed(1).padStart(6)}  ${`${(seed.cpuSeconds / r.cpuSeconds).toFixed(2)}× less`.padStart(15)}  ${r.wallSeconds.toFixed(1).padStart(7)}  ${`${Math.round(r.peakRssBytes / MiB)} MiB`.padStart(8)}`,
      );
    }
  }
  const gnu1 = await gnuGzip(tarFile, 1);
  console.log(`\nFor reference, GNU gzip -1: ${(gnu1.bytes / MiB).toFixed(1)} MiB, ${gnu1.cpuSeconds.toFixed(1)} s CPU`);
} finally {
  await fs.rm(dir, { recursive: true, force: true });
}
