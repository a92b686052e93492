import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../shared/contract/jobs';
import type { CloneResult, EmptyResult, RenameResult } from '../../shared/contract/volumeOps';
import { docker, removeContainerQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { dockerProxy } from '../support/dockerProxy';
import {
  createVolume,
  inVolume,
  jobsHarness,
  newVolumeName,
  ourHelpers,
  progressWhere,
  removeTestVolumes,
  RICH_CONTENT,
  SEED_IMAGE,
  trackVolume,
  treeOf,
  volumeExists,
  type JobsHarness,
} from './jobs-support';

/**
 * The image has no dd or truncate: a sparse file is made here and extracted by tar there (which seeks
 * over the holes).
 */
function sparseTar(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vops-sparse-'));
  const file = path.join(dir, 'sparse.bin');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, Buffer.alloc(4096, 7), 0, 4096, 0);
  fs.writeSync(fd, Buffer.from('end'), 0, 3, 64 * 1024 * 1024);
  fs.closeSync(fd);
  execFileSync('tar', ['-C', dir, '-S', '-cf', path.join(dir, 'sparse.tar'), 'sparse.bin']);
  fs.rmSync(file);
  return dir;
}

async function fill(volume: string, script: string): Promise<void> {
  await inVolume(volume, script, [{ Type: 'bind', Source: sparseDir, Target: '/in', ReadOnly: true }]);
}

/**
 * What a clone must keep beyond RICH_CONTENT: mode-000 folders of another user, a setgid folder of
 * another group, a dangling symlink, a sparse file, a FIFO, nanosecond mtimes (tar's pax keeps them).
 */
const HARD_CONTENT = `${RICH_CONTENT}
cd /volume
mkdir -p locked/inner sg
printf 'hidden' > locked/inner/f.txt
chown -R 2000:2000 locked
chmod 000 locked/inner/f.txt locked/inner locked
chown 1001:3000 sg; chmod 2770 sg; printf 'g' > sg/x; chown 1001:3000 sg/x
ln -s does/not/exist dangling
tar -C /volume -xpf /in/sparse.tar
touch -d '2022-02-02 02:02:02.123456789' sg/x sparse.bin
touch -d '2021-01-01 01:01:01.5' sg
`;

let h: JobsHarness;
let sparseDir: string;
let source: string;
const containers: string[] = [];

beforeAll(async () => {
  h = await jobsHarness();
  sparseDir = sparseTar();
  source = await createVolume('vops-src');
  await fill(source, HARD_CONTENT);
}, 120_000);

afterAll(async () => {
  for (const id of containers) await removeContainerQuietly(id);
  await h?.close();
  await removeTestVolumes();
  if (sparseDir) fs.rmSync(sparseDir, { recursive: true, force: true });
});

async function fails(p: Promise<unknown>): Promise<{ code: string; message: string; hint?: string }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string; hint?: string };
  }
  throw new Error('expected a refusal');
}

/** Allocated 512-byte blocks and apparent size of a file in a volume. */
async function blocks(volume: string, rel: string): Promise<{ blocks: number; size: number }> {
  const [b, s] = (await inVolume(volume, `stat -c '%b %s' /volume/${rel}`)).trim().split(' ');
  return { blocks: Number(b), size: Number(s) };
}

/** Nanosecond mtimes of every entry (treeOf compares by the second). */
async function nanoTimes(volume: string): Promise<string> {
  return inVolume(volume, `cd /volume && find . -printf '%T@ %p\\n' | sort -k2`);
}

async function volumeUser(volume: string, run: boolean): Promise<string> {
  const c = await docker.createContainer({
    Image: SEED_IMAGE,
    name: uniqueName('vops-user'),
    Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
    Labels: { ...TEST_LABEL },
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] },
  });
  containers.push(c.id);
  if (run) await c.start();
  return (await c.inspect()).Name.replace(/^\//, '');
}

