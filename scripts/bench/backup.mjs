// Backup/restore benchmark (issue 4): builds a reproducible volume of BENCH_SIZE_MB (default 1024)
// of small text files, CSVs and incompressible binaries, then in one run times the seed's backup and
// restore commands exactly as the guide gives them, the app's CLI for both engines, and the archive
// library directly, and prints time, throughput, the ratio seed/app and the app process's peak
// memory. It also times `ailab volumes clone` (issue 16) beside the seed's backup + restore of the
// same volume summed, which is how the guide copies a volume (target: ≥ 3× faster). The library rows use the Engine's archive API both ways: GET for the backup, as the fast
// engine does, and PUT for the restore, which the fast engine uses only without a runnable helper
// image (the Engine extracts slower than tar in a container). Every restored volume is compared with
// the source (metadata and content digest). Everything it creates is labelled
// com.exasol.ailab-desktop.bench=1 and removed.
//
// Fairness: every restore starts on the same footing. Restored volumes are kept until the end (they
// need about (1 + 6 × BENCH_REPEAT) × BENCH_SIZE_MB of disk), because ext4 will not reuse an inode
// deleted in the last minutes and scans past each such one when it creates a file: a restore started
// right after a 30,000-file volume was removed measured 2-3× slower here (11 s → 31 s, kernel time
// in ext4's recently_deleted). As root the page cache is dropped once before the first run for the
// same reason (earlier deletions, e.g. a test run). The order of the methods rotates from run to run,
// so none always reads a cold or warm cache.
//
//   BENCH_SIZE_MB=100     a quick run
//   BENCH_REPEAT=3        median of 3 runs of each
//   BENCH_LIB_LEVELS=4,6  library gzip levels (default 4, the library's default)
//   BENCH_NO_CLI=1        seed and library rows only (no app CLI), e.g. while tuning the library
//   BENCH_KEEP=1          keep volumes and files
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorker } from './bundle.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SIZE_MB = Number(process.env.BENCH_SIZE_MB ?? 1024);
const SEED = Number(process.env.BENCH_SEED ?? 42);
const REPEAT = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));
const LIB_LEVELS = (process.env.BENCH_LIB_LEVELS ?? '4').split(',').map(Number);
const KEEP = process.env.BENCH_KEEP === '1';
const NO_CLI = process.env.BENCH_NO_CLI === '1';
const LABEL = 'com.exasol.ailab-desktop.bench=1';
const SEED_IMAGE = 'ubuntu';
const HOLDER_IMAGE = 'ailab-fixture/gnu-tar:latest';
// Run as a user runs `ailab`: the bin script, with the node flags of its #! line.
const CLI = path.join(root, 'bin/ailab.cjs');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const MiB = 1024 * 1024;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  const text = (await fs.readFile(fileURLToPath(import.meta.url), 'utf8')).split('\n');
  process.stdout.write(
    `${text
      .slice(
        0,
        text.findIndex((l) => l.startsWith('import')),
      )
      .map((l) => l.replace(/^\/\/ ?/, ''))
      .join('\n')}\n`,
  );
  process.exit(0);
}

