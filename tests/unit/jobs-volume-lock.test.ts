import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../shared/contract/settings';
import type { JobResult } from '../../shared/contract/jobs';
import type { CoreServices } from '../../electron/services/core/context';
import { EventBus } from '../../electron/services/core/eventBus';
import { lockHolder, STALE_MS, tryAcquireFileLock } from '../../electron/services/core/fileLock';
import type { DockerConnection } from '../../electron/services/docker/types';
import { JobManager } from '../../electron/services/jobs/jobManager';
import { acquireVolumeLock, conflictError, volumeLockFile } from '../../electron/services/jobs/volumeLock';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-vol-lock-'));
  dirs.push(d);
  return d;
}

function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
}

function fakeCore(dataDir: string, role: 'app' | 'cli' = 'app'): CoreServices {
  const docker = { ping: async () => 'OK', getContainer: () => ({ start: async () => undefined, remove: async () => undefined }) } as unknown as Dockerode;
  return {
    mode: 'electron',
    role,
    version: '0.0.0-test',
    bus: new EventBus(),
    settings: { get: () => defaultSettings() },
    docker: {
      client: () => docker,
      onStatus: () => () => undefined,
      status: () => ({ endpoint: { url: 'unix:///fake.sock', context: null } }),
    } as unknown as DockerConnection,
    dataDir,
    openExternal: async () => undefined,
    desktop: null,
    onShutdown: () => undefined,
  } as unknown as CoreServices;
}

const RESULT: JobResult = {
  kind: 'backup',
  file: '/x/v.tgz',
  manifestFile: null,
  entries: 1,
  totalBytes: 1,
  compressedBytes: 1,
  sha256: 'ab'.repeat(32),
  durationMs: 1,
};
const spec = { kind: 'backup', volume: 'nc-data', file: '/x/v.tgz', engine: 'fast', mode: null } as const;

describe('file lock staleness', () => {
  it('is held by a live process of this host, and free once that pid is gone', async () => {
    const file = path.join(tempDir(), 'a.lock');
    const first = await tryAcquireFileLock(file, { kind: 'backup' });
    expect(first.ok).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = await tryAcquireFileLock(file);
    expect(second).toMatchObject({ ok: false, holder: { pid: process.pid, host: os.hostname(), kind: 'backup' } });
    // The same lock as a crashed process left it.
    fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: deadPid(), token: 'crashed', since: Date.now() }));
    expect(await lockHolder(file)).toBeNull();
    const taken = await tryAcquireFileLock(file);
    expect(taken.ok).toBe(true);
    if (taken.ok) expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ pid: process.pid, token: taken.lock.token });
  });

  it('is free when not refreshed for STALE_MS, whoever holds it; held while refreshed', async () => {
    const file = path.join(tempDir(), 'b.lock');
    // A live pid on another host cannot be checked: only its silence frees it.
    fs.writeFileSync(file, JSON.stringify({ host: 'elsewhere', pid: process.pid, token: 'far', since: 0 }));
    expect(await lockHolder(file)).toMatchObject({ host: 'elsewhere' });
    const old = new Date(Date.now() - STALE_MS - 60_000);
    fs.utimesSync(file, old, old);
    expect(await lockHolder(file)).toBeNull();
    const taken = await tryAcquireFileLock(file);
    expect(taken.ok).toBe(true);
    if (!taken.ok) return;
    fs.utimesSync(file, old, old);
    expect(await taken.lock.refresh()).toBe(true);
    expect(Date.now() - fs.statSync(file).mtimeMs).toBeLessThan(60_000);
    expect(await lockHolder(file)).toMatchObject({ token: taken.lock.token });
  });

  it('a half-written (unparsable) lock counts as held until it goes stale', async () => {
    const file = path.join(tempDir(), 'c.lock');
    fs.writeFileSync(file, '{"host":');
    expect(await tryAcquireFileLock(file)).toEqual({ ok: false, holder: null });
    const old = new Date(Date.now() - STALE_MS - 1000);
    fs.utimesSync(file, old, old);
    expect((await tryAcquireFileLock(file)).ok).toBe(true);
  });

  it('release removes only a lock that is still ours', async () => {
    const file = path.join(tempDir(), 'd.lock');
    const a = await tryAcquireFileLock(file);
    if (!a.ok) throw new Error('not taken');
    fs.writeFileSync(file, JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'someone-else', since: 0 }));
    expect(await a.lock.refresh()).toBe(false);
    await a.lock.release();
    expect(fs.existsSync(file)).toBe(true);
  });
});

