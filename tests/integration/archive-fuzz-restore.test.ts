// The fuzzer's cases through the real restore (issue 19): what the app's restore writes into a volume
// on the engine must equal what GNU tar extracts from the same file in the same helper image. A small
// fixed sample of cases the check accepts without problems (2, about 9 s each on 2 cores; more with
// AILAB_FUZZ_RESTORE_SAMPLE=N), restored with both engines: the fast one (host gunzip, splitter,
// several GNU tar processes) and the tar one (one GNU tar reading the file through the guard).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEngine } from '../../shared/contract/jobs';
import { buildCase } from '../../scripts/fuzz/fuzzer';
import { judge } from '../../scripts/fuzz/judge';
import { createVolume, inVolume, jobsHarness, newVolumeName, removeTestVolumes, trackVolume, treeOf, type JobsHarness, type TreeEntry } from './jobs-support';

const SEED = 19;
const SAMPLE = Number(process.env.AILAB_FUZZ_RESTORE_SAMPLE ?? 2);
const ENGINES: JobEngine[] = ['fast', 'tar'];

let h: JobsHarness;
let dir: string;

beforeAll(async () => {
  h = await jobsHarness();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-fuzz-restore-'));
});

afterAll(async () => {
  await h?.close();
  await removeTestVolumes();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The first `n` grammar cases of SEED that the check accepts with no problem and GNU tar extracts. */
async function sample(n: number): Promise<Array<{ index: number; file: string; recipe: string }>> {
  const picked: Array<{ index: number; file: string; recipe: string }> = [];
  for (let index = 0; picked.length < n && index < 2000; index++) {
    const c = buildCase(SEED, index, []);
    const file = path.join(dir, `case-${index}.${c.packed.ext}`);
    fs.writeFileSync(file, c.packed.bytes);
    const work = path.join(dir, `work-${index}`);
    fs.mkdirSync(work);
    const v = await judge(file, work);
    expect(v.kind, `case ${index}: ${v.detail}`).toBeNull();
    if (v.ours.ok && v.ours.problems.length === 0 && v.extract?.ok && v.ours.entries.length > 1) picked.push({ index, file, recipe: c.recipe });
    else fs.rmSync(file);
  }
  return picked;
}

/** Modification times of folders are the extractor's (made-up parents get "now"); everything else must match. */
function comparable(tree: Record<string, TreeEntry>): Record<string, TreeEntry> {
  return Object.fromEntries(Object.entries(tree).map(([p, e]) => [p, e.type === 'd' ? { ...e, mtime: '-' } : e]));
}

describe('fuzzer cases restored on the engine equal GNU tar extracting them', () => {
  it(`restores ${SAMPLE} accepted cases of seed ${SEED} with both engines as GNU tar extracts them`, async () => {
    const cases = await sample(SAMPLE);
    expect(cases.length).toBe(SAMPLE);
    for (const c of cases) {
      const reference = await createVolume('fuzz-gnu');
      await inVolume(reference, `tar -C /volume --numeric-owner -xf /cases/${path.basename(c.file)}`, [
        { Type: 'bind', Source: dir, Target: '/cases', ReadOnly: true },
      ]);
      const expected = comparable(await treeOf(reference));
      for (const engine of ENGINES) {
        const target = trackVolume(newVolumeName('fuzz-restore'));
        const done = await h.finish(await h.jobs.startRestore({ source: { archivePath: c.file }, volume: target, mode: 'new', engine, keepSetuid: true }));
        expect(done.status, `case ${c.index} (${c.recipe}), ${engine}: ${done.error?.message ?? ''}`).toBe('succeeded');
        expect(comparable(await treeOf(target)), `case ${c.index} (${c.recipe}), ${engine}`).toEqual(expected);
      }
    }
  }, 600_000);
});
