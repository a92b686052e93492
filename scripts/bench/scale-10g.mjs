// Benchmark (issue 17, scale): a 10 GB volume backed up and restored by the app's CLI, to show that its
// memory stays flat and its throughput holds from the first gigabyte to the last. Fills a volume with
// the bench's reproducible data (dataset.mjs: text, CSVs, incompressible binaries; no sparse files),
// then runs `ailab backup` and `ailab restore` (into a new volume: the one-pass path) with --json and
// samples the CLI process's resident memory every 250 ms. Prints, per tenth of the content, the
// throughput and the memory range, then the peak. Needs about 2.7 × the size free on Docker's disk.
//
//   BENCH_SCALE_GB=10   the volume's size in GB (default 10)
//   BENCH_KEEP=1        keep the volumes and the archive
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker } from './bundle.mjs';
import Docker from 'dockerode';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const GB = Number(process.env.BENCH_SCALE_GB ?? 10);
const KEEP = process.env.BENCH_KEEP === '1';
const CLI = path.join(root, 'bin/ailab.cjs');
const MiB = 1024 * 1024;
const docker = new Docker({ socketPath: process.env.AILAB_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock' });
const run = Date.now().toString(36);
const source = `bench-scale-${run}`;
const restored = `bench-scale-${run}-restored`;

function rssMiB(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return null;
  }
}

/** Runs the CLI with --json, collecting progress events and RSS samples; resolves with both and the final event. */
function follow(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, AILAB_DESKTOP_HOME: home },
    });
    const t0 = Date.now();
    const progress = [];
    const rss = [];
    let finished = null;
    let buf = '';
    const sampler = setInterval(() => {
      const m = rssMiB(child.pid);
      if (m !== null) rss.push({ t: Date.now() - t0, mib: m });
    }, 250);
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const e = JSON.parse(line);
          if (e.event === 'progress')
            progress.push({ t: Date.now() - t0, bytes: e.progress?.bytesDone ?? e.bytesDone ?? 0, phase: e.progress?.phase ?? e.phase });
          if (e.event === 'finished') finished = e;
        } catch {
          // not JSON: ignore
        }
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      if (code !== 0 || !finished?.ok) reject(new Error(`ailab ${args.join(' ')} exited ${code}: ${JSON.stringify(finished?.error ?? null)}`));
      else resolve({ progress, rss, finished, ms: Date.now() - t0 });
    });
  });
}

/** Throughput and memory for each tenth of the content bytes. */
function deciles(r, total, phase) {
  const pts = r.progress.filter((p) => p.phase === phase && p.bytes > 0);
  const out = [];
  let prev = pts[0] ?? { t: 0, bytes: 0 };
  for (let d = 1; d <= 10; d++) {
    const goal = (total * d) / 10;
    const hit = pts.find((p) => p.bytes >= goal * 0.999) ?? pts[pts.length - 1];
    if (!hit) break;
    const mem = r.rss.filter((s) => s.t >= prev.t && s.t <= hit.t).map((s) => s.mib);
    const secs = (hit.t - prev.t) / 1000;
    out.push({ d, mbps: secs > 0 ? (hit.bytes - prev.bytes) / MiB / secs : NaN, memMin: Math.min(...mem), memMax: Math.max(...mem) });
    prev = hit;
  }
  return out;
}

function print(title, r, total, phase) {
  const peak = Math.max(...r.rss.map((s) => s.mib));
  console.log(`\n${title}: ${(r.ms / 1000).toFixed(1)} s, ${((total / MiB / r.ms) * 1000).toFixed(0)} MiB/s overall, CLI peak RSS ${peak.toFixed(0)} MiB`);
  console.log('  tenth   MiB/s   RSS MiB (min–max)');
  for (const x of deciles(r, total, phase)) {
    console.log(
      `  ${String(x.d * 10).padStart(4)}%  ${x.mbps.toFixed(0).padStart(6)}   ${Number.isFinite(x.memMin) ? `${x.memMin.toFixed(0)}–${x.memMax.toFixed(0)}` : '(no sample)'}`,
    );
  }
}

const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'ailab-bench-scale-'));
const home = path.join(tmp, 'data');
await fsp.mkdir(home, { mode: 0o700 });
const cleanup = async () => {
  if (KEEP) return console.log(`kept ${source}, ${restored} and ${tmp}`);
  for (const v of [source, restored])
    await docker
      .getVolume(v)
      .remove()
      .catch(() => undefined);
  await fsp.rm(tmp, { recursive: true, force: true });
};
process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));
try {
  if (!fs.existsSync(CLI) || !fs.existsSync(path.join(root, 'dist/cli/ailab.cjs'))) throw new Error('Run `npm run build` first.');
  const worker = await bundleWorker('scripts/bench/libWorker.ts', 'lib-worker.cjs');
  await docker.createVolume({ Name: source, Labels: { 'com.exasol.ailab-desktop.bench': 'scale' } });
  let t = Date.now();
  const filled = await new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [worker, 'fill', source, String(GB * 1000), '42'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop())) : reject(new Error(`fill exited ${code}`))));
  });
  console.log(
    `Volume ${source}: ${filled.entries.toLocaleString('en')} entries, ${(filled.bytes / MiB / 1024).toFixed(2)} GiB of content, filled in ${((Date.now() - t) / 1000).toFixed(0)} s`,
  );
  const file = path.join(tmp, `${source}.tgz`);
  const b = await follow(['backup', source, '--out', file]);
  print('ailab backup (fast engine)', b, filled.bytes, 'packing');
  console.log(`  archive ${(fs.statSync(file).size / MiB).toFixed(0)} MiB`);
  t = Date.now();
  const r = await follow(['restore', file, restored]);
  print('ailab restore into a new volume (one pass)', r, filled.bytes, 'unpacking');
} finally {
  await cleanup();
}
