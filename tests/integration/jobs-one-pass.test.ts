// A restore into a new volume reads the archive once (issue 17, jobs/onePassRestore.ts), against the real
// engine: the same tree as the check-first path, and for a bad archive exactly the refusal the check
// gives, with nothing left behind. AILAB_RESTORE_CHECK_FIRST=1 is the check-first path these compare with.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEngine, JobPhase, JobSummary } from '../../shared/contract/jobs';
import { end, file, header, pad } from '../unit/tar-craft';
import {
  createVolume,
  inVolume,
  jobsHarness,
  newVolumeName,
  ourHelpers,
  removeTestVolumes,
  RICH_CONTENT,
  seedBackup,
  tempDir,
  treeOf,
  volumeExists,
  type JobsHarness,
} from './jobs-support';
import { docker } from '../support/docker';

let h: JobsHarness;
let dir: string;
const ENGINES: JobEngine[] = ['fast', 'tar'];

beforeAll(async () => {
  h = await jobsHarness();
  dir = tempDir('ailab-jobs-onepass-');
});

afterAll(async () => {
  delete process.env.AILAB_RESTORE_CHECK_FIRST;
  await h?.close();
  await removeTestVolumes();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Restores into a new volume; returns the summary, the phases the job went through, and its log. */
async function restoreNew(archivePath: string, engine: JobEngine, checkFirst = false) {
  const volume = newVolumeName('jobs-onepass');
  const phases: JobPhase[] = [];
  const off = h.core.bus.on('jobProgress', (list) => {
    for (const p of list) if (phases[phases.length - 1] !== p.phase) phases.push(p.phase);
  });
  if (checkFirst) process.env.AILAB_RESTORE_CHECK_FIRST = '1';
  let done: JobSummary;
  try {
    done = await h.finish(await h.jobs.startRestore({ source: { archivePath }, volume, mode: 'new', engine }));
  } finally {
    delete process.env.AILAB_RESTORE_CHECK_FIRST;
    off();
  }
  const log = fs.readFileSync((await h.jobs.get(done.id)).logFile, 'utf8');
  return { volume, done, phases, log };
}

describe('a good archive', () => {
  let source: string;
  let archive: string;
  beforeAll(async () => {
    source = await createVolume('jobs-onepass-src');
    await inVolume(source, RICH_CONTENT);
    archive = await seedBackup(source, dir, 'guide.tgz');
  });

  it.each(ENGINES)('is read once and gives the same tree as the check-first path (%s engine)', async (engine) => {
    // A copy per engine: a check made a moment ago (the check-first run below) is reused instead of a one pass.
    const own = path.join(dir, `guide-${engine}.tgz`);
    fs.copyFileSync(archive, own);
    const once = await restoreNew(own, engine);
    expect(once.done.status, once.log).toBe('succeeded');
    expect(once.phases).not.toContain('checking-archive');
    expect(once.log.slice(0, 3000)).toMatch(/the archive is read once/);
    // The fast engine's last extractor counts the volume on its way out; tar's needs a helper to count.
    if (engine === 'fast') expect(once.phases).not.toContain('counting');
    else expect(once.phases).toContain('counting');
    expect(once.log).toMatch(/Check: \d+ entries in the volume/);
    const twice = await restoreNew(own, engine, true);
    expect(twice.done.status).toBe('succeeded');
    expect(twice.phases).toContain('checking-archive');
    const expected = await treeOf(source);
    expect(await treeOf(once.volume)).toEqual(expected);
    expect(await treeOf(twice.volume)).toEqual(expected);
    // The result says what the check would have: same entries, bytes and sha256 of the file.
    const a = once.done.result;
    const b = twice.done.result;
    expect(a?.kind === 'restore' && b?.kind === 'restore').toBe(true);
    if (a?.kind !== 'restore' || b?.kind !== 'restore') return;
    expect({ ...a, durationMs: 0, volume: '' }).toEqual({ ...b, durationMs: 0, volume: '' });
  });
});

describe("the app's own backup, with its sidecar's labels", () => {
  it('labels the new volume in one pass; a sidecar of another file labels nothing and the restore still succeeds', async () => {
    const source = await createVolume('jobs-onepass-labelled');
    await inVolume(source, 'echo hi > /volume/a.txt');
    const backup = await h.finish(await h.jobs.startBackup({ volume: source, dir, fileName: 'labelled.tgz', stopContainers: false }));
    expect(backup.status).toBe('succeeded');
    const file = path.join(dir, 'labelled.tgz');
    const sidecar = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as { labels: Record<string, string>; sha256: string };
    expect(Object.keys(sidecar.labels).length).toBeGreaterThan(0);

    const once = await restoreNew(file, 'fast');
    expect(once.done.status, once.log).toBe('succeeded');
    expect(once.log).toMatch(/the archive is read once/);
    expect((await docker.getVolume(once.volume).inspect()).Labels).toMatchObject(sidecar.labels);

    // The same size, another sha256: not this file's sidecar.
    fs.writeFileSync(`${file}.json`, JSON.stringify({ ...sidecar, labels: { ...sidecar.labels, stolen: 'yes' }, sha256: '0'.repeat(64) }));
    const other = await restoreNew(file, 'fast');
    expect(other.done.status, other.log).toBe('succeeded');
    const labels = (await docker.getVolume(other.volume).inspect()).Labels ?? {};
    expect(labels.stolen).toBeUndefined();
    expect(await treeOf(other.volume)).toEqual(await treeOf(source));
  });
});

describe('a bad archive gets exactly the check-first refusal, and leaves nothing', () => {
  const blob = Buffer.alloc(300_000, 7);
  const cases: Array<[string, () => Buffer]> = [
    // The device comes after a file, so the one pass has written something before it meets it.
    [
      'a block device after a file',
      () => Buffer.concat([header({ name: './', type: '5' }), file('./a.bin', blob), header({ name: './disk', type: '4', mode: 0o660 }), end()]),
    ],
    [
      'a path out of the volume',
      () => zlib.gzipSync(Buffer.concat([header({ name: './', type: '5' }), file('./a.bin', blob), file('../escape.txt', 'x'), end()])),
    ],
    [
      'a truncated .tgz',
      () => {
        const whole = zlib.gzipSync(Buffer.concat([header({ name: './', type: '5' }), file('./a.bin', blob), file('./b.txt', 'b'), end()]));
        return whole.subarray(0, whole.length - 40);
      },
    ],
    [
      'a hard link to a missing target',
      () =>
        Buffer.concat([
          header({ name: './', type: '5' }),
          file('./a.bin', blob),
          header({ name: './l', type: '1', link: './nowhere' }),
          pad(Buffer.alloc(0)),
          end(),
        ]),
    ],
  ];

  it.each(ENGINES.flatMap((engine) => cases.map(([what, make]) => [what, engine, make] as const)))('%s (%s engine)', async (what, engine, make) => {
    const archive = path.join(dir, `${what.replace(/\W+/g, '-')}-${engine}`);
    fs.writeFileSync(archive, make());
    const once = await restoreNew(archive, engine);
    const twice = await restoreNew(archive, engine, true);
    expect(twice.done.status).toBe('failed');
    expect(once.done.status).toBe('failed');
    expect(once.done.error, once.log).toEqual(twice.done.error);
    expect(await volumeExists(once.volume)).toBe(false);
    expect(await volumeExists(twice.volume)).toBe(false);
    expect(await ourHelpers(h)).toEqual([]);
  });
});

describe('cancelled halfway', () => {
  it('removes the new volume and its helpers', async () => {
    const source = await createVolume('jobs-onepass-big');
    await inVolume(source, 'for i in 1 2 3 4 5 6; do head -c 20000000 /dev/urandom > /volume/blob$i.bin; done');
    const archive = await seedBackup(source, dir, 'big.tgz');
    const volume = newVolumeName('jobs-onepass-cancel');
    const started = new Promise<void>((resolve) => {
      const off = h.core.bus.on('jobProgress', (list) => {
        if (list.some((p) => p.phase === 'unpacking' && p.filesDone > 0)) {
          off();
          resolve();
        }
      });
    });
    const job = await h.jobs.startRestore({ source: { archivePath: archive }, volume, mode: 'new', engine: 'fast' });
    await started;
    h.jobs.cancel(job.id);
    const done = await h.finish(job);
    expect(done.status).toBe('cancelled');
    expect(await volumeExists(volume)).toBe(false);
    expect(await ourHelpers(h)).toEqual([]);
  });
});