describe('volume lock', () => {
  it('names the holder: kind, pid, process, since when', () => {
    const since = new Date(2026, 11, 5, 10, 2).getTime();
    const e = conflictError('nc-data', { host: os.hostname(), pid: 1234, token: 't', since, kind: 'backup', role: 'cli' }, '/d/locks/nc-data.lock');
    expect(e.code).toBe('JOB_CONFLICT');
    expect(e.message).toBe(
      'A backup of nc-data is running in another AI-Lab Desktop process (pid 1234, ailab CLI) since 10:02; wait for it or cancel it there.',
    );
    const r = conflictError('nc-data', { host: 'nas', pid: 99, token: 't', since, kind: 'restore', role: 'app' }, '/d/locks/nc-data.lock');
    expect(r.message).toMatch(/^A restore into nc-data is running in another AI-Lab Desktop process \(pid 99 on nas, AI-Lab Desktop app\) since 10:02/);
  });

  it('is created 0600 in a 0700 locks folder', async () => {
    const dataDir = tempDir();
    const lock = await acquireVolumeLock(dataDir, 'nc-data', { kind: 'backup', jobId: 'job-1', role: 'server' });
    expect(lock.file).toBe(volumeLockFile(dataDir, 'nc-data'));
    expect(fs.statSync(path.dirname(lock.file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(lock.file).mode & 0o777).toBe(0o600);
    await lock.release();
    expect(fs.existsSync(lock.file)).toBe(false);
  });

  it('two job managers on one data folder: the second is refused while the first runs, free after success, failure and cancel', async () => {
    const dataDir = tempDir();
    const a = new JobManager(fakeCore(dataDir, 'cli'));
    const b = new JobManager(fakeCore(dataDir, 'app'));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const job = await a.launch(spec, async () => {
      await gate;
      return RESULT;
    });
    expect(JSON.parse(fs.readFileSync(volumeLockFile(dataDir, 'nc-data'), 'utf8'))).toMatchObject({
      kind: 'backup',
      jobId: job.id,
      role: 'cli',
      pid: process.pid,
    });
    await expect(b.launch({ ...spec, kind: 'restore', mode: 'merge' }, async () => RESULT)).rejects.toMatchObject({
      code: 'JOB_CONFLICT',
      message: expect.stringMatching(/^A backup of nc-data is running elsewhere in this process since \d\d:\d\d/),
    });
    // b's refusal left nothing behind in b: another volume still runs there.
    expect(b.runningJobFor('nc-data')).toBeNull();
    release();
    expect((await a.wait(job.id)).status).toBe('succeeded');
    expect(fs.existsSync(volumeLockFile(dataDir, 'nc-data'))).toBe(false);

    const failing = await b.launch(spec, async () => {
      throw new Error('boom');
    });
    expect((await b.wait(failing.id)).status).toBe('failed');
    expect(fs.existsSync(volumeLockFile(dataDir, 'nc-data'))).toBe(false);

    const long = await a.launch(spec, (ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))));
    a.cancel(long.id);
    expect((await a.wait(long.id)).status).toBe('cancelled');
    expect(fs.existsSync(volumeLockFile(dataDir, 'nc-data'))).toBe(false);
    await Promise.all([a.dispose(), b.dispose()]);
  });

  it('a lock left by a crashed process is taken over', async () => {
    const dataDir = tempDir();
    fs.mkdirSync(path.join(dataDir, 'locks'), { mode: 0o700 });
    fs.writeFileSync(
      volumeLockFile(dataDir, 'nc-data'),
      JSON.stringify({ host: os.hostname(), pid: deadPid(), token: 'x', since: 0, kind: 'backup', role: 'cli' }),
    );
    const m = new JobManager(fakeCore(dataDir));
    const job = await m.launch(spec, async () => RESULT);
    expect((await m.wait(job.id)).status).toBe('succeeded');
    await m.dispose();
  });
});
