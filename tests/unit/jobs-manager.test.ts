import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../shared/contract/settings';
import type { JobResult, JobSummary } from '../../shared/contract/jobs';
import type { CoreServices, DesktopIntegration } from '../../electron/services/core/context';
import { EventBus } from '../../electron/services/core/eventBus';
import type { DockerConnection } from '../../electron/services/docker/types';
import { JobManager } from '../../electron/services/jobs/jobManager';
import type { JobContext } from '../../electron/services/jobs/jobContext';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fakeCore(desktop: DesktopIntegration | null) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-jobs-mgr-'));
  dirs.push(dataDir);
  const started: string[] = [];
  const docker = {
    ping: async () => 'OK',
    getContainer: (id: string) => ({ start: async () => void started.push(id), remove: async () => undefined }),
  } as unknown as Dockerode;
  const connection = {
    client: () => docker,
    onStatus: () => () => undefined,
    status: () => ({ endpoint: { url: 'unix:///fake.sock', context: null } }),
  } as unknown as DockerConnection;
  const bus = new EventBus();
  const core = {
    mode: 'electron',
    version: '0.0.0-test',
    bus,
    settings: { get: () => defaultSettings() },
    docker: connection,
    dataDir,
    openExternal: async () => undefined,
    desktop,
    onShutdown: () => undefined,
  } as unknown as CoreServices;
  return { core, bus, started };
}

const RESULT: JobResult = {
  kind: 'backup',
  file: '/x/v.tgz',
  manifestFile: null,
  entries: 3,
  totalBytes: 30,
  compressedBytes: 20,
  sha256: 'ab'.repeat(32),
  durationMs: 5,
};

describe('JobManager', () => {
  it('runs one job per volume, streams events, records history and tells the desktop', async () => {
    const calls: string[] = [];
    const desktop: DesktopIntegration = {
      chooseFolder: async () => null,
      chooseOpenFile: async () => null,
      chooseSaveFile: async () => null,
      showItemInFolder: () => undefined,
      notify: (title, body) => void calls.push(`notify ${title}: ${body}`),
      setProgress: (f) => void calls.push(`progress ${f === null ? 'null' : f.toFixed(2)}`),
    };
    const { core, bus } = fakeCore(desktop);
    const m = new JobManager(core, { progressIntervalMs: 10 });
    const events: string[] = [];
    bus.onAny((name) => events.push(name));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const job = await m.launch({ kind: 'backup', volume: 'v', file: '/x/v.tgz', engine: 'fast', mode: null }, async (ctx: JobContext) => {
      ctx.phase('packing', { filesTotal: 3, bytesTotal: 30 });
      ctx.progress.entry('./a', 10);
      ctx.log('./a');
      await gate;
      return RESULT;
    });
    // Every job records the engine it runs on (issue 16: several engines).
    expect(job.dockerEngine).toEqual({ url: 'unix:///fake.sock', context: null });
    await expect(m.launch({ kind: 'restore', volume: 'v', file: '/y.tgz', engine: 'fast', mode: 'merge' }, async () => RESULT)).rejects.toMatchObject({
      code: 'JOB_CONFLICT',
      details: { jobId: job.id, volume: 'v' },
    });
    await new Promise((r) => setTimeout(r, 50));
    release();
    const done = await m.wait(job.id);
    expect(done).toMatchObject({ status: 'succeeded', result: RESULT });
    expect(done.progress).toMatchObject({ phase: 'done', percent: 100, filesDone: 3 });
    expect(events[0]).toBe('jobStarted');
    expect(events).toContain('jobProgress');
    expect(events).toContain('jobLog');
    expect(events.at(-1)).toBe('jobFinished');
    expect((await m.history.list())[0]).toMatchObject({ id: job.id, status: 'succeeded', entries: 3, compressedBytes: 20 });
    expect(calls).toContain('notify Backup of v finished: v.tgz');
    expect(calls.at(-2)).toBe('progress null');
    expect(calls.some((c) => /^progress 0\.\d\d$/.test(c))).toBe(true);
    // A second job on the volume is fine once the first is over.
    await m.wait((await m.launch({ kind: 'backup', volume: 'v', file: '/x/w.tgz', engine: 'fast', mode: null }, async () => RESULT)).id);
    await m.dispose();
  });

  it('cancel aborts the job, and the containers it stopped are started again', async () => {
    const { core, started } = fakeCore(null);
    const m = new JobManager(core);
    const job = await m.launch({ kind: 'backup', volume: 'v', file: '/x/v.tgz', engine: 'tar', mode: null }, async (ctx) => {
      ctx.stopped({ id: 'c1', name: 'ailab', image: 'exasol/ai-lab', running: true });
      await new Promise<void>((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
      return RESULT;
    });
    await new Promise((r) => setTimeout(r, 10));
    m.cancel(job.id);
    const done: JobSummary = await m.wait(job.id);
    expect(done.status).toBe('cancelled');
    expect(done.error).toMatchObject({ code: 'CANCELLED', message: 'The backup was cancelled. No file was written.' });
    expect(started).toEqual(['c1']);
    const detail = await m.get(job.id);
    expect(detail.log.join('\n')).toMatch(/Cancel requested/);
    await m.dispose();
  });
});

describe('JobManager locks of a job on two volumes (clone, rename)', () => {
  it('holds the target volume too, and frees both at the end', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-jm-two-'));
    const docker = { getContainer: () => ({ remove: async () => undefined }) } as unknown as Dockerode;
    const connection = { client: () => docker, onStatus: () => () => undefined, status: () => ({ endpoint: null }) } as unknown as DockerConnection;
    const core = {
      mode: 'browser',
      version: 't',
      bus: new EventBus(),
      settings: { get: () => ({ helperImage: 'ubuntu' }) },
      docker: connection,
      dataDir,
      openExternal: async () => undefined,
      desktop: null,
      onShutdown: () => undefined,
    } as unknown as CoreServices;
    const m = new JobManager(core, { progressIntervalMs: 10 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const job = await m.launch({ kind: 'clone', volume: 'a', target: 'b', alsoLocks: ['b'], file: '', engine: 'tar', mode: null }, async () => {
      await gate;
      return { kind: 'clone', source: 'a', target: 'b', entries: 1, totalBytes: 1, verified: true, durationMs: 1 };
    });
    expect(job.target).toBe('b');
    await expect(m.launch({ kind: 'backup', volume: 'b', file: '/x.tgz', engine: 'fast', mode: null }, async () => RESULT)).rejects.toMatchObject({
      code: 'JOB_CONFLICT',
    });
    expect(fs.existsSync(path.join(dataDir, 'locks', 'b.lock'))).toBe(true);
    release();
    const done = await m.wait(job.id);
    expect(done.status).toBe('succeeded');
    expect(fs.existsSync(path.join(dataDir, 'locks', 'b.lock'))).toBe(false);
    expect(m.runningJobFor('b')).toBeNull();
    await m.dispose();
  });
});
