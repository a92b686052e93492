import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../shared/ailab';
import type { JobSummary } from '../../shared/contract/jobs';
import { OWNER_LABEL } from '../../electron/services/jobs/owner';
import { docker, ENGINE_SOCKET, removeContainerQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import {
  createVolume,
  inVolume,
  jobsHarness,
  ourHelpers,
  progressWhere,
  removeTestVolumes,
  SEED_IMAGE,
  tempDir,
  trackVolume,
  type JobsHarness,
} from './jobs-support';

let h: JobsHarness;
/** ~120 MB of incompressible data: long enough to cancel or cut halfway. */
let big: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  h = await jobsHarness();
  big = await createVolume('jobs-faults-big');
  await inVolume(
    big,
    'mkdir -p /volume/d && for i in 1 2 3 4 5 6; do head -c 20000000 /dev/urandom > /volume/d/blob$i.bin; done && echo hi > /volume/small.txt',
  );
});

afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn();
  await h?.close();
  await removeTestVolumes();
});

async function startSleeper(volume: string): Promise<string> {
  const c = await docker.createContainer({
    Image: SEED_IMAGE,
    name: uniqueName('jobs-sleeper'),
    Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
    Labels: { ...TEST_LABEL },
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] },
  });
  cleanups.push(() => removeContainerQuietly(c.id));
  await c.start();
  return c.id;
}

async function isRunning(id: string): Promise<boolean> {
  return ((await docker.getContainer(id).inspect()) as { State: { Running: boolean } }).State.Running;
}

