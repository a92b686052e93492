import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import { volumeLockFile } from '../../electron/services/jobs/volumeLock';
import { buildPrivateCli } from '../support/cli';
import { TEST_DOCKER_HOST, useTestEngine } from '../support/docker';
import { keep, planFor } from '../support/plans';
import { createVolume, inVolume, jobsHarness, removeTestVolumes, tempDir, type JobsHarness } from './jobs-support';

/**
 * One job per volume across processes: the built CLI backs up a volume in a child process while
 * another `ailab` and this process (a core of its own on the same data folder) try the same volume.
 * The volume holds enough random bytes that the tar engine (one gzip core) takes seconds.
 */
let cli = '';
let h: JobsHarness;
let volume: string;
let out: string;

const children: ChildProcess[] = [];

function ailab(args: string[]): ChildProcess & { result: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: h.home, AILAB_DESKTOP_HOME: h.home, DOCKER_CONFIG: path.join(h.home, 'docker-config') };
  if (TEST_DOCKER_HOST) env.DOCKER_HOST = TEST_DOCKER_HOST;
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const result = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return Object.assign(child, { result });
}

/** Resolves when the volume's lock file names `pid`. */
async function lockedBy(pid: number | undefined, timeoutMs = 20_000): Promise<void> {
  const file = volumeLockFile(h.home, volume);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number }).pid === pid) return;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${file} never named pid ${pid}`);
}

beforeAll(async () => {
  cli = await buildPrivateCli('jobs-cross-');
  useTestEngine();
  h = await jobsHarness();
  fs.writeFileSync(path.join(h.home, 'settings.json'), JSON.stringify({ helperImage: 'ubuntu' }));
  volume = await createVolume('cross-proc');
  await inVolume(volume, 'head -c 64000000 /dev/urandom > /volume/big && echo hi > /volume/small');
  out = tempDir('ailab-cross-out-');
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h?.jobs.manager.cleanupAfterCrash().catch(() => undefined);
  await h?.close();
  await removeTestVolumes();
  if (out) fs.rmSync(out, { recursive: true, force: true });
  if (cli) fs.rmSync(path.dirname(cli), { recursive: true, force: true });
});

describe('a backup in another process is a conflict', () => {
  it('while the CLI backs up a volume, a second CLI exits 5 naming it, this process is refused and a plan run is skipped', async () => {
    const first = ailab(['backup', volume, '--out', path.join(out, 'first.tgz'), '--engine', 'tar']);
    await lockedBy(first.pid);

    const second = await ailab(['backup', volume, '--out', path.join(out, 'second.tgz'), '--json']).result;
    expect(second.code).toBe(EXIT.CONFLICT);
    const payload = JSON.parse(second.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(payload.error.code).toBe('JOB_CONFLICT');
    expect(payload.error.message).toMatch(
      new RegExp(
        `^A backup of ${volume} is running in another AI-Lab Desktop process \\(pid ${first.pid}, ailab CLI\\) since \\d\\d:\\d\\d; wait for it or cancel it there\\.$`,
      ),
    );

    await expect(h.jobs.startBackup({ volume, dir: out, fileName: 'third.tgz', stopContainers: false, overwrite: false })).rejects.toMatchObject({
      code: 'JOB_CONFLICT',
      message: expect.stringContaining(`(pid ${first.pid}, ailab CLI)`),
    });

    const run = await h.core.plans.runPlan(planFor(volume, out, { retention: keep({ keepLast: 1 }) }));
    expect(run.status).toBe('skipped');
    expect(run.message).toMatch(new RegExp(`^Skipped: A backup of ${volume} is running in another AI-Lab Desktop process \\(pid ${first.pid}, ailab CLI\\)`));

    const done = await first.result;
    expect(done.code).toBe(0);
    expect(fs.existsSync(path.join(out, 'first.tgz'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'second.tgz'))).toBe(false);
    expect(fs.existsSync(volumeLockFile(h.home, volume))).toBe(false);
  }, 120_000);

  it('the lock of a killed process is taken over', async () => {
    const doomed = ailab(['backup', volume, '--out', path.join(out, 'doomed.tgz'), '--engine', 'tar']);
    await lockedBy(doomed.pid);
    doomed.kill('SIGKILL');
    await doomed.result;
    // The file is still there, naming a pid that is gone.
    expect(fs.existsSync(volumeLockFile(h.home, volume))).toBe(true);
    const job = await h.jobs.startBackup({ volume, dir: out, fileName: 'after-kill.tgz', stopContainers: false, overwrite: false, engine: 'fast' });
    const done = await h.finish(job);
    expect(done.status).toBe('succeeded');
    expect(fs.existsSync(path.join(out, 'after-kill.tgz'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'doomed.tgz'))).toBe(false);
    expect(fs.existsSync(volumeLockFile(h.home, volume))).toBe(false);
  }, 120_000);
});
