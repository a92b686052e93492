import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished as onTestEnd } from 'vitest';
import { LABELS } from '../../shared/ailab';
import type { JobProgress, JobSummary } from '../../shared/contract/jobs';
import type { TransferResult } from '../../shared/contract/volumeOps';
import { docker, ENGINE_SOCKET, TEST_LABEL, uniqueName } from '../support/docker';
import { dockerProxy, type DockerProxy } from '../support/dockerProxy';
import { startSecondEngine, withContexts, type SecondEngine } from '../support/secondEngine';
import { waitForEvent, waitUntil } from '../support/wait';
import { createVolume, inVolume, jobsHarness, ourHelpers, removeTestVolumes, RICH_CONTENT, SEED_IMAGE, treeOf, type JobsHarness } from './jobs-support';

/**
 * Transfers from the test engine to a second real dockerd (its own data root and socket) that starts
 * with no images at all, as a fresh server: the helper image has to travel first. Contexts in a
 * DOCKER_CONFIG of the test's own: `xfer` (the second engine), `xfer-cut` (the same engine behind a
 * proxy the test can switch off), `gone` (a socket nobody listens on), `self` (the test engine again).
 */

/** What RICH_CONTENT lacks: mode 000 (file and folder), setgid, a sparse file with a hole of 64 MiB. */
const MORE_CONTENT = `
set -e
cd /volume
printf 'locked' > locked.txt && chmod 000 locked.txt
mkdir closed && printf x > closed/inside && chmod 000 closed
mkdir sg && chown 1001:2000 sg && chmod 2770 sg
truncate -s 64M sparse.img && printf 'middle' | dd of=sparse.img bs=1 seek=33554432 conv=notrunc 2>/dev/null
touch -d @1650000000 locked.txt closed/inside sparse.img && touch -d @1650000000 closed sg
touch -d @1660000000 /volume
`;

let h: JobsHarness;
let second: SecondEngine;
let proxy: DockerProxy;
let configDir: string;
let source: string;
const onSecond = new Set<string>();