describe('a full disk during a backup', () => {
  it('fails with DISK_FULL and leaves no file', async () => {
    const mnt = tempDir('ailab-jobs-tmpfs-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    cleanups.push(() => {
      execFileSync('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    });
    const volume = await createVolume('jobs-diskfull');
    await inVolume(volume, 'head -c 3000000 /dev/urandom > /volume/blob.bin');
    for (const engine of ['fast', 'tar'] as const) {
      const done = await h.finish(await h.jobs.startBackup({ volume, dir: mnt, fileName: `full-${engine}.tgz`, engine }));
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe('DISK_FULL');
      expect(done.error?.message).toMatch(/full/i);
      expect(fs.readdirSync(mnt)).toEqual([]);
    }
    expect(await ourHelpers(h)).toEqual([]);
  });
});

describe('a full volume during a restore', () => {
  it.each(['FIFOs', 'stdin'] as const)('fails saying the volume is full and puts the previous contents back (writers on %s)', async (feed) => {
    const source = await createVolume('jobs-fullrestore-src');
    await inVolume(source, 'for i in 1 2 3; do head -c 1000000 /dev/urandom > /volume/blob$i.bin; done');
    const out = tempDir();
    cleanups.push(() => fs.rmSync(out, { recursive: true, force: true }));
    const archive = (await h.finish(await h.jobs.startBackup({ volume: source, dir: out, fileName: 'three-mb.tgz', engine: 'fast' }))).result as {
      file: string;
    };
    // A 4 MB volume, so the 3 MB archive passes the free-space check; once the volume is emptied for
    // the restore, 3.5 MB of it are taken behind the job's back, and tar runs out of room. (A bind of
    // a host tmpfs: a volume of type tmpfs would be a fresh, empty tmpfs for every container.)
    const mnt = tempDir('ailab-jobs-tmpfs-');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    cleanups.push(() => {
      execFileSync('umount', [mnt]);
      fs.rmSync(mnt, { recursive: true, force: true });
    });
    const target = trackVolume(uniqueName('jobs-fullrestore'));
    await docker.createVolume({ Name: target, Labels: { ...TEST_LABEL }, DriverOpts: { type: 'none', device: mnt, o: 'bind' } });
    await inVolume(target, 'echo precious > /volume/keep.txt');
    if (feed === 'stdin') process.env.AILAB_FIFO_FEEDS = '0';
    let filled = false;
    const offFill = h.core.bus.on('jobProgress', (list) => {
      if (filled || !list.some((p) => p.phase === 'unpacking')) return;
      filled = true;
      fs.writeFileSync(path.join(mnt, 'filler.bin'), Buffer.alloc(3_500_000));
    });
    try {
      const done = await h.finish(await h.jobs.startRestore({ source: { archivePath: archive.file }, volume: target, mode: 'replace', engine: 'fast' }));
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe('DISK_FULL');
      expect(done.error?.message).toMatch(/^The volume is full: tar could not write everything into it/);
      expect(done.warnings.join('\n')).toMatch(/put back from the safety backup/);
    } finally {
      offFill();
      delete process.env.AILAB_FIFO_FEEDS;
    }
    expect(await inVolume(target, 'ls -A /volume && cat /volume/keep.txt')).toBe('keep.txt\nprecious\n');
    expect(await ourHelpers(h)).toEqual([]);
  });
});

describe('cancel halfway', () => {
  it('stops the backup, removes the partial file and starts the stopped container again', async () => {
    const sleeper = await startSleeper(big);
    const out = tempDir();
    cleanups.push(() => fs.rmSync(out, { recursive: true, force: true }));
    const halfway = progressWhere(h, (p) => p.phase === 'packing' && p.bytesDone > 10_000_000);
    const job = await h.jobs.startBackup({ volume: big, dir: out, fileName: 'cancel.tgz', engine: 'fast', stopContainers: true });
    const p = await halfway;
    expect(p.bytesTotal).toBeGreaterThan(100_000_000);
    expect(p.percent).toBeGreaterThan(0);
    expect(p.percent).toBeLessThan(100);
    expect(await isRunning(sleeper)).toBe(false);
    h.jobs.manager.cancel(job.id);
    const done = await h.finish(job);
    expect(done.status).toBe('cancelled');
    expect(done.error?.code).toBe('CANCELLED');
    expect(done.stoppedContainers.map((c) => c.id)).toEqual([sleeper]);
    expect(fs.readdirSync(out)).toEqual([]);
    expect(await isRunning(sleeper)).toBe(true);
    expect(await ourHelpers(h)).toEqual([]);
  });

  it('stops a tar-engine backup too', async () => {
    const out = tempDir();
    cleanups.push(() => fs.rmSync(out, { recursive: true, force: true }));
    const halfway = progressWhere(h, (p) => p.phase === 'packing' && p.filesDone >= 3);
    const job = await h.jobs.startBackup({ volume: big, dir: out, fileName: 'cancel-tar.tgz', engine: 'tar' });
    await halfway;
    h.jobs.manager.cancel(job.id);
    const done = await h.finish(job);
    expect(done.status).toBe('cancelled');
    expect(fs.readdirSync(out)).toEqual([]);
    expect(await ourHelpers(h)).toEqual([]);
  });
});

describe('Docker going away mid-job', () => {
  /** A harness whose Docker connection goes through a proxy that can "stop dockerd" and bring it back. */
  async function proxiedDocker(): Promise<{ harness: JobsHarness; stop: () => Promise<void>; restart: () => Promise<void> }> {
    const sock = path.join(os.tmpdir(), `${uniqueName('ailab-proxy')}.sock`);
    const clients = new Set<net.Socket>();
    const listen = () =>
      new Promise<net.Server>((resolve) => {
        const server = net.createServer((client) => {
          const upstream = net.connect(ENGINE_SOCKET);
          clients.add(client).add(upstream);
          client.pipe(upstream).pipe(client);
          const drop = () => {
            client.destroy();
            upstream.destroy();
          };
          client.on('error', drop).on('close', drop);
          upstream.on('error', drop).on('close', drop);
        });
        server.listen(sock, () => resolve(server));
      });
    let server = await listen();
    const harness = await jobsHarness({ DOCKER_HOST: `unix://${sock}` });
    cleanups.push(async () => {
      await harness.close();
      server.close();
      fs.rmSync(sock, { force: true });
    });
    return {
      harness,
      // Every connection through the proxy drops and nothing answers any more. (close() waits for
      // open connections, so they are destroyed first.)
      stop: async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        for (const c of clients) c.destroy();
        await closed;
        fs.rmSync(sock, { force: true });
      },
      restart: async () => {
        server = await listen();
      },
    };
  }

  /** The helper is still on the engine (the app could not remove it), labelled as ours; once Docker is back the manager removes it. */
  async function expectHelperRemovedOnceBack(harness: JobsHarness, jobId: string, restart: () => Promise<void>): Promise<void> {
    const ofJob = () => docker.listContainers({ all: true, filters: { label: [`${LABELS.job}=${jobId}`] } });
    const left = await ofJob();
    expect(left.length).toBeGreaterThan(0);
    for (const c of left) expect(harness.jobs.manager.pendingRemovals()).toContain(c.Id);
    await restart();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await ofJob()).length > 0) await new Promise((r) => setTimeout(r, 500));
    expect(await ofJob()).toEqual([]);
  }

  it.each(['tar', 'fast'] as const)('fails with DOCKER_UNREACHABLE, leaves no file, and removes its helper once Docker is back (%s engine)', async (engine) => {
    const { harness: proxied, stop, restart } = await proxiedDocker();
    const out = tempDir();
    cleanups.push(() => fs.rmSync(out, { recursive: true, force: true }));

    const halfway = progressWhere(proxied, (p) => p.phase === 'packing' && p.filesDone >= 5);
    const job = await proxied.jobs.startBackup({ volume: big, dir: out, fileName: 'lost.tgz', engine });
    await halfway;
    await stop();
    const done: JobSummary = await proxied.finish(job);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('DOCKER_UNREACHABLE');
    expect(done.error?.message).toMatch(/Lost the connection to Docker/);
    expect(fs.readdirSync(out)).toEqual([]);
    await expectHelperRemovedOnceBack(proxied, job.id, restart);
  });

  it('fails a fast restore with DOCKER_UNREACHABLE and removes its writers once Docker is back', async () => {
    const out = tempDir();
    cleanups.push(() => fs.rmSync(out, { recursive: true, force: true }));
    const archive = (await h.finish(await h.jobs.startBackup({ volume: big, dir: out, fileName: 'big.tgz', engine: 'fast' }))).result as { file: string };
    const { harness: proxied, stop, restart } = await proxiedDocker();
    const target = await createVolume('jobs-lost-restore');
    const halfway = progressWhere(proxied, (p) => p.phase === 'unpacking' && p.bytesDone > 20_000_000);
    const job = await proxied.jobs.startRestore({ source: { archivePath: archive.file }, volume: target, mode: 'merge', engine: 'fast' });
    await halfway;
    await stop();
    const done: JobSummary = await proxied.finish(job);
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('DOCKER_UNREACHABLE');
    await expectHelperRemovedOnceBack(proxied, job.id, restart);
  });
});