const prefix = `bench-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
const createdVolumes = new Set();
let workDir = null;
let interrupted = false;
/** The command running now, so Ctrl+C can stop it before cleaning up. */
let current = null;
let appHome = null;

function log(msg) {
  process.stdout.write(`${msg}\n`);
}

/**
 * Runs a command (argument array, no shell). With `measure`, it runs under /usr/bin/time -v (or is
 * sampled through /proc) for the peak RSS and CPU time of that process alone.
 */
function runCmd(cmd, args, { env, measure = false, quiet = true, always = false } = {}) {
  // After Ctrl+C only the cleanup runs commands.
  if (interrupted && !always) return Promise.reject(new Error('interrupted'));
  return new Promise((resolve, reject) => {
    const full = measure && TIME ? [TIME, ['-v', cmd, ...args]] : [cmd, args];
    const t0 = process.hrtime.bigint();
    // Its own process group: Ctrl+C reaches only us, and we stop the child before cleaning up.
    const child = spawn(full[0], full[1], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    current = child;
    const out = [];
    const err = [];
    let hwmKb = 0;
    let sampler = null;
    if (measure && !TIME) {
      sampler = setInterval(() => {
        fs.readFile(`/proc/${child.pid}/status`, 'utf8').then(
          (s) => {
            const m = /VmHWM:\s+(\d+) kB/.exec(s);
            if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
          },
          () => undefined,
        );
      }, 20);
    }
    const phases = new PhaseClock(t0);
    child.stdout.on('data', (d) => {
      phases.feed(d);
      if (quiet) out.push(d);
      else process.stdout.write(d);
    });
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (current === child) current = null;
      if (sampler) clearInterval(sampler);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      const stderr = Buffer.concat(err).toString();
      const stats = {};
      if (measure && TIME) {
        const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
        const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
        const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
        if (rss) hwmKb = Number(rss[1]);
        if (user && sys) stats.cpuS = Number(user[1]) + Number(sys[1]);
      }
      resolve({ code, ms, stdout: Buffer.concat(out).toString(), stderr, peakRssMb: hwmKb ? hwmKb / 1024 : null, phases: phases.durations(ms), ...stats });
    });
  });
}

/** One run's phases, for its log line: the ranges alone do not show which phase made a run slow. */
function phaseNote(r) {
  return r.phases?.length ? ` (${r.phases.map(([k, v]) => `${k} ${v.toFixed(1)}`).join(' · ')})` : '';
}

/**
 * Where the time of an app CLI run went, from its --json lines as they arrive: "plan" until the job
 * started (a restore reads the whole archive then), then each job phase, in seconds.
 */
class PhaseClock {
  constructor(t0) {
    this.t0 = t0;
    this.buf = '';
    this.marks = [];
  }

  feed(chunk) {
    this.buf += chunk.toString();
    let i;
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 1);
      if (!line.startsWith('{"event":"started"') && !line.startsWith('{"event":"progress"')) continue;
      let name = 'plan';
      try {
        const j = JSON.parse(line);
        name = j.event === 'progress' ? j.phase : 'job start';
      } catch {
        continue;
      }
      if (this.marks.length === 0) this.marks.push(['before the job', 0]);
      if (this.marks[this.marks.length - 1][0] !== name) this.marks.push([name, Number(process.hrtime.bigint() - this.t0) / 1e6]);
    }
  }

  durations(totalMs) {
    return this.marks
      .map(([name, at], k) => [name, ((this.marks[k + 1]?.[1] ?? totalMs) - at) / 1000])
      .filter(([name, s]) => name !== 'job start' && name !== 'done' && s >= 0.05);
  }
}

async function must(cmd, args, opts) {
  const r = await runCmd(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`);
  return r;
}

function lastJson(text) {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'));
  return lines.length ? JSON.parse(lines[lines.length - 1]) : null;
}

async function createVolume(name) {
  await must('docker', ['volume', 'create', '--label', LABEL, name]);
  createdVolumes.add(name);
}

async function removeVolume(name) {
  await runCmd('docker', ['volume', 'rm', '-f', name], { always: true });
  createdVolumes.delete(name);
}

async function fileSize(file) {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return null;
  }
}

async function preflight() {
  const v = await runCmd('docker', ['version', '--format', '{{.Server.Version}}']);
  if (v.code !== 0) throw new Error('Docker is not reachable: start dockerd (see ../shared/PRODUCT.md).');
  for (const image of [`${SEED_IMAGE}:latest`, HOLDER_IMAGE]) {
    if ((await runCmd('docker', ['image', 'inspect', image])).code !== 0) {
      throw new Error(`The image ${image} is missing: run \`bash scripts/fixtures/build-images.sh --alias-ubuntu\` first.`);
    }
  }
  const cli = NO_CLI ? false : existsSync(path.join(root, 'dist/cli/ailab.cjs')) && (await runCmd(CLI, ['backup', '--help'])).code === 0;
  const worker = await bundleWorker('scripts/bench/libWorker.ts', 'lib-worker.cjs');
  return { cli, worker, engine: v.stdout.trim() };
}

