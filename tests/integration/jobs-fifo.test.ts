import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { connectThroughFifos } from '../../electron/services/jobs/fifoFeed';
import { runHelper, type ContainerTracker, type RunResult } from '../../electron/services/jobs/helperContainer';
import { docker, TEST_LABEL } from '../support/docker';
import { createVolume, inVolume, removeTestVolumes, SEED_IMAGE } from './jobs-support';

// The FIFO handshake against a real Engine: helpers that read, one that cannot, one that never does.

const live = new Set<string>();
const tracker: ContainerTracker = {
  add: (id) => void live.add(id),
  remove: async (id) => {
    await docker
      .getContainer(id)
      .remove({ force: true, v: true })
      .catch(() => undefined);
    live.delete(id);
  },
};

afterAll(async () => {
  for (const id of live) await tracker.remove(id);
  await removeTestVolumes();
});

const helper =
  (volume: string, cmd: (containerPath: string) => string[]) =>
  (containerPath: string, feedDir: string, hooks: { signal: AbortSignal; onStarted: () => void }) =>
    runHelper(
      docker,
      { image: SEED_IMAGE, cmd: cmd(containerPath), volume, readOnly: false, labels: { ...TEST_LABEL }, feedDir },
      { signal: hooks.signal, onStarted: hooks.onStarted },
      tracker,
    );

async function labelledContainers(): Promise<number> {
  return (await docker.listContainers({ all: true, filters: { label: [Object.keys(TEST_LABEL)[0] as string] } })).filter((c) => live.has(c.Id)).length;
}

describe('feeding helpers through FIFOs on a local engine', () => {
  it('each helper reads its own FIFO from the bind-mounted folder', async () => {
    const volume = await createVolume('jobs-fifo');
    let dir = '';
    const start = helper(volume, (p) => ['sh', '-c', `cat ${p} > /volume/$(basename ${p}).txt`]);
    const res = await connectThroughFifos(
      2,
      (p, feedDir, hooks) => {
        dir = feedDir;
        return start(p, feedDir, hooks);
      },
      { end: 'write', signal: new AbortController().signal },
    );
    if ('failed' in res) throw new Error(res.failed);
    try {
      await Promise.all(res.ends.map((s, i) => new Promise<void>((r) => s.end(`through FIFO ${i}\n`, r))));
      const runs: RunResult[] = await Promise.all(res.runs);
      expect(runs.map((r) => r.exitCode)).toEqual([0, 0]);
    } finally {
      await res.close();
    }
    expect(await inVolume(volume, 'cat /volume/0.txt /volume/1.txt')).toBe('through FIFO 0\nthrough FIFO 1\n');
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('falls back when a helper cannot open its FIFO, and leaves no container or folder behind', async () => {
    const volume = await createVolume('jobs-fifo-fail');
    // Stands in for an Engine that cannot see or read the folder (a VM, user namespaces, SELinux).
    const res = await connectThroughFifos(
      2,
      helper(volume, (p) => (p.endsWith('/1') ? ['tar', '-B', '-xf', '/feed/missing'] : ['tar', '-C', '/volume', '-B', '-xf', p])),
      {
        end: 'write',
        signal: new AbortController().signal,
      },
    );
    expect(res).toEqual({ failed: 'a helper ended before opening its FIFO', helperError: undefined });
    expect(await labelledContainers()).toBe(0);
    expect(await inVolume(volume, 'ls -A /volume')).toBe('');
  });

  it('falls back when a started helper never opens its FIFO within the time allowed', async () => {
    const volume = await createVolume('jobs-fifo-slow');
    const t0 = Date.now();
    const res = await connectThroughFifos(
      1,
      helper(volume, () => ['sleep', '60']),
      { end: 'write', signal: new AbortController().signal, timeoutMs: 1_500 },
    );
    expect(res).toEqual({ failed: 'a helper did not open its FIFO within 1.5 s', helperError: undefined });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(await labelledContainers()).toBe(0);
  });
});