describe('crash cleanup at start', () => {
  it('removes helpers of a dead process and starts containers a dead job stopped', async () => {
    const deadOwner = `${os.hostname()}/999999/deadbeef`;
    const orphan = await docker.createContainer({
      Image: SEED_IMAGE,
      Cmd: ['true'],
      Labels: { ...TEST_LABEL, [LABELS.managed]: 'true', [LABELS.job]: 'job-crashed-000000', [OWNER_LABEL]: deadOwner },
    });
    cleanups.push(() => removeContainerQuietly(orphan.id));
    // A live job's helper (this process, a live manager) must survive the cleanup.
    const alive = await docker.createContainer({
      Image: SEED_IMAGE,
      Cmd: ['true'],
      Labels: { ...TEST_LABEL, [LABELS.managed]: 'true', [LABELS.job]: 'job-alive-000000', [OWNER_LABEL]: h.jobs.manager.ownerId },
    });
    cleanups.push(() => removeContainerQuietly(alive.id));

    const volume = await createVolume('jobs-crash');
    const stopped = await startSleeper(volume);
    await docker.getContainer(stopped).stop({ t: 5 });
    const other = await jobsHarness();
    cleanups.push(() => other.close());
    // Let the new manager's own start-up cleanup finish first (it removes the orphan), so the call
    // below is the one that finds the ledger.
    await other.jobs.manager.init();
    await expect(docker.getContainer(orphan.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    fs.mkdirSync(path.join(other.home, 'jobs'), { recursive: true });
    fs.writeFileSync(
      path.join(other.home, 'jobs', 'stopped.json'),
      JSON.stringify([
        { owner: deadOwner, jobId: 'job-crashed-000000', at: Date.now(), containers: [{ id: stopped, name: 'sleeper', image: SEED_IMAGE, running: true }] },
      ]),
    );
    const res = await other.jobs.manager.cleanupAfterCrash();
    expect(res.removed).not.toContain(alive.id);
    expect(res.restarted).toEqual(['sleeper']);
    expect((await docker.getContainer(alive.id).inspect()).Id).toBe(alive.id);
    expect(await isRunning(stopped)).toBe(true);
    await expect(docker.getContainer(orphan.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(JSON.parse(fs.readFileSync(path.join(other.home, 'jobs', 'stopped.json'), 'utf8'))).toEqual([]);
  });
});
