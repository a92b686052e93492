// Transfer benchmark (issue 16): the same reproducible volume as backup.mjs (BENCH_SIZE_MB, default
// 1024, seed 42) moved to a second Docker engine on this machine two ways, and the copies compared with
// the source (listing and content digest on each engine):
//   - the seed's way: its backup command on this engine (`tar -czvf` into a folder), then its restore
//     command on the target engine (`tar -xvf` from that folder): the two rows and their sum;
//   - `ailab volumes transfer VOLUME --to-context CTX`: one tar stream engine to engine, no file, no gzip,
//     verified on arrival.
// The target is a second dockerd (BENCH_TARGET_SOCKET, default the tests' /run/ailab-xfer/docker.sock or
// /run/ailab-second/docker.sock, whichever answers; start one with scripts/private-dockerd.sh or a test
// run). The seed's image is loaded there first if missing, so neither row pays for it.
// Everything it creates is labelled com.exasol.ailab-desktop.bench=1 and removed.
//
//   BENCH_SIZE_MB=256     a quicker run
//   BENCH_KEEP=1          keep volumes and files
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { bundleWorker } from './bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIZE_MB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const KEEP = process.env.BENCH_KEEP === '1';
const LABEL = 'com.exasol.ailab-desktop.bench=1';
const IMAGE = 'ubuntu:latest';
const CLI = path.join(root, 'bin/ailab.cjs');
const CANDIDATES = process.env.BENCH_TARGET_SOCKET ? [process.env.BENCH_TARGET_SOCKET] : ['/run/ailab-xfer/docker.sock', '/run/ailab-second/docker.sock'];

const prefix = `bench-xfer-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const created = [];
let workDir = null;

const log = (m) => process.stdout.write(`${m}\n`);

/** A command (argument array, no shell), timed; stdin from `input` (a file path) when given. */
function run(cmd, args, { env, input } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code, ms: Number(process.hrtime.bigint() - t0) / 1e6, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
  });
}

async function must(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return r;
}

/** `docker` against engine `host` (null: this one). */
const dockerOn = (host, args) => must('docker', host ? ['-H', host, ...args] : args);

async function volume(host, name) {
  await dockerOn(host, ['volume', 'create', '--label', LABEL, name]);
  created.push([host, name]);
}

/**
 * Listing (path, type, owner, mode, size, mtime, link) and content, as one digest per volume. Times to the
 * second: the seed's tar (GNU format) keeps no more; the transfer keeps nanoseconds and checks them itself.
 */
async function digest(host, name) {
  const script =
    'cd /volume && find . -printf "%p %y %U:%G %m %s %Ts %l\\n" | LC_ALL=C sort; find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum';
  const r = await dockerOn(host, ['run', '--rm', '--network', 'none', '--label', LABEL, '-v', `${name}:/volume:ro`, IMAGE, 'sh', '-c', script]);
  // Folder sizes are the file system's business.
  const lines = r.stdout.split('\n').map((l) => l.replace(/^(\S+ d \S+ \S+) \d+/, '$1 -'));
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

async function targetSocket() {
  for (const s of CANDIDATES) if (existsSync(s) && (await run('docker', ['-H', `unix://${s}`, 'version'])).code === 0) return s;
  throw new Error(`No second engine answers at ${CANDIDATES.join(' or ')}: start one (scripts/private-dockerd.sh, or run the transfer tests once).`);
}

