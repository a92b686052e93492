import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult, JobEngine, RestoreResult } from '../../shared/contract/jobs';
import {
  jobsWithSource,
  newVolumeName,
  ourHelpers,
  removeTestVolumes,
  RICH_CONTENT,
  seedBackup,
  seedRestore,
  treeOf,
  type JobsHarness,
  type TreeEntry,
} from './jobs-support';

let h: JobsHarness;
let source: string;
let sourceTree: Record<string, TreeEntry>;
let out: string;

beforeAll(async () => {
  ({ h, out, source } = await jobsWithSource('jobs-interop-src', RICH_CONTENT));
  sourceTree = await treeOf(source);
});

afterAll(async () => {
  await h?.close();
  await removeTestVolumes();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('the fixture tree', () => {
  it('has what the interop checks are about', () => {
    expect(sourceTree['.']).toMatchObject({ type: 'd', uid: '1001', mode: '775', mtime: '1660000000' });
    expect(sourceTree['./venv/bin/python']).toMatchObject({ type: 'l', link: '/usr/bin/python3', uid: '1001' });
    expect(sourceTree['./data/table.csv']?.links).toBe('./data/table-hardlink.csv|./data/table.csv');
    expect(sourceTree['./notebooks/sp ace/ünïcödé ✓/fïle ü.txt']?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sourceTree['./empty/inner']).toMatchObject({ type: 'd', mode: '700' });
    expect(sourceTree['./data/blob.bin']).toMatchObject({ uid: '1234', gid: '5678', mtime: '1700000000' });
  });
});

describe.each<JobEngine>(['fast', 'tar'])('%s engine', (engine) => {
  it('backs up to an archive that the seed command restores to an identical tree', async () => {
    const fileName = `app-${engine}.tgz`;
    const job = await h.jobs.startBackup({ volume: source, dir: out, fileName, engine });
    const done = await h.finish(job);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    const result = done.result as BackupResult;
    expect(result.file).toBe(path.join(out, fileName));
    expect(result.entries).toBe(Object.keys(sourceTree).length);
    expect(result.compressedBytes).toBe(fs.statSync(result.file).size);
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(done.progress.phase).toBe('done');
    expect(done.progress.filesTotal).toBe(Object.keys(sourceTree).length);
    // The manifest sidecar.
    const manifest = JSON.parse(fs.readFileSync(`${result.file}.json`, 'utf8')) as { volume: string; sha256: string; entries: number };
    expect(manifest).toMatchObject({ volume: source, sha256: result.sha256, entries: result.entries });
    // No temporary file left beside it.
    expect(fs.readdirSync(out).filter((n) => n.includes('partial'))).toEqual([]);

    const target = newVolumeName(`jobs-seedrestore-${engine}`);
    await createVolumeNamed(target);
    await seedRestore(target, result.file);
    expect(await treeOf(target)).toEqual(sourceTree);
    expect(await ourHelpers(h)).toEqual([]);
    if (engine === 'fast') expect((await h.jobs.manager.get(done.id)).log).toContain('tar writes the archive into a FIFO.');
  });

  it('restores an archive made by the seed command into a new volume, identical to the source', async () => {
    const seedFile = await seedBackup(source, out, `seed-for-${engine}.tgz`);
    const target = newVolumeName(`jobs-apprestore-${engine}`);
    const job = await h.jobs.startRestore({ source: { archivePath: seedFile }, volume: target, mode: 'new', engine });
    const done = await h.finish(job);
    expect(done.error).toBeNull();
    const result = done.result as RestoreResult;
    expect(result.createdVolume).toBe(true);
    expect(result.entries).toBe(Object.keys(sourceTree).length);
    // Counted alike: the archive's "./" entry is the volume folder, counted in the volume too.
    expect(result.volumeEntries).toBe(Object.keys(sourceTree).length);
    expect(result.volumeEntries).toBe(result.entries);
    expect(await treeOf(target)).toEqual(sourceTree);
    expect(await ourHelpers(h)).toEqual([]);
    // A local Linux engine: the fast engine's writers read FIFOs, not stdin through dockerd.
    if (engine === 'fast') expect((await h.jobs.manager.get(done.id)).log.join('\n')).toMatch(/each reading its share from a FIFO/);
  });
});

describe('fast engine over stdin/stdout (remote engines, Docker Desktop, AILAB_FIFO_FEEDS=0)', () => {
  beforeAll(() => {
    process.env.AILAB_FIFO_FEEDS = '0';
  });
  afterAll(() => {
    delete process.env.AILAB_FIFO_FEEDS;
  });

  it('backs up over stdout to an archive the seed command restores to the identical tree', async () => {
    const done = await h.finish(await h.jobs.startBackup({ volume: source, dir: out, fileName: 'app-fast-stdout.tgz', engine: 'fast' }));
    expect(done.error).toBeNull();
    expect((await h.jobs.manager.get(done.id)).log).toContain('tar writes the archive to its stdout (no FIFO: AILAB_FIFO_FEEDS=0).');
    const target = newVolumeName('jobs-seedrestore-stdout');
    await createVolumeNamed(target);
    await seedRestore(target, (done.result as BackupResult).file);
    expect(await treeOf(target)).toEqual(sourceTree);
  });

  it('restores the seed archive over stdin to the identical tree', async () => {
    const seedFile = await seedBackup(source, out, 'seed-for-stdin.tgz');
    const target = newVolumeName('jobs-apprestore-stdin');
    const done = await h.finish(await h.jobs.startRestore({ source: { archivePath: seedFile }, volume: target, mode: 'new', engine: 'fast' }));
    expect(done.error).toBeNull();
    expect((await h.jobs.manager.get(done.id)).log.join('\n')).toMatch(/each reading its share on stdin \(no FIFOs: AILAB_FIFO_FEEDS=0\)/);
    expect(await treeOf(target)).toEqual(sourceTree);
    expect(await ourHelpers(h)).toEqual([]);
  });
});

async function createVolumeNamed(name: string): Promise<void> {
  const { docker, TEST_LABEL } = await import('../support/docker');
  await docker.createVolume({ Name: name, Labels: { ...TEST_LABEL } });
}
