import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCS_FILE } from '../../shared/ailab';
import type { BackupResult, JobLogChunk, JobProgress, RestoreResult } from '../../shared/contract/jobs';
import { docker } from '../support/docker';
import { runGuideTar } from '../support/guideTar';
import { createVolume, inVolume, jobsWithSource, newVolumeName, ourHelpers, removeTestVolumes, RICH_CONTENT, treeOf, type JobsHarness } from './jobs-support';

let h: JobsHarness;
let out: string;
let source: string;
let archive: BackupResult;

beforeAll(async () => {
  ({ h, out, source } = await jobsWithSource('jobs-modes-src', RICH_CONTENT));
  archive = (await h.finish(await h.jobs.startBackup({ volume: source, dir: out, fileName: 'src.tgz' }))).result as BackupResult;
});

afterAll(async () => {
  await h?.close();
  await removeTestVolumes();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('the restore plan', () => {
  it('says what a restore into an existing volume overwrites, the SCS included, and changes nothing', async () => {
    const target = await createVolume('jobs-plan');
    await inVolume(target, `mkdir -p /volume/notebooks /volume/mine && echo old > /volume/${SCS_FILE} && echo keep > /volume/mine/x`);
    const treeBefore = await treeOf(target);
    const plan = await h.jobs.planRestore({ source: { archivePath: archive.file }, volume: target });
    expect(plan.archive.entries).toBe(archive.entries);
    expect(plan.archive.sha256).toBe(archive.sha256);
    expect(plan.archive.containsScs).toBe(true);
    expect(plan.manifest?.volume).toBe(source);
    expect(plan.target).toMatchObject({ volume: target, exists: true, overwritesScs: true });
    expect([...(plan.target?.overwritten ?? [])].sort()).toEqual([SCS_FILE, 'notebooks'].sort());
    expect(plan.suggestedVolume).toBe(`${source}-restored`);
    expect(await treeOf(target)).toEqual(treeBefore);
    expect(await ourHelpers(h)).toEqual([]);
  });
});

describe('modes', () => {
  it("merge overwrites files of the same name and keeps the others (the seed's tar -x)", async () => {
    const target = await createVolume('jobs-merge');
    await inVolume(target, 'mkdir -p /volume/notebooks && echo mine > /volume/notebooks/start.ipynb && echo keep > /volume/only-here.txt');
    const done = await h.finish(await h.jobs.startRestore({ source: { archivePath: archive.file }, volume: target, mode: 'merge' }));
    expect(done.status).toBe('succeeded');
    const tree = await treeOf(target);
    const src = await treeOf(source);
    expect(tree['./notebooks/start.ipynb']?.sha256).toBe(src['./notebooks/start.ipynb']?.sha256);
    expect(tree['./only-here.txt']).toBeDefined();
    expect((done.result as RestoreResult).safetyBackup).toBeNull();
  });

  it('replace takes a safety backup first, then leaves exactly the archive', async () => {
    const target = await createVolume('jobs-replace');
    await inVolume(target, 'mkdir -p /volume/old && echo old > /volume/old/file.txt && echo stale > /volume/stale.txt');
    const original = await treeOf(target);
    const done = await h.finish(await h.jobs.startRestore({ source: { archivePath: archive.file }, volume: target, mode: 'replace', engine: 'tar' }));
    expect(done.error).toBeNull();
    const result = done.result as RestoreResult;
    expect(await treeOf(target)).toEqual(await treeOf(source));
    expect(result.safetyBackup).toMatch(new RegExp(`safety/${target}-\\d{8}-\\d{6}\\.tgz$`));
    const safety = await h.jobs.listSafetyBackups();
    expect(safety.map((s) => s.file)).toContain(result.safetyBackup);
    expect(safety.find((s) => s.file === result.safetyBackup)?.volume).toBe(target);
    // The safety backup holds the previous contents.
    const back = newVolumeName('jobs-safety-back');
    await h.finish(await h.jobs.startRestore({ source: { archivePath: result.safetyBackup as string }, volume: back, mode: 'new' }));
    expect(await treeOf(back)).toEqual(original);
    expect(await h.jobs.deleteSafetyBackup(result.safetyBackup as string)).toEqual(safety.filter((s) => s.file !== result.safetyBackup));
  });

  it('a cancelled replace puts the previous contents back', async () => {
    const bigSrc = await createVolume('jobs-bigsrc');
    await inVolume(bigSrc, 'for i in 1 2 3 4; do head -c 25000000 /dev/urandom > /volume/b$i.bin; done');
    const big = (await h.finish(await h.jobs.startBackup({ volume: bigSrc, dir: out, fileName: 'big.tgz' }))).result as BackupResult;
    const target = await createVolume('jobs-replace-cancel');
    await inVolume(target, 'mkdir -p /volume/precious && echo precious > /volume/precious/data.txt');
    const original = await treeOf(target);
    const unpacking = new Promise<void>((resolve) => {
      const off = h.core.bus.on('jobProgress', (list: JobProgress[]) => {
        if (list.some((p) => p.phase === 'unpacking' && p.bytesDone > 20_000_000)) {
          off();
          resolve();
        }
      });
    });
    const job = await h.jobs.startRestore({ source: { archivePath: big.file }, volume: target, mode: 'replace' });
    await unpacking;
    h.jobs.manager.cancel(job.id);
    const done = await h.finish(job);
    expect(done.status).toBe('cancelled');
    expect(done.warnings.join('\n')).toMatch(/put back from the safety backup/);
    expect(await treeOf(target)).toEqual(original);
    expect(await ourHelpers(h)).toEqual([]);
  });

  it('strips a wrapping top folder', async () => {
    const wrapped = await createVolume('jobs-wrapped');
    await inVolume(wrapped, 'mkdir -p /volume/notebooks/sub && echo a > /volume/notebooks/a.ipynb && echo b > /volume/notebooks/sub/b.txt');
    // An archive of the folder itself, as `tar czf x.tgz notebooks` makes it: entries notebooks/...
    runGuideTar({ volume: wrapped, dir: out }, ['-czf', '/dest/wrapped.tgz', 'notebooks']);
    const file = path.join(out, 'wrapped.tgz');
    const plan = await h.jobs.planRestore({ source: { archivePath: file }, volume: null });
    expect(plan.archive.topFolder).toBe('notebooks/');
    // A copied folder: the strip is offered, never chosen for the user.
    expect(plan.stripTopFolder).toBe(false);
    expect(plan.topFolder).toMatchObject({ folder: 'notebooks/', offered: true });
    expect(plan.topFolder?.examples).toContainEqual({ path: 'notebooks/a.ipynb', stripped: 'a.ipynb' });
    const stripped = await h.jobs.planRestore({ source: { archivePath: file }, volume: wrapped, stripTopFolder: true });
    expect(stripped.stripTopFolder).toBe(true);
    // What is overwritten is said of the names a stripped restore writes.
    expect(stripped.target?.overwritten).toEqual([]);

    // The same tree backed up with the AI-Lab guide's command ("./" entry first) is a volume backup: not offered.
    runGuideTar({ volume: wrapped, dir: out }, ['-czf', '/dest/guide.tgz', '.']);
    const guide = await h.jobs.planRestore({ source: { archivePath: path.join(out, 'guide.tgz') }, volume: null });
    expect(guide.archive.topFolder).toBe('notebooks/');
    expect(guide.stripTopFolder).toBe(false);
    expect(guide.topFolder).toMatchObject({ folder: 'notebooks/', offered: false });
    expect(guide.topFolder?.why).toMatch(/whole volume .*restored as it was/);
    for (const engine of ['fast', 'tar'] as const) {
      const target = newVolumeName(`jobs-stripped-${engine}`);
      const done = await h.finish(await h.jobs.startRestore({ source: { archivePath: file }, volume: target, mode: 'new', engine, stripTopFolder: true }));
      expect(done.error).toBeNull();
      expect((done.result as RestoreResult).strippedPrefix).toBe('notebooks/');
      const tree = await treeOf(target);
      expect(Object.keys(tree).sort()).toEqual(['.', './a.ipynb', './sub', './sub/b.txt']);
    }
  });
});

describe('jobs', () => {
  it('refuses a second job on the same volume, saying which job holds it', async () => {
    const first = await h.jobs.startBackup({ volume: source, dir: out, fileName: 'first.tgz' });
    await expect(h.jobs.startBackup({ volume: source, dir: out, fileName: 'second.tgz' })).rejects.toMatchObject({
      code: 'JOB_CONFLICT',
      message: expect.stringMatching(/backup of .* is already running/),
      details: { jobId: first.id },
    });
    await expect(h.jobs.startRestore({ source: { archivePath: archive.file }, volume: source, mode: 'merge' })).rejects.toMatchObject({ code: 'JOB_CONFLICT' });
    await h.finish(first);
  });

  it('asks before overwriting a file', async () => {
    await expect(h.jobs.startBackup({ volume: source, dir: out, fileName: 'src.tgz' })).rejects.toMatchObject({
      code: 'FILE_EXISTS',
      details: { path: archive.file },
    });
    const done = await h.finish(await h.jobs.startBackup({ volume: source, dir: out, fileName: 'src.tgz', overwrite: true }));
    expect(done.status).toBe('succeeded');
    archive = done.result as BackupResult;
  });

  it('says when the helper image is missing, with an offer to pull that fails clearly without a registry', async () => {
    await h.core.settings.update({ helperImage: 'ailab-no-such-helper:never' });
    try {
      await expect(h.jobs.startBackup({ volume: source, dir: out, fileName: 'x.tgz', engine: 'tar' })).rejects.toMatchObject({
        code: 'IMAGE_NOT_FOUND',
        details: { image: 'ailab-no-such-helper:never', canPull: true },
      });
      await expect(h.jobs.pullHelperImage()).rejects.toMatchObject({ code: 'IMAGE_PULL_FAILED' });
      // The fast engine needs an image only to create a container: any present image will do.
      const done = await h.finish(await h.jobs.startBackup({ volume: source, dir: out, fileName: 'any-image.tgz', engine: 'fast' }));
      expect(done.error).toBeNull();
      expect((done.result as BackupResult).entries).toBe(archive.entries);
      // ...and so does its restore (through the Engine's PUT /archive, the volume root fixed up after).
      const target = newVolumeName('jobs-any-image');
      const restored = await h.finish(
        await h.jobs.startRestore({ source: { archivePath: (done.result as BackupResult).file }, volume: target, mode: 'new', engine: 'fast' }),
      );
      expect(restored.error).toBeNull();
      expect(await treeOf(target)).toEqual(await treeOf(source));
    } finally {
      await h.core.settings.update({ helperImage: 'ubuntu' });
    }
  });

  it('keeps the log on disk and the last lines in memory, and records the history', async () => {
    const chunks: JobLogChunk[] = [];
    const off = h.core.bus.on('jobLog', (list) => chunks.push(...list));
    const done = await h.finish(await h.jobs.startBackup({ volume: source, dir: out, fileName: 'logged.tgz', engine: 'tar' }));
    off();
    const detail = await h.jobs.manager.get(done.id);
    expect(detail.log).toContain('./notebooks/sp ace/ünïcödé ✓/fïle ü.txt');
    const streamed = chunks.filter((c) => c.jobId === done.id).flatMap((c) => c.lines);
    expect(streamed).toEqual(detail.log.slice(-streamed.length));
    const onDisk = fs.readFileSync(detail.logFile, 'utf8').trimEnd().split('\n');
    expect(onDisk).toEqual(detail.log);
    const history = await h.jobs.manager.history.list();
    expect(history[0]).toMatchObject({ id: done.id, kind: 'backup', volume: source, status: 'succeeded', file: path.join(out, 'logged.tgz') });
    const persisted = JSON.parse(fs.readFileSync(path.join(h.home, 'jobs', 'history.json'), 'utf8')) as { jobs: Array<{ id: string }> };
    expect(persisted.jobs[0]?.id).toBe(done.id);
    // List contents: the seed's `tar tf`.
    const page = await h.jobs.listArchiveEntries(path.join(out, 'logged.tgz'), 0, 5);
    expect(page.entries.map((e) => e.path)[0]).toBe('./');
    expect(page.more).toBe(true);
    await expect(h.jobs.listArchiveEntries('/etc/passwd', 0, 5)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('stops the containers using the volume when asked, and starts them again', async () => {
    const vol = await createVolume('jobs-stop');
    await inVolume(vol, 'echo x > /volume/x');
    const c = await docker.createContainer({
      Image: 'ubuntu',
      Cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
      Labels: { 'com.exasol.ailab-desktop.test': '1' },
      HostConfig: { Mounts: [{ Type: 'volume', Source: vol, Target: '/data' }] },
    });
    try {
      await c.start();
      const plan = await h.jobs.prepareBackup(vol);
      expect(plan.containers).toEqual([expect.objectContaining({ id: c.id, running: true })]);
      const warned = await h.finish(await h.jobs.startBackup({ volume: vol, dir: out, fileName: 'live.tgz' }));
      expect(warned.warnings.join('\n')).toMatch(/mid-write/);
      const done = await h.finish(await h.jobs.startBackup({ volume: vol, dir: out, fileName: 'stopped.tgz', stopContainers: true }));
      expect(done.stoppedContainers.map((s) => s.id)).toEqual([c.id]);
      expect(((await c.inspect()) as { State: { Running: boolean } }).State.Running).toBe(true);
    } finally {
      await c.remove({ force: true, v: true });
    }
  });
});