async function cloneOf(src: string): Promise<{ target: string; done: JobSummary }> {
  const target = newVolumeName('vops-clone');
  const job = await h.core.volumeOps.clone({ source: src, target });
  return { target, done: await h.finish(job) };
}

describe('clone', () => {
  it('copies every entry exactly: owners, modes, times (to the nanosecond), links, hard links, holes', async () => {
    const before = await treeOf(source);
    const { target, done } = await cloneOf(source);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.kind).toBe('clone');
    expect(done.target).toBe(target);
    const r = done.result as CloneResult;
    expect(r).toMatchObject({ kind: 'clone', source, target, verified: true });
    expect(r.entries).toBe(Object.keys(before).length);
    expect(done.progress.phase).toBe('done');

    const copy = await treeOf(target);
    expect(Object.keys(copy).sort()).toEqual(Object.keys(before).sort());
    for (const [p, e] of Object.entries(before)) expect({ p, ...copy[p] }).toEqual({ p, ...e });
    expect(before['./locked/inner/f.txt']).toMatchObject({ mode: '0', uid: '2000', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(before['./sg']).toMatchObject({ mode: '2770', gid: '3000' });
    expect(before['./dangling']).toMatchObject({ type: 'l', link: 'does/not/exist' });
    expect(before['./data/table.csv']?.links).toBe('./data/table-hardlink.csv|./data/table.csv');
    expect(await nanoTimes(target)).toBe(await nanoTimes(source));
    // The hole stays a hole: 64 MiB apparent, a few KiB on disk.
    const [a, b] = [await blocks(source, 'sparse.bin'), await blocks(target, 'sparse.bin')];
    expect(b.size).toBe(a.size);
    expect(a.blocks).toBeLessThan(100);
    expect(b.blocks).toBeLessThanOrEqual(a.blocks);
    // The source is untouched.
    expect(await treeOf(source)).toEqual(before);
    expect(await ourHelpers(h)).toEqual([]);
  });

  it("keeps the source's labels but Compose's, or takes the labels given", async () => {
    const labelled = uniqueName('vops-labelled');
    await docker.createVolume({
      Name: labelled,
      Labels: { ...TEST_LABEL, 'com.docker.compose.project': 'nb', 'com.docker.compose.volume': 'data', team: 'ds' },
    });
    trackVolume(labelled);
    const { target, done } = await cloneOf(labelled);
    expect(done.status).toBe('succeeded');
    const labels = ((await docker.getVolume(target).inspect()) as { Labels: Record<string, string> }).Labels;
    expect(labels).toEqual({ ...TEST_LABEL, team: 'ds' });

    const other = newVolumeName('vops-clone');
    const job = await h.core.volumeOps.clone({ source: labelled, target: other, labels: { only: 'this' } });
    expect((await h.finish(job)).status).toBe('succeeded');
    expect(((await docker.getVolume(other).inspect()) as { Labels: Record<string, string> }).Labels).toEqual({ only: 'this' });
  });

  it('refuses a taken name, a missing source and a missing helper image before any job exists', async () => {
    const taken = await createVolume('vops-taken');
    const e1 = await fails(h.core.volumeOps.clone({ source, target: taken }));
    expect(e1.code).toBe('VOLUME_EXISTS');
    expect(e1.message).toContain(taken);
    const e2 = await fails(h.core.volumeOps.clone({ source: uniqueName('vops-missing'), target: newVolumeName() }));
    expect(e2.code).toBe('VOLUME_NOT_FOUND');
    await h.core.settings.update({ helperImage: 'ailab-no-such-image:1' });
    try {
      const target = newVolumeName('vops-noimg');
      const e3 = (await fails(h.core.volumeOps.clone({ source, target }))) as { code: string; details?: { canPull?: boolean } };
      expect(e3.code).toBe('IMAGE_NOT_FOUND');
      expect(e3.details?.canPull).toBe(true);
      expect(await volumeExists(target)).toBe(false);
    } finally {
      await h.core.settings.update({ helperImage: SEED_IMAGE });
    }
    expect(h.jobs.list().filter((j) => j.status === 'running')).toEqual([]);
  });

  it('cancelled mid-copy leaves no target and no helper', async () => {
    const big = await createVolume('vops-big');
    await inVolume(big, 'for i in 1 2 3 4 5 6 7 8; do head -c 15000000 /dev/urandom > /volume/blob$i.bin; done');
    const target = newVolumeName('vops-cancel');
    const copying = progressWhere(h, (p) => p.phase === 'copying' && p.filesDone >= 2);
    const job = await h.core.volumeOps.clone({ source: big, target });
    await copying;
    h.jobs.cancel(job.id);
    const done = await h.finish(job);
    expect(done.status).toBe('cancelled');
    expect(done.error?.code).toBe('CANCELLED');
    expect(await volumeExists(target)).toBe(false);
    expect(await ourHelpers(h)).toEqual([]);
  });

  it('warns about a running container writing to the source, and stops it when asked', async () => {
    const vol = await createVolume('vops-used');
    await inVolume(vol, 'echo hi > /volume/a');
    const name = await volumeUser(vol, true);
    const target = newVolumeName('vops-clone');
    const warned = await h.finish(await h.core.volumeOps.clone({ source: vol, target }));
    expect(warned.status).toBe('succeeded');
    expect(warned.warnings.join(' ')).toContain(name);

    const stopped = await h.finish(await h.core.volumeOps.clone({ source: vol, target: newVolumeName('vops-clone'), stopContainers: true }));
    expect(stopped.status).toBe('succeeded');
    expect(stopped.warnings).toEqual([]);
    expect(stopped.stoppedContainers.map((c) => c.name)).toEqual([name]);
    expect(((await docker.getContainer(name).inspect()) as { State: { Running: boolean } }).State.Running).toBe(true);
  });
});

describe('rename', () => {
  it('is refused while a container uses the volume, naming it, even stopped', async () => {
    const vol = await createVolume('vops-ren-used');
    const name = await volumeUser(vol, false);
    const e = await fails(h.core.volumeOps.rename({ from: vol, to: newVolumeName('vops-ren') }));
    expect(e.code).toBe('VOLUME_IN_USE');
    expect(e.message).toContain(name);
    expect(e.message).toMatch(/cannot be renamed/);
    expect(e.hint).toMatch(/Remove that container first/);
  });

  it('copies, verifies and removes the old volume; a taken new name is refused', async () => {
    const old = await createVolume('vops-ren-old');
    await fill(old, HARD_CONTENT);
    const before = await treeOf(old);
    const taken = await createVolume('vops-ren-taken');
    expect((await fails(h.core.volumeOps.rename({ from: old, to: taken }))).code).toBe('VOLUME_EXISTS');

    const to = newVolumeName('vops-ren-new');
    const done = await h.finish(await h.core.volumeOps.rename({ from: old, to }));
    expect(done.error).toBeNull();
    expect(done.result as RenameResult).toMatchObject({ kind: 'rename', from: old, to, entries: Object.keys(before).length });
    expect(await volumeExists(old)).toBe(false);
    expect(await treeOf(to)).toEqual(before);
  });

  it('keeps the old volume as it was and removes the new one when the copy stops', async () => {
    const old = await createVolume('vops-ren-keep');
    await inVolume(old, 'for i in 1 2 3 4 5 6 7 8; do head -c 15000000 /dev/urandom > /volume/blob$i.bin; done');
    const before = await treeOf(old);
    const to = newVolumeName('vops-ren-new');
    const copying = progressWhere(h, (p) => p.phase === 'copying' && p.filesDone >= 2);
    const job = await h.core.volumeOps.rename({ from: old, to });
    await copying;
    h.jobs.cancel(job.id);
    const done = await h.finish(job);
    expect(done.status).toBe('cancelled');
    expect(await volumeExists(to)).toBe(false);
    expect(await treeOf(old)).toEqual(before);
    expect(await ourHelpers(h)).toEqual([]);
  });
});

describe('empty', () => {
  it('takes a verified safety backup first that restores the tree, then removes everything', async () => {
    const vol = await createVolume('vops-empty');
    await fill(vol, HARD_CONTENT);
    const before = await treeOf(vol);
    const done = await h.finish(await h.core.volumeOps.empty({ volume: vol }));
    expect(done.error).toBeNull();
    const r = done.result as EmptyResult;
    expect(r.removedEntries).toBe(Object.keys(before).length - 1);
    expect(r.safetyBackup).toMatch(/\/safety\/.*\.tgz$/);
    expect(fs.existsSync(r.safetyBackup as string)).toBe(true);
    expect((await h.jobs.listSafetyBackups()).map((s) => s.file)).toContain(r.safetyBackup);
    expect(await inVolume(vol, 'find /volume -mindepth 1 | wc -l')).toBe('0\n');

    const back = newVolumeName('vops-back');
    const restored = await h.finish(await h.jobs.startRestore({ source: { archivePath: r.safetyBackup as string }, volume: back, mode: 'new' }));
    expect(restored.error).toBeNull();
    expect(await treeOf(back)).toEqual(before);
  });

  it('without a safety backup; refused while a user runs unless asked to stop it', async () => {
    const vol = await createVolume('vops-empty-nosafe');
    await inVolume(vol, 'mkdir -p /volume/a/b && echo x > /volume/a/b/c && chmod 000 /volume/a/b');
    const name = await volumeUser(vol, true);
    const e = await fails(h.core.volumeOps.empty({ volume: vol, safetyBackup: false }));
    expect(e.code).toBe('VOLUME_IN_USE');
    expect(e.message).toContain(name);
    const safetyBefore = (await h.jobs.listSafetyBackups()).length;
    const done = await h.finish(await h.core.volumeOps.empty({ volume: vol, safetyBackup: false, stopContainers: true }));
    expect(done.error).toBeNull();
    expect(done.result as EmptyResult).toMatchObject({ removedEntries: 3, safetyBackup: null });
    expect((await h.jobs.listSafetyBackups()).length).toBe(safetyBefore);
    expect(await inVolume(vol, 'find /volume -mindepth 1 | wc -l')).toBe('0\n');
    expect(done.stoppedContainers.map((c) => c.name)).toEqual([name]);
    expect(((await docker.getContainer(name).inspect()) as { State: { Running: boolean } }).State.Running).toBe(true);
  });
});

describe('Docker going away mid-copy', () => {
  it('fails with DOCKER_UNREACHABLE, the source untouched; the half-made volume and the helper go once Docker is back', async () => {
    const big = await createVolume('vops-lost');
    await inVolume(big, 'for i in 1 2 3 4 5 6 7 8; do head -c 15000000 /dev/urandom > /volume/blob$i.bin; done');
    const before = await treeOf(big);
    const proxy = dockerProxy();
    await proxy.on();
    const proxied = await jobsHarness({ DOCKER_HOST: `unix://${proxy.socketPath}` });
    try {
      const target = newVolumeName('vops-lost-copy');
      const copying = progressWhere(proxied, (p) => p.phase === 'copying' && p.filesDone >= 2);
      const job = await proxied.core.volumeOps.clone({ source: big, target });
      await copying;
      await proxy.off();
      const done = await proxied.finish(job);
      expect(done.status).toBe('failed');
      expect(done.error?.code).toBe('DOCKER_UNREACHABLE');
      expect(done.error?.message).toMatch(/Lost the connection to Docker during the clone/);
      expect(done.warnings.join(' ')).toContain(`docker volume rm ${target}`);
      await proxy.on();
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && ((await volumeExists(target)) || (await ourHelpers(proxied)).length > 0)) await new Promise((r) => setTimeout(r, 500));
      expect(await volumeExists(target)).toBe(false);
      expect(await ourHelpers(proxied)).toEqual([]);
      expect(await treeOf(big)).toEqual(before);
    } finally {
      await proxied.close();
      await proxy.dispose();
    }
  });
});
