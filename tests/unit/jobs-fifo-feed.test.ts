import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type Dockerode from 'dockerode';
import { AppError } from '../../shared/contract/errors';
import {
  connectThroughFifos,
  createFifoFolder,
  helpersOverFifos,
  openFifoEnd,
  removeLeftoverFifoFolders,
  type HelperHooks,
} from '../../electron/services/jobs/fifoFeed';

// Real FIFOs on this machine; the "writers" (helper containers in the app) are fakes that read them here.

/** Reads a FIFO to its end, as tar in a helper does; the host path stands in for the container's. */
function reader(hostPath: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    fs.createReadStream(hostPath)
      .on('data', (c) => chunks.push(c as Buffer))
      .on('end', () => resolve(Buffer.concat(chunks)))
      .on('error', reject);
  });
}

function write(socket: Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.end(data, () => resolve());
  });
}

describe('FIFO feeds', () => {
  it('makes private FIFOs and removes them with their folder', async () => {
    const folder = await createFifoFolder(2);
    try {
      expect(fs.statSync(folder.dir).mode & 0o777).toBe(0o700);
      for (const p of folder.hostPaths) expect(fs.statSync(p).isFIFO()).toBe(true);
      expect(folder.containerPaths).toEqual(['/feed/0', '/feed/1']);
    } finally {
      await folder.remove();
    }
    expect(fs.existsSync(folder.dir)).toBe(false);
  });

  it('opens the writing end once a reader comes, and the reader gets every byte and the end', async () => {
    const folder = await createFifoFolder(1);
    try {
      const fifo = folder.hostPaths[0] as string;
      const opening = openFifoEnd(fifo, 'write', new AbortController().signal);
      const reading = reader(fifo);
      const data = Buffer.alloc(3 * 1024 * 1024, 7);
      await write(await opening, data);
      expect((await reading).equals(data)).toBe(true);
    } finally {
      await folder.remove();
    }
  });

  it('reads what a helper writes into its FIFO, to the end (the backup direction)', async () => {
    const folder = await createFifoFolder(1);
    try {
      const fifo = folder.hostPaths[0] as string;
      const opening = openFifoEnd(fifo, 'read', new AbortController().signal);
      const data = Buffer.alloc(2 * 1024 * 1024 + 17, 3);
      const writing = new Promise<void>((resolve, reject) => fs.createWriteStream(fifo).on('error', reject).end(data, resolve));
      const chunks: Buffer[] = [];
      for await (const c of await opening) chunks.push(c as Buffer);
      await writing;
      expect(Buffer.concat(chunks).equals(data)).toBe(true);
    } finally {
      await folder.remove();
    }
  });

  it.each(['write', 'read'] as const)('gives up waiting for the helper on abort (host end: %s), and the folder can go at once', async (end) => {
    const folder = await createFifoFolder(1);
    const abort = new AbortController();
    const opening = openFifoEnd(folder.hostPaths[0] as string, end, abort.signal);
    setTimeout(() => abort.abort(new Error('no helper came')), 50);
    await expect(opening).rejects.toThrow('no helper came');
    await folder.remove();
    expect(fs.existsSync(folder.dir)).toBe(false);
  });

  it('connects every writer, each reading its own FIFO', async () => {
    const seen: string[] = [];
    const start = (containerPath: string, dir: string, hooks: HelperHooks) => {
      hooks.onStarted();
      seen.push(containerPath);
      return reader(`${dir}/${containerPath.split('/').pop() as string}`);
    };
    const res = await connectThroughFifos(3, start, { end: 'write', signal: new AbortController().signal });
    if ('failed' in res) throw new Error(res.failed);
    try {
      expect(seen).toEqual(['/feed/0', '/feed/1', '/feed/2']);
      await Promise.all(res.ends.map((s, i) => write(s, Buffer.from(`share ${i}`))));
      expect((await Promise.all(res.runs)).map(String)).toEqual(['share 0', 'share 1', 'share 2']);
    } finally {
      await res.close();
    }
  });

  it('falls back when a writer ends without opening its FIFO: all writers stopped, folder gone', async () => {
    const stopped: number[] = [];
    let dir = '';
    const start = (containerPath: string, folderDir: string, hooks: HelperHooks) => {
      dir = folderDir;
      hooks.onStarted();
      const i = Number(containerPath.split('/').pop());
      if (i === 1) return Promise.resolve('exited: Cannot open /feed/1');
      // The other writer waits for its data until it is stopped, and then fails as runHelper does.
      return new Promise<string>((_resolve, reject) =>
        hooks.signal.addEventListener('abort', () => {
          stopped.push(i);
          reject(new AppError('CANCELLED', 'Cancelled.'));
        }),
      );
    };
    const res = await connectThroughFifos(2, start, { end: 'write', signal: new AbortController().signal });
    expect(res).toEqual({ failed: 'a helper ended before opening its FIFO', helperError: undefined });
    expect(stopped).toEqual([0]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('falls back when a started writer never opens its FIFO', async () => {
    const start = (_p: string, _d: string, hooks: HelperHooks) => {
      hooks.onStarted();
      return new Promise<string>((resolve) => hooks.signal.addEventListener('abort', () => resolve('stopped')));
    };
    const t0 = Date.now();
    const res = await connectThroughFifos(2, start, { end: 'write', signal: new AbortController().signal, timeoutMs: 200 });
    expect(res).toEqual({ failed: 'a helper did not open its FIFO within 0.2 s', helperError: undefined });
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('rejects when the job is cancelled during the handshake, after stopping the writers', async () => {
    const job = new AbortController();
    let stoppedWriters = 0;
    const start = (_p: string, _d: string, hooks: HelperHooks) =>
      new Promise<string>((resolve) =>
        hooks.signal.addEventListener('abort', () => {
          stoppedWriters++;
          resolve('stopped');
        }),
      );
    setTimeout(() => job.abort(new Error('Cancelled.')), 50);
    await expect(connectThroughFifos(2, start, { end: 'write', signal: job.signal })).rejects.toThrow('Cancelled.');
    expect(stoppedWriters).toBe(2);
  });

  describe.runIf(process.platform === 'linux')('helpersOverFifos', () => {
    // A local engine as far as the verdict can tell: a socket, not Docker Desktop.
    const localEngine = () =>
      ({ modem: { socketPath: '/var/run/docker.sock' }, info: async () => ({ OperatingSystem: 'Debian GNU/Linux 12' }) }) as unknown as Dockerode;

    it('throws a missing image as it is, and keeps FIFOs on for this engine', async () => {
      const docker = localEngine();
      const missing = new AppError('IMAGE_NOT_FOUND', 'The helper image ubuntu is not on this Docker engine.');
      await expect(helpersOverFifos(docker, 1, 'write', () => Promise.reject(missing), new AbortController().signal)).rejects.toBe(missing);
      let started = 0;
      const res = await helpersOverFifos(
        docker,
        1,
        'write',
        (p, dir, hooks) => {
          started++;
          hooks.onStarted();
          return reader(`${dir}/${p.split('/').pop() as string}`);
        },
        new AbortController().signal,
      );
      if ('failed' in res) throw new Error(res.failed);
      await write(res.ends[0] as Socket, Buffer.from('x'));
      await res.close();
      expect(started).toBe(1);
    });

    it('turns FIFOs off for this engine after a helper could not open its FIFO', async () => {
      const docker = localEngine();
      const first = await helpersOverFifos(docker, 1, 'write', () => Promise.resolve('exited'), new AbortController().signal);
      expect(first).toMatchObject({ failed: 'a helper ended before opening its FIFO' });
      let started = 0;
      const second = await helpersOverFifos(docker, 1, 'write', () => Promise.resolve(String(++started)), new AbortController().signal);
      expect(second).toEqual({ failed: 'a helper ended before opening its FIFO' });
      expect(started).toBe(0);
    });
  });

  it('removes at start the FIFO folders of processes that are gone, never those of live ones', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-fifo-tmp-'));
    try {
      const ours = await createFifoFolder(1, tmp);
      // A pid that existed and is gone: a child that has exited.
      const deadPid = spawnSync(process.execPath, ['-e', '0']).pid as number;
      const crashed = path.join(tmp, `ailab-feed-${deadPid}-abc123`);
      fs.mkdirSync(crashed);
      fs.writeFileSync(path.join(tmp, 'unrelated'), '');
      expect(await removeLeftoverFifoFolders(tmp)).toEqual([`ailab-feed-${deadPid}-abc123`]);
      expect(fs.readdirSync(tmp).sort()).toEqual([path.basename(ours.dir), 'unrelated'].sort());
      expect(path.basename(ours.dir)).toMatch(new RegExp(`^ailab-feed-${process.pid}-`));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