async function main() {
  if (!existsSync(path.join(root, 'dist/cli/ailab.cjs'))) throw new Error('Build first: npm run build.');
  const socket = await targetSocket();
  const target = `unix://${socket}`;
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ailab-bench-xfer-'));
  const configDir = path.join(workDir, 'docker-config');
  const hash = createHash('sha256').update('bench-target').digest('hex');
  await fs.mkdir(path.join(configDir, 'contexts', 'meta', hash), { recursive: true });
  await fs.writeFile(
    path.join(configDir, 'contexts', 'meta', hash, 'meta.json'),
    JSON.stringify({ Name: 'bench-target', Metadata: { Description: 'bench' }, Endpoints: { docker: { Host: target, SkipTLSVerify: false } } }),
  );
  const appEnv = { AILAB_DESKTOP_HOME: path.join(workDir, 'app-home'), DOCKER_CONFIG: configDir };
  await fs.mkdir(appEnv.AILAB_DESKTOP_HOME);
  await fs.writeFile(path.join(appEnv.AILAB_DESKTOP_HOME, 'settings.json'), JSON.stringify({ helperImage: IMAGE }));
  log(
    `Machine: ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}; target engine ${target}`,
  );

  // The seed's image on the target, before any timing.
  if ((await run('docker', ['-H', target, 'image', 'inspect', IMAGE])).code !== 0) {
    const tar = path.join(workDir, 'image.tar');
    await must('docker', ['save', '-o', tar, IMAGE]);
    await must('docker', ['-H', target, 'load', '-i', tar]);
    await fs.rm(tar);
  }

  const worker = await bundleWorker('scripts/bench/libWorker.ts', 'lib-worker.cjs');
  const src = `${prefix}-src`;
  await volume(null, src);
  const filled = await must('node', [worker, 'fill', src, String(SIZE_MB), String(SEED)]);
  const stats = JSON.parse(
    filled.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop(),
  );
  log(`Built ${src}: ${stats.entries} entries, ${(stats.bytes / 1048576).toFixed(0)} MiB of content`);
  const reference = await digest(null, src);

  // The seed's way: backup here, restore there (the folder is on this machine, which both engines see).
  const dir = path.join(workDir, 'dest');
  await fs.mkdir(dir);
  const seedDst = `${prefix}-seed`;
  await volume(target, seedDst);
  const backup = await must('docker', [
    'run',
    '--rm',
    '--volume',
    `${src}:/volume`,
    '--volume',
    `${dir}:/dest`,
    IMAGE,
    'tar',
    '-C',
    '/volume',
    '-czvf',
    '/dest/backup.tgz',
    '.',
  ]);
  const restore = await must('docker', [
    '-H',
    target,
    'run',
    '--rm',
    '--network',
    'none',
    '--volume',
    `${seedDst}:/volume`,
    '--volume',
    `${dir}:/dest`,
    IMAGE,
    'tar',
    '-C',
    '/volume',
    '-xvf',
    '/dest/backup.tgz',
  ]);
  const seedOk = (await digest(target, seedDst)) === reference;

  const appDst = `${prefix}-app`;
  const xfer = await run(CLI, ['volumes', 'transfer', src, '--to-context', 'bench-target', '--as', appDst, '--json'], { env: appEnv });
  if (xfer.code === 0) created.push([target, appDst]);
  else throw new Error(`ailab volumes transfer failed (exit ${xfer.code}): ${xfer.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const appOk = (await digest(target, appDst)) === reference;

  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const mbps = (ms) => `${(stats.bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
  log('');
  log(`| method | time | throughput | same tree as the source |`);
  log(`|---|---|---|---|`);
  log(`| seed backup (tar -czvf, this engine) | ${s(backup.ms)} | ${mbps(backup.ms)} | |`);
  log(`| seed restore (tar -xvf, target engine) | ${s(restore.ms)} | ${mbps(restore.ms)} | ${seedOk ? 'yes' : 'NO'} |`);
  log(`| seed backup + restore | ${s(backup.ms + restore.ms)} | ${mbps(backup.ms + restore.ms)} | ${seedOk ? 'yes' : 'NO'} |`);
  log(`| ailab volumes transfer (verified on arrival) | ${s(xfer.ms)} | ${mbps(xfer.ms)} | ${appOk ? 'yes' : 'NO'} |`);
  log('');
  log(`Transfer vs the seed's backup + restore: ${((backup.ms + restore.ms) / xfer.ms).toFixed(1)}× as fast.`);
  if (!seedOk || !appOk) process.exitCode = 1;
}

async function cleanup() {
  if (KEEP) {
    log(`Kept: ${created.map(([h, n]) => `${n}${h ? ` on ${h}` : ''}`).join(', ')}; ${workDir}`);
    return;
  }
  for (const [host, name] of created) await run('docker', [...(host ? ['-H', host] : []), 'volume', 'rm', '-f', name]);
  if (workDir) await fs.rm(workDir, { recursive: true, force: true });
}

try {
  await main();
} catch (err) {
  log(`transfer bench failed: ${err.message}`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