async function secondHas(name: string): Promise<boolean> {
  return second.docker
    .getVolume(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

function targetName(prefix = 'xfer'): string {
  const n = uniqueName(prefix);
  onSecond.add(n);
  return n;
}

async function secondHelpers(): Promise<string[]> {
  return (await second.docker.listContainers({ all: true, filters: { label: [LABELS.job] } })).map((c) => c.Id);
}

async function transfer(opts: { volume: string; toContext?: string; as?: string; mode?: 'new' | 'replace' | 'merge' }): Promise<JobSummary> {
  const job = await h.core.volumeOps.transfer({ toContext: 'xfer', ...opts });
  return h.finish(job);
}

/** A volume on the second engine holding what `script` makes: made here and transferred (the engine may have no image to run it with yet). */
async function onTargetWith(name: string, script: string): Promise<void> {
  const theirs = await createVolume('xfer-theirs');
  await inVolume(theirs, script);
  const done = await transfer({ volume: theirs, as: name });
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
}

/** Allocated 512-byte blocks of a file (the sparse file's hole must stay a hole). */
async function blocks(volume: string, file: string, engine = docker): Promise<number> {
  return Number((await inVolume(volume, `stat -c %b /volume/${file}`, [], engine)).trim());
}

beforeAll(async () => {
  second = await startSecondEngine('xfer', 8);
  // A fresh server: no images (an earlier run left the helper image there).
  for (const img of await second.docker.listImages()) await second.docker.getImage(img.Id).remove({ force: true });
  proxy = dockerProxy(undefined, second.socket);
  await proxy.on();
  configDir = withContexts(fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-xfer-config-')), {
    xfer: second.host,
    'xfer-cut': `unix://${proxy.socketPath}`,
    gone: 'unix:///nonexistent/ailab/docker.sock',
    self: `unix://${ENGINE_SOCKET}`,
  });
  h = await jobsHarness({ DOCKER_CONFIG: configDir });
  source = await createVolume('xfer-src');
  await inVolume(source, RICH_CONTENT + MORE_CONTENT);
}, 120_000);

afterAll(async () => {
  for (const n of onSecond)
    await second?.docker
      .getVolume(n)
      .remove({ force: true })
      .catch(() => undefined);
  await h?.close();
  await proxy?.dispose();
  await second?.stop();
  await removeTestVolumes();
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
});

describe('transfer to another engine', () => {
  it('sends the helper image to an engine without images, then the volume, exact', async () => {
    const before = await treeOf(source);
    const as = targetName();
    const done = await transfer({ volume: source, as });
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const r = done.result as TransferResult;
    expect(r.helperImageCopied).toBe('ubuntu:latest');
    expect(r.verified).toBe(true);
    expect(r.createdVolume).toBe(true);
    expect(r.toEngine).toBe(second.host);
    expect(r.streamBytes).toBeGreaterThan(3_000_000);
    expect(await second.docker.getImage(`${SEED_IMAGE}:latest`).inspect()).toBeTruthy();
    const arrived = await treeOf(as, second.docker);
    expect(arrived).toEqual(before);
    expect(arrived['./locked.txt']?.mode).toBe('0');
    expect(arrived['./sg']?.mode).toBe('2770');
    expect(arrived['./data/table-hardlink.csv']?.links).toBe('./data/table-hardlink.csv|./data/table.csv');
    // The hole stayed a hole: 64 MiB of size, a few blocks on disk.
    expect(await blocks(as, 'sparse.img', second.docker)).toBeLessThan(1024);
    expect(await treeOf(source)).toEqual(before);
    expect(await ourHelpers(h)).toEqual([]);
    expect(await secondHelpers()).toEqual([]);
    // The helper went to the target once: the next transfer finds it there.
    const again = await transfer({ volume: source, as: targetName() });
    expect((again.result as TransferResult).helperImageCopied).toBeNull();
  }, 180_000);

  it('refuses a taken name before anything moves', async () => {
    const as = targetName('xfer-taken');
    await second.docker.createVolume({ Name: as, Labels: TEST_LABEL });
    await expect(h.core.volumeOps.transfer({ volume: source, toContext: 'xfer', as })).rejects.toMatchObject({ code: 'VOLUME_EXISTS' });
    await expect(h.core.volumeOps.transfer({ volume: source, toContext: 'xfer', as: targetName(), mode: 'merge' })).rejects.toMatchObject({
      code: 'VOLUME_NOT_FOUND',
    });
  });

  it('refuses an unknown, an unreachable and the same engine, saying why', async () => {
    await expect(h.core.volumeOps.transfer({ volume: source, toContext: 'nowhere' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('Known contexts: default, gone, self, xfer, xfer-cut') as unknown,
    });
    await expect(h.core.volumeOps.transfer({ volume: source, toContext: 'gone' })).rejects.toMatchObject({
      code: 'DOCKER_UNREACHABLE',
      message: expect.stringContaining('gone (unix:///nonexistent/ailab/docker.sock) does not answer') as unknown,
    });
    await expect(h.core.volumeOps.transfer({ volume: source, toContext: 'self' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('that is this engine; use clone') as unknown,
    });
  }, 60_000);

  it('merges into an existing volume, removing nothing', async () => {
    const as = targetName('xfer-merge');
    await onTargetWith(as, 'printf keep > /volume/theirs.txt && chmod 640 /volume/theirs.txt');
    const done = await transfer({ volume: source, as, mode: 'merge' });
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const arrived = await treeOf(as, second.docker);
    expect(arrived['./theirs.txt']?.mode).toBe('640');
    const { ['./theirs.txt']: _, ...rest } = arrived;
    const mine = await treeOf(source);
    expect(rest).toEqual(mine);
  }, 120_000);

  it('replaces a volume after a safety backup of its contents on this machine', async () => {
    const as = targetName('xfer-replace');
    await onTargetWith(as, 'mkdir /volume/old && printf old > /volume/old/file');
    const done = await transfer({ volume: source, as, mode: 'replace' });
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(await treeOf(as, second.docker)).toEqual(await treeOf(source));
    const safety = fs.readdirSync(path.join(h.home, 'safety')).filter((f) => f.endsWith('.tgz') && f.startsWith(as));
    expect(safety).toHaveLength(1);
    expect((done.result as TransferResult).safetyBackup).toBe(path.join(h.home, 'safety', safety[0] as string));
    // It holds what the target had: the old file, nothing of the source.
    const listed = execFileSync('tar', ['-tzf', path.join(h.home, 'safety', safety[0] as string)], { encoding: 'utf8' }).split('\n');
    expect(listed).toContain('./old/file');
    expect(listed).not.toContain('./data/blob.bin');
    expect(await secondHelpers()).toEqual([]);
  }, 120_000);

  it('stops with DISK_FULL naming the target engine when its volume is full (merge into a 1 MiB tmpfs)', async () => {
    const as = targetName('xfer-full');
    await second.docker.createVolume({ Name: as, Labels: TEST_LABEL, DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    const done = await transfer({ volume: source, as, mode: 'merge' });
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('DISK_FULL');
    expect(done.error?.message).toContain(`on the target engine xfer (${second.host}) is full`);
    expect(await ourHelpers(h)).toEqual([]);
    expect(await secondHelpers()).toEqual([]);
  }, 120_000);

  it('a replace that fails on the target puts the previous contents back (a full 1 MiB disk)', async () => {
    const as = targetName('xfer-putback');
    // A tmpfs volume is mounted afresh for each container (its contents go with the last one), so the
    // small disk is a host tmpfs bound into the volume: it keeps what was written between helpers.
    const disk = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-xfer-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk]);
    onTestEnd(async () => {
      await second.docker
        .getVolume(as)
        .remove({ force: true })
        .catch(() => undefined);
      execFileSync('umount', [disk]);
      fs.rmdirSync(disk);
    });
    await second.docker.createVolume({ Name: as, Labels: TEST_LABEL, DriverOpts: { type: 'none', o: 'bind', device: disk } });
    const small = await createVolume('xfer-small');
    await inVolume(small, 'mkdir /volume/old && printf old > /volume/old/file && chown -R 1001:1001 /volume/old && chmod 700 /volume/old');
    const merged = await transfer({ volume: small, as, mode: 'merge' });
    expect(merged.status, JSON.stringify(merged.error)).toBe('succeeded');
    const before = await treeOf(as, second.docker);
    expect(Object.keys(before)).toContain('./old/file');

    const done = await transfer({ volume: source, as, mode: 'replace' });
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('DISK_FULL');
    expect(done.warnings.join(' ')).toContain(`The previous contents of ${as} on xfer (${second.host}) were put back from the safety backup`);
    expect(await treeOf(as, second.docker)).toEqual(before);
    expect(await secondHelpers()).toEqual([]);
  }, 120_000);

  describe('faults mid-stream (a volume large enough to catch it moving)', () => {
    let big: string;
    let bigTree: Awaited<ReturnType<typeof treeOf>>;
    beforeAll(async () => {
      big = await createVolume('xfer-big');
      await inVolume(big, 'head -c 400000000 /dev/urandom > /volume/big.bin');
      bigTree = await treeOf(big);
    }, 120_000);

    const whenCopying = (id: string) =>
      waitForEvent<JobProgress>(
        (fn) => h.core.bus.on('jobProgress', (list) => list.forEach(fn)),
        (p) => p.jobId === id && p.phase === 'copying' && p.bytesDone > 0,
        60_000,
        'the copy to start',
      );

    it('a cancel leaves nothing under the final name on the target', async () => {
      const as = targetName('xfer-cancel');
      const job = await h.core.volumeOps.transfer({ volume: big, toContext: 'xfer', as });
      await whenCopying(job.id);
      h.jobs.cancel(job.id);
      const done = await h.finish(job);
      expect(done.status).toBe('cancelled');
      expect(await secondHas(as)).toBe(false);
      expect(await secondHelpers()).toEqual([]);
      expect(await ourHelpers(h)).toEqual([]);
      expect(await treeOf(big)).toEqual(bigTree);
    }, 120_000);

    it('a cut connection fails the job; once the target answers again the half-made volume is gone', async () => {
      const as = targetName('xfer-cut');
      const job = await h.core.volumeOps.transfer({ volume: big, toContext: 'xfer-cut', as });
      await whenCopying(job.id);
      await proxy.off();
      const done = await h.finish(job);
      expect(done.status).toBe('failed');
      // Said exactly what is left there and how to remove it.
      expect(done.warnings.join(' ')).toContain(`the half-made volume ${as} is still there`);
      expect(done.warnings.join(' ')).toContain(`volume rm ${as}`);
      expect(await ourHelpers(h)).toEqual([]);
      expect(await treeOf(big)).toEqual(bigTree);
      await proxy.on();
      expect(await waitUntil(async () => !(await secondHas(as)) && (await secondHelpers()).length === 0, 40_000, 500)).toBe(true);
    }, 180_000);
  });
});