/** See "Fairness" above: room for every restored volume, and no recently deleted inodes in the way. */
async function settleFilesystem() {
  const need = (1 + 6 * REPEAT) * SIZE_MB * MiB;
  const rootDir = (await runCmd('docker', ['info', '--format', '{{.DockerRootDir}}'])).stdout.trim();
  const st = rootDir ? await fs.statfs(rootDir).catch(() => null) : null;
  if (st && st.bavail * st.bsize < need) {
    throw new Error(
      `${rootDir} has ${((st.bavail * st.bsize) / MiB / 1024).toFixed(1)} GiB free; this run keeps its restored volumes and needs about ${(need / MiB / 1024).toFixed(1)} GiB.`,
    );
  }
  await runCmd('sync', []);
  try {
    await fs.writeFile('/proc/sys/vm/drop_caches', '3');
    log('Page cache dropped before the first run (root).');
  } catch {
    log('Note: not root, so the page cache was not dropped; volumes deleted in the last minutes can slow the first restores.');
  }
}

function median(xs) {
  const s = xs.filter((x) => x !== null && x !== undefined).sort((a, b) => a - b);
  if (s.length === 0) return null;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function main() {
  const { cli, worker, engine } = await preflight();
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ailab-bench-'));
  appHome = path.join(workDir, 'app-home');
  await fs.mkdir(appHome);
  const appEnv = { AILAB_DESKTOP_HOME: appHome };
  log(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, Docker ${engine}, Node ${process.version}`,
  );
  log(`Volume: ${SIZE_MB} MB requested, seed ${SEED}; runs: ${REPEAT}; library levels: ${LIB_LEVELS.join(',')}; CLI: ${cli ? 'yes' : 'not available'}`);

  await settleFilesystem();
  const src = `${prefix}-src`;
  await createVolume(src);
  const filled = await must('node', [worker, 'fill', src, String(SIZE_MB), String(SEED)]);
  const stats = lastJson(filled.stdout);
  const contentMb = stats.bytes / MiB;
  log(`Built ${src}: ${stats.entries} entries, ${stats.files} files, ${contentMb.toFixed(0)} MiB of content in ${(filled.ms / 1000).toFixed(1)} s`);
  const reference = lastJson((await must('node', [worker, 'digest', src])).stdout);

  /** rows[name] = { kind, times[], rss[], cpu[], sizes[], checks[] } */
  const rows = new Map();
  const rowOf = (name, kind) => rows.get(name) ?? { kind, times: [], rss: [], cpu: [], sizes: [], checks: [], notes: new Set(), parts: new Map() };
  const record = (name, kind, r, extra = {}) => {
    const row = rowOf(name, kind);
    row.times.push(r.ms / 1000);
    for (const [k, v] of [...(extra.part ? [extra.part] : []), ...(r.phases ?? [])]) row.parts.set(k, [...(row.parts.get(k) ?? []), v]);
    if (r.peakRssMb) row.rss.push(r.peakRssMb);
    if (r.cpuS !== undefined) row.cpu.push(r.cpuS);
    if (extra.size !== undefined) row.sizes.push(extra.size);
    if (extra.check !== undefined) row.checks.push(extra.check);
    if (extra.note) row.notes.add(extra.note);
    rows.set(name, row);
  };
  // Kept until the end: see "Fairness" above.
  const checkRestore = async (vol) => {
    const d = lastJson((await must('node', [worker, 'digest', vol])).stdout);
    return d.digest === reference.digest && d.entries === reference.entries;
  };
  const fail = (name, kind, r) => {
    // The CLI's own error when it gave one (--json), else the end of stderr.
    const finished = r.stdout.includes('"event":"finished"') ? lastJson(r.stdout) : null;
    const why = finished?.error ? `${finished.error.code}: ${finished.error.message}` : r.stderr.trim().split('\n').slice(-3).join(' | ');
    log(`  ${name}: FAILED (exit ${r.code}) ${why}`);
    const row = rowOf(name, kind);
    row.checks.push(false);
    row.notes.add('failed');
    rows.set(name, row);
  };

  const seedMethod = async (run, dir) => {
    // The seed's commands, exactly: docker CLI, bind mount, verbose tar (its listing drained here).
    const seedTar = (volume, tar) =>
      runCmd('docker', ['run', '--rm', '--volume', `${volume}:/volume`, '--volume', `${dir}:/dest`, SEED_IMAGE, 'tar', '-C', '/volume', ...tar]);
    const seedBackup = await seedTar(src, ['-czvf', '/dest/backup.tgz', '.']);
    if (seedBackup.code !== 0) fail('seed backup (tar -czvf)', 'backup', seedBackup);
    else record('seed backup (tar -czvf)', 'backup', seedBackup, { size: await fileSize(path.join(dir, 'backup.tgz')) });
    log(`  seed backup ${(seedBackup.ms / 1000).toFixed(1)} s`);

    const seedVol = `${prefix}-seed-${run}`;
    await createVolume(seedVol);
    const seedRestore = await seedTar(seedVol, ['-xvf', '/dest/backup.tgz']);
    if (seedRestore.code !== 0) fail('seed restore (tar -xvf)', 'restore', seedRestore);
    else record('seed restore (tar -xvf)', 'restore', seedRestore, { check: await checkRestore(seedVol) });
    log(`  seed restore ${(seedRestore.ms / 1000).toFixed(1)} s`);
    await fs.rm(path.join(dir, 'backup.tgz'), { force: true });
  };

  // Docker's own copy, the recipe people find upstream: `docker cp` out of and into a stopped container
  // that mounts the volume (the Engine's archive API; gzip on the host for the archive).
  const dockerCpMethod = async (run, dir) => {
    const file = path.join(dir, 'docker-cp.tgz');
    const holder = `${prefix}-cp-${run}`;
    const inContainer = async (volume, fn) => {
      await must('docker', ['container', 'create', '--name', holder, '--volume', `${volume}:/volume`, SEED_IMAGE, 'true']);
      try {
        return await fn();
      } finally {
        await runCmd('docker', ['rm', '-f', holder]);
      }
    };
    // A fixed script; the container and the file come in as positional parameters.
    const b = await inContainer(src, () => runCmd('sh', ['-c', 'set -e; docker cp "$1:/volume/." - | gzip > "$2"', 'sh', holder, file]));
    const name = 'docker cp recipe backup (docker cp | gzip)';
    if (b.code !== 0) return fail(name, 'backup', b);
    record(name, 'backup', b, { size: await fileSize(file) });
    log(`  ${name} ${(b.ms / 1000).toFixed(1)} s`);
    const vol = `${prefix}-cp-${run}`;
    await createVolume(vol);
    const r = await inContainer(vol, () => runCmd('sh', ['-c', 'docker cp - "$1:/volume" < "$2"', 'sh', holder, file]));
    const rname = 'docker cp recipe restore (docker cp -)';
    if (r.code !== 0) fail(rname, 'restore', r);
    else record(rname, 'restore', r, { check: await checkRestore(vol) });
    log(`  ${rname} ${(r.ms / 1000).toFixed(1)} s`);
    await fs.rm(file, { force: true });
  };

  const appMethod = (eng) => async (run, dir) => {
    const file = path.join(dir, `app-${eng}.tgz`);
    const b = await runCmd(CLI, ['backup', src, '--out', file, '--engine', eng, '--overwrite', '--json'], { env: appEnv, measure: true });
    const name = `app backup --engine ${eng}`;
    if (b.code !== 0) fail(name, 'backup', b);
    else record(name, 'backup', b, { size: await fileSize(file) });
    log(`  ${name} ${(b.ms / 1000).toFixed(1)} s${phaseNote(b)}`);
    if (b.code !== 0) return;
    const vol = `${prefix}-app-${eng}-${run}`;
    createdVolumes.add(vol);
    const r = await runCmd(CLI, ['restore', file, vol, '--mode', 'new', '--engine', eng, '--json'], { env: appEnv, measure: true });
    const rname = `app restore --engine ${eng}`;
    if (r.code !== 0) fail(rname, 'restore', r);
    else record(rname, 'restore', r, { check: await checkRestore(vol) });
    log(`  ${rname} ${(r.ms / 1000).toFixed(1)} s${phaseNote(r)}`);
    if (eng === 'fast') {
      // The same restore with the whole-archive check first (what replace and merge do; a new volume is read once).
      const vol2 = `${prefix}-app-${eng}-checkfirst-${run}`;
      createdVolumes.add(vol2);
      const c = await runCmd(CLI, ['restore', file, vol2, '--mode', 'new', '--engine', eng, '--json'], {
        env: { ...appEnv, AILAB_RESTORE_CHECK_FIRST: '1' },
        measure: true,
      });
      const cname = `app restore --engine ${eng}, check first`;
      if (c.code !== 0) fail(cname, 'restore', c);
      else record(cname, 'restore', c, { check: await checkRestore(vol2) });
      log(`  ${cname} ${(c.ms / 1000).toFixed(1)} s${phaseNote(c)}`);
    }
    await fs.rm(file, { force: true });
  };

  // Issue 16's clone: one helper pipes tar -c of the source into tar -x of the new volume, then both
  // are listed and compared. Its yardstick is the seed's only way to copy a volume: its backup, then
  // its restore into the new volume (the "seed backup + restore" row, the two seed rows summed run by run).
  const cloneMethod = async (run) => {
    const vol = `${prefix}-clone-${run}`;
    createdVolumes.add(vol);
    const c = await runCmd(CLI, ['volumes', 'clone', src, vol, '--json'], { env: appEnv, measure: true });
    const name = 'app volumes clone (verified)';
    if (c.code !== 0) fail(name, 'copy', c);
    else record(name, 'copy', c, { check: await checkRestore(vol) });
    log(`  ${name} ${(c.ms / 1000).toFixed(1)} s${phaseNote(c)}`);
  };

  const libraryMethod = async (run, dir) => {
    for (const level of LIB_LEVELS) {
      const file = path.join(dir, `lib-${level}.tgz`);
      const name = `library backup: GET archive, gzip -${level}`;
      const b = await runCmd('node', [worker, 'backup', src, file, String(level)], { measure: true });
      if (b.code !== 0) {
        fail(name, 'backup', b);
        continue;
      }
      const info = lastJson(b.stdout);
      record(name, 'backup', b, { size: await fileSize(file), part: ['verify', info.verifyMs / 1000] });
      log(`  ${name} ${(b.ms / 1000).toFixed(1)} s`);
      if (level === LIB_LEVELS[0]) {
        for (const mode of ['host', 'engine']) {
          const vol = `${prefix}-lib-${mode}-${run}`;
          createdVolumes.add(vol);
          const rname = mode === 'host' ? 'library restore: PUT archive, gunzip on host' : 'library restore: PUT archive, Engine gunzips';
          const r = await runCmd('node', [worker, 'restore', file, vol, mode], { measure: true });
          if (r.code !== 0) fail(rname, 'restore', r);
          else {
            const ri = lastJson(r.stdout);
            record(rname, 'restore', r, { check: await checkRestore(vol), part: ['pre-check', ri.inspectMs / 1000] });
          }
          log(`  ${rname} ${(r.ms / 1000).toFixed(1)} s`);
        }
      }
      await fs.rm(file, { force: true });
    }
  };

  // Run 1 starts with the seed, so the table lists it first; later runs rotate (see "Fairness").
  const methods = [seedMethod, dockerCpMethod, ...(cli ? [appMethod('fast'), appMethod('tar'), cloneMethod] : []), libraryMethod];
  for (let run = 1; run <= REPEAT; run++) {
    const dir = path.join(workDir, `run${run}`);
    await fs.mkdir(dir);
    log(`Run ${run}/${REPEAT}`);
    const shift = (run - 1) % methods.length;
    for (const method of [...methods.slice(shift), ...methods.slice(0, shift)]) await method(run, dir);
  }

  // The table.
  const seedB = rows.get('seed backup (tar -czvf)');
  const seedR = rows.get('seed restore (tar -xvf)');
  if (seedB && seedR && rows.has('app volumes clone (verified)')) {
    const times = seedR.times.map((t, i) => t + (seedB.times[i] ?? 0));
    rows.set('seed backup + restore (its way to copy a volume)', { ...rowOf('', 'copy'), times, checks: [...seedR.checks] });
  }
  const seedOf = {
    backup: median(seedB?.times ?? []),
    restore: median(seedR?.times ?? []),
    copy: median(rows.get('seed backup + restore (its way to copy a volume)')?.times ?? []),
  };
  const head = ['operation', 'time s', 'range s', 'MB/s', 'seed/app', 'peak RSS MB', 'CPU s', 'archive MB', 'tree = source'];
  const table = [head];
  for (const [name, row] of rows) {
    const t = median(row.times);
    const seedT = seedOf[row.kind];
    const isSeed = name.startsWith('seed');
    const checks = row.checks.length ? (row.checks.every(Boolean) ? 'yes' : 'NO') : row.kind === 'restore' ? '?' : '';
    const notes = [...row.notes];
    const range = row.times.length > 1 ? `${Math.min(...row.times).toFixed(1)}–${Math.max(...row.times).toFixed(1)}` : '';
    table.push([
      name + (notes.length ? ` (${notes.join('; ')})` : ''),
      t === null ? 'failed' : t.toFixed(1),
      range,
      t === null ? '' : (contentMb / t).toFixed(0),
      isSeed || t === null || seedT === null ? (isSeed ? '1.00' : '') : `${(seedT / t).toFixed(2)}×`,
      isSeed ? '—' : (median(row.rss)?.toFixed(0) ?? ''),
      isSeed ? '—' : (median(row.cpu)?.toFixed(1) ?? ''),
      row.sizes.length ? (median(row.sizes) / MiB).toFixed(0) : '',
      checks,
    ]);
  }
  const widths = head.map((_, i) => Math.max(...table.map((r) => String(r[i]).length)));
  log('');
  log(
    `Results: ${contentMb.toFixed(0)} MiB in ${stats.files} files; MB/s = MiB of content per second; seed/app > 1 means the app is faster${REPEAT > 1 ? `; medians of ${REPEAT} runs` : ''}.`,
  );
  for (const [i, r] of table.entries()) {
    log(r.map((c, j) => (j === 0 ? String(c).padEnd(widths[j]) : String(c).padStart(widths[j]))).join('  '));
    if (i === 0) log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  const parts = [...rows].filter(([, row]) => row.parts.size > 0);
  if (parts.length > 0) {
    log(`\nWhere the time went (s${REPEAT > 1 ? ', medians' : ''}; "before the job" is the CLI starting and, for a restore, reading the whole archive):`);
    for (const [name, row] of parts) log(`  ${name}: ${[...row.parts].map(([k, v]) => `${k} ${median(v).toFixed(1)}`).join(' · ')}`);
  }
  const bad = [...rows.values()].some((r) => r.checks.includes(false));
  if (bad) {
    log('\nA restored tree differs from the source, or a step failed: see above.');
    process.exitCode = 1;
  }
}

async function cleanup() {
  if (KEEP) {
    log(`Kept: volumes ${[...createdVolumes].join(' ')}; files in ${workDir}`);
    return;
  }
  // Helper containers are removed by whoever made them; any labelled ours still there (a worker that
  // died) goes first, or the volumes it holds could not be removed.
  const left = await runCmd('docker', ['ps', '-aq', '--filter', `label=${LABEL}`], { always: true });
  for (const id of left.stdout.split('\n').filter(Boolean)) await runCmd('docker', ['rm', '-f', id], { always: true });
  for (const v of [...createdVolumes]) await removeVolume(v);
  if (workDir) await fs.rm(workDir, { recursive: true, force: true });
}

process.on('SIGINT', () => {
  if (interrupted) process.exit(130);
  interrupted = true;
  log('\nInterrupted: cleaning up…');
  const child = current;
  const stopped = child
    ? new Promise((resolve) => {
        child.once('close', resolve);
        // The app's CLI cancels cleanly on SIGINT (no partial file, helper removed); give it time.
        process.kill(-child.pid, 'SIGINT');
        setTimeout(() => {
          if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
        }, 15_000).unref();
      })
    : Promise.resolve();
  stopped.then(cleanup).finally(() => process.exit(130));
});

try {
  await main();
} catch (err) {
  log(`bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  if (!interrupted) await cleanup();
}
