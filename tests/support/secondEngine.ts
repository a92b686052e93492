import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Dockerode from 'dockerode';
import { writeDockerContext } from './dockerContext';

/** A second real dockerd beside the test engine (a fresh server: no images, no volumes of the first). */
export interface SecondEngine {
  /** Its socket path. */
  socket: string;
  /** `unix://<socket>`: what a DOCKER_HOST or a context's Host holds. */
  host: string;
  /** A client for the tests' own setup and checks. */
  docker: Dockerode;
  /**
   * Closes this handle. The dockerd is left running on purpose: test files in the same run (and other
   * checkouts) share it by name, and starting one takes seconds. Stop it by hand with
   * `kill $(cat /run/ailab-NAME/dockerd.pid)`.
   */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;
// A start lock older than this belongs to a process that died while starting the engine.
const STALE_LOCK_MS = 90_000;

/**
 * Starts (or finds) a second dockerd named `name` the way scripts/private-dockerd.sh does: its own
 * --data-root /var/lib/ailab-NAME, --exec-root, --pidfile, socket /run/ailab-NAME/docker.sock and bridge
 * br-NAME on 10.20N.0.1/16 (never `--bridge none`, which deletes docker0 and breaks the first engine),
 * with --iptables=false --ip-masq=false. An engine of that name already answering is reused; concurrent
 * callers (test files in parallel workers) take a lock file so only one of them starts it. Resolves
 * once the engine answers a ping. Its containers should use `--network none` (no NAT on its bridge).
 * Needs root.
 */
export async function startSecondEngine(name = 'second', n = 7): Promise<SecondEngine> {
  if (!/^[a-z0-9][a-z0-9-]{0,11}$/.test(name))
    throw new Error(`startSecondEngine: name ${JSON.stringify(name)} must be short lowercase (a bridge name is at most 15 characters)`);
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new Error('startSecondEngine: n must be 1..9 (the bridge subnet 10.20N.0.0/16)');
  const run = `/run/ailab-${name}`;
  const socket = path.join(run, 'docker.sock');
  const host = `unix://${socket}`;
  const docker = new Dockerode({ socketPath: socket });
  const handle: SecondEngine = { socket, host, docker, stop: () => Promise.resolve() };
  if (await answers(docker)) return handle;

  fs.mkdirSync(run, { recursive: true });
  const lock = path.join(run, 'start.lock');
  if (takeLock(lock)) {
    try {
      if (!(await answers(docker))) {
        ensureBridge(`br-${name}`, n);
        const dataRoot = `/var/lib/ailab-${name}`;
        fs.mkdirSync(dataRoot, { recursive: true });
        const log = fs.openSync(`/var/log/ailab-${name}-dockerd.log`, 'a');
        const child = spawn(
          'dockerd',
          [
            '--data-root',
            dataRoot,
            '--exec-root',
            path.join(run, 'exec'),
            '--pidfile',
            path.join(run, 'dockerd.pid'),
            '-H',
            host,
            '--iptables=false',
            '--ip-masq=false',
            '--bridge',
            `br-${name}`,
          ],
          { detached: true, stdio: ['ignore', log, log] },
        );
        fs.closeSync(log);
        // Detached and unreferenced: the engine outlives this test process (see SecondEngine.stop).
        child.unref();
        await waitForAnswer(docker, name);
      }
    } finally {
      fs.rmSync(lock, { force: true });
    }
  } else {
    await waitForAnswer(docker, name);
  }
  return handle;
}

/**
 * Writes docker CLI contexts (name → host such as `unix:///run/ailab-second/docker.sock`) into
 * `configDir`, a folder to pass as DOCKER_CONFIG. Returns `configDir`. A `default` entry is skipped: the
 * docker CLI reserves that name for the implicit context (the platform socket or DOCKER_HOST).
 */
export function withContexts(configDir: string, contexts: Record<string, string>, current?: string): string {
  fs.mkdirSync(configDir, { recursive: true });
  for (const [name, host] of Object.entries(contexts)) {
    if (name === 'default') continue;
    writeDockerContext(configDir, name, { Host: host, SkipTLSVerify: false });
  }
  if (current !== undefined) fs.writeFileSync(path.join(configDir, 'config.json'), JSON.stringify({ currentContext: current }));
  return configDir;
}

async function answers(docker: Dockerode): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

async function waitForAnswer(docker: Dockerode, name: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (await answers(docker)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`second engine ${name} did not answer within ${START_TIMEOUT_MS / 1000} s; see /var/log/ailab-${name}-dockerd.log`);
}

function takeLock(lock: string): boolean {
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > STALE_LOCK_MS) {
        fs.rmSync(lock, { force: true });
        return takeLock(lock);
      }
    } catch {
      // The holder removed it between our two looks: the engine is starting or up.
    }
    return false;
  }
}

function ensureBridge(bridge: string, n: number): void {
  if (spawnSync('ip', ['link', 'show', bridge], { stdio: 'ignore' }).status === 0) return;
  for (const args of [
    ['link', 'add', bridge, 'type', 'bridge'],
    ['addr', 'add', `10.20${n}.0.1/16`, 'dev', bridge],
    ['link', 'set', bridge, 'up'],
  ]) {
    const r = spawnSync('ip', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr.trim()}`);
  }
}
