import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TutorialFile } from '../../shared/contract/tutorials';
import { coreTestEnv, type CoreTestEnv } from '../support/core';
import { ailabInProcess, cliHome } from '../support/cli';
import { docker, TEST_LABEL, uniqueName } from '../support/docker';
import {
  AI_LAB_1_ALIAS,
  AI_LAB_6_ALIAS,
  AI_LAB_62_ALIAS,
  FIXTURE_62_CHANGED_NOTEBOOKS,
  FIXTURE_62_NEW_NOTEBOOKS,
  NOTEBOOK_DEFAULTS_DIR,
} from '../support/fixtures';
import { runInVolume } from '../support/volumeShell';
import { compareTagsNewestFirst } from '../../electron/services/tutorials/tutorialsService';

/**
 * Fresh tutorials against the real engine: volumes filled the way AI-Lab 6.1.0 fills them (its
 * defaults copied in, chowned to jupyter), compared with and copied from the 6.2.0 stand-in.
 */

let env: CoreTestEnv;
const NEW = FIXTURE_62_NEW_NOTEBOOKS[0];
const CHANGED = FIXTURE_62_CHANGED_NOTEBOOKS[0];
const SAME = 'tutorials/welcome.ipynb';
const ROLE_FILTER = { label: ['com.exasol.ailab-desktop.role=tutorials'] };

/**
 * A volume as AI-Lab 6.1.0 leaves it after its first start: the 6.1.0 image itself copies its defaults
 * in and chowns them (what its entrypoint does), in a container that stays behind, stopped, as the
 * user's AI-Lab container would.
 */
async function volumeFilledBy61(): Promise<{ volume: string; container: string }> {
  const volume = await env.volume(uniqueName('tut'));
  const c = await docker.createContainer({
    name: uniqueName('tut-ailab61'),
    Image: AI_LAB_6_ALIAS,
    Entrypoint: ['sh', '-c', `cp -a ${NOTEBOOK_DEFAULTS_DIR}/. /home/jupyter/notebooks/ && chown -R 1001:1001 /home/jupyter/notebooks`],
    Cmd: [],
    Labels: { ...TEST_LABEL },
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/home/jupyter/notebooks' }], NetworkMode: 'none' },
  });
  env.containers.push(c.id);
  await c.start();
  expect(((await c.wait()) as { StatusCode: number }).StatusCode).toBe(0);
  return { volume, container: c.id };
}

const byPath = (files: TutorialFile[]) => Object.fromEntries(files.map((f) => [f.path, f]));

/** path → "uid:gid mode size sha" for every file, from inside the volume. */
async function filesOf(volume: string): Promise<Record<string, string>> {
  const out = await runInVolume(volume, `cd /volume && find . -type f -printf '%P\\t%U:%G %m %s ' -exec sh -c 'sha256sum < "$1" | cut -c1-12' _ {} \\;`);
  return Object.fromEntries(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t') as [string, string]),
  );
}

async function leftovers(): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: ROLE_FILTER });
  return list.map((c) => c.Id);
}

beforeAll(async () => {
  env = await coreTestEnv('tutorials');
}, 60_000);

afterEach(async () => {
  // Every call removes its temporary container, on success and on error alike.
  expect(await leftovers()).toEqual([]);
});

afterAll(async () => {
  await env?.cleanup();
});

describe('compareTutorials', () => {
  it('tells new, unchanged and updated upstream apart for a volume filled by 6.1.0', async () => {
    const { volume } = await volumeFilledBy61();
    const r = await env.ok('compareTutorials', { volume, image: AI_LAB_62_ALIAS });
    expect(r.image).toBe(AI_LAB_62_ALIAS);
    expect(r.imageChosen).toBe('given');
    expect(r.defaultsPath).toBe(NOTEBOOK_DEFAULTS_DIR);
    expect(r.defaultsPathSource).toMatch(/NOTEBOOKS/);
    expect(r.uid).toBe(1001);
    const files = byPath(r.files);
    expect(Object.keys(files).sort()).toEqual([CHANGED, NEW, SAME].sort());
    expect(files[NEW]).toMatchObject({ state: 'new', origin: null, blocked: null });
    expect(files[SAME]).toMatchObject({ state: 'unchanged', origin: null });
    expect(files[CHANGED]).toMatchObject({ state: 'differs', origin: 'updated-upstream' });
    expect(files[CHANGED]?.matchesImages).toContain(AI_LAB_6_ALIAS);
    expect(r.counts).toEqual({ new: 1, unchanged: 1, differs: 1 });
  });

  it('calls start.ipynb edited once the user changed it', async () => {
    const { volume } = await volumeFilledBy61();
    await runInVolume(volume, `printf '{"cells": [], "mine": true}\\n' > /volume/${CHANGED}`);
    const r = await env.ok('compareTutorials', { volume, image: AI_LAB_62_ALIAS });
    const files = byPath(r.files);
    expect(files[CHANGED]).toMatchObject({ state: 'differs', origin: 'edited', matchesImages: [] });
    expect(files[NEW]?.state).toBe('new');
    expect(files[SAME]?.state).toBe('unchanged');
    expect(r.comparedWith).toContain(AI_LAB_6_ALIAS);
  });

  it('takes the newest local AI-Lab image when none is given, and says which', async () => {
    const { volume } = await volumeFilledBy61();
    // The engine is shared: another test may have tagged a newer exasol/ai-lab meanwhile, so the
    // expectation is computed from what is there now.
    const tags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith('exasol/ai-lab:'));
    const newest = tags.sort((a, b) => compareTagsNewestFirst(a.slice(14), b.slice(14)))[0];
    const r = await env.call('compareTutorials', { volume });
    if (r.ok) {
      expect(r.value.imageChosen).toBe('newest-local');
      expect(r.value.image).toBe(newest);
    } else {
      // A newer stand-in without defaults (another suite's) is refused by name.
      expect(r.error.message).toContain(`Image "${newest}" ships no notebook-defaults folder`);
    }
  });

  it('refuses an image without a notebook-defaults folder, and a missing image or volume', async () => {
    const { volume } = await volumeFilledBy61();
    const none = await env.fails('compareTutorials', { volume, image: AI_LAB_1_ALIAS });
    expect(none.code).toBe('INVALID_ARGUMENT');
    expect(none.message).toContain('ships no notebook-defaults folder');
    expect(none.message).toContain(AI_LAB_1_ALIAS);
    const missing = await env.fails('compareTutorials', { volume, image: 'exasol/ai-lab:0.0.404' });
    expect(missing.code).toBe('IMAGE_NOT_FOUND');
    expect(missing.message).toContain('exasol/ai-lab:0.0.404');
    const noVolume = await env.fails('compareTutorials', { volume: uniqueName('tut-missing'), image: AI_LAB_62_ALIAS });
    expect(noVolume.code).toBe('VOLUME_NOT_FOUND');
  });
});

describe('copyTutorials', () => {
  it('copies a new tutorial as it is, into a folder owned 1001, and leaves the rest alone', async () => {
    const { volume } = await volumeFilledBy61();
    const before = await filesOf(volume);
    const r = await env.ok('copyTutorials', { volume, image: AI_LAB_62_ALIAS, paths: [NEW] });
    expect(r.copied).toEqual([{ path: NEW, as: NEW, how: 'new' }]);
    expect(r.uid).toBe(1001);
    const after = await filesOf(volume);
    expect(after[NEW]).toMatch(/^1001:1001 644 \d+ /);
    expect(after[CHANGED]).toBe(before[CHANGED]);
    expect(Object.keys(after).filter((p) => p.startsWith('.ailab'))).toEqual([]);
    const again = await env.ok('compareTutorials', { volume, image: AI_LAB_62_ALIAS });
    expect(byPath(again.files)[NEW]?.state).toBe('unchanged');
  });

  it('copies all with keep-both: the user copy untouched, the new one beside it', async () => {
    const { volume } = await volumeFilledBy61();
    await runInVolume(volume, `printf 'mine' > /volume/${CHANGED}; chown 1001:1001 /volume/${CHANGED}`);
    const before = await filesOf(volume);
    const r = await env.ok('copyTutorials', { volume, image: AI_LAB_62_ALIAS, paths: [NEW, CHANGED, SAME], conflict: 'keep-both' });
    expect(r.copied).toEqual([
      { path: NEW, as: NEW, how: 'new' },
      { path: CHANGED, as: 'start (6.2.0).ipynb', how: 'keep-both' },
    ]);
    expect(r.skipped).toEqual([{ path: SAME, reason: expect.stringMatching(/unchanged/) }]);
    const after = await filesOf(volume);
    expect(after[CHANGED]).toBe(before[CHANGED]);
    expect(after['start (6.2.0).ipynb']).toMatch(/^1001:1001 644 /);
    const cmp = await env.ok('compareTutorials', { volume, image: AI_LAB_62_ALIAS });
    expect(byPath(cmp.files)[CHANGED]?.origin).toBe('edited');
    // A second keep-both finds the first one taken.
    const second = await env.ok('copyTutorials', { volume, image: AI_LAB_62_ALIAS, paths: [CHANGED] });
    expect(second.copied).toEqual([{ path: CHANGED, as: 'start (6.2.0 2).ipynb', how: 'keep-both' }]);
  });

  it('overwrites when asked, and skips when asked', async () => {
    const { volume } = await volumeFilledBy61();
    const skipped = await env.ok('copyTutorials', { volume, image: AI_LAB_62_ALIAS, paths: [CHANGED], conflict: 'skip' });
    expect(skipped.copied).toEqual([]);
    expect(skipped.skipped).toEqual([{ path: CHANGED, reason: expect.stringMatching(/skip/) }]);
    const before = await filesOf(volume);
    const over = await env.ok('copyTutorials', { volume, image: AI_LAB_62_ALIAS, paths: [CHANGED], conflict: 'overwrite' });
    expect(over.copied).toEqual([{ path: CHANGED, as: CHANGED, how: 'overwrite' }]);
    const after = await filesOf(volume);
    expect(after[CHANGED]).not.toBe(before[CHANGED]);
    expect(after[CHANGED]).toMatch(/^1001:1001 644 /);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    const cmp = await env.ok('compareTutorials', { volume, image: AI_LAB_62_ALIAS });
    expect(byPath(cmp.files)[CHANGED]?.state).toBe('unchanged');
  });

  it('makes a missing folder on the way, owned like the notebooks folder', async () => {
    const { volume } = await volumeFilledBy61();
    await runInVolume(volume, 'rm -rf /volume/tutorials');
    await env.ok('copyTutorials', { volume, image: AI_LAB_62_ALIAS, paths: [NEW] });
    const tree = await runInVolume(volume, "cd /volume && find tutorials -printf '%p %y %U:%G\\n' | sort");
    expect(tree.trim().split('\n')).toEqual(['tutorials d 1001:1001', `${NEW} f 1001:1001`]);
  });

  it('fails cleanly for an image without defaults, leaving no container behind', async () => {
    const { volume } = await volumeFilledBy61();
    const e = await env.fails('copyTutorials', { volume, image: AI_LAB_1_ALIAS, paths: [CHANGED] });
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('ships no notebook-defaults folder');
  });
});

describe('ailab tutorials', () => {
  const home = cliHome('tutorials-cli', {});
  void home;

  it('lists, copies new ones and prints JSON; exit codes for bad input', async () => {
    const { volume } = await volumeFilledBy61();
    const list = await ailabInProcess('tutorials', volume, '--image', AI_LAB_62_ALIAS);
    expect(list.err).toBe('');
    expect(list.code).toBe(0);
    expect(list.out).toContain(`Image: ${AI_LAB_62_ALIAS}`);
    expect(list.out).toMatch(new RegExp(`new\\s+${NEW.replace(/\./g, '\\.')}`));
    expect(list.out).toMatch(/updated upstream/);
    expect(list.out).toMatch(/unchanged\s+tutorials\/welcome\.ipynb/);

    const json = await ailabInProcess('tutorials', volume, '--image', AI_LAB_62_ALIAS, '--json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { counts: { new: number }; files: TutorialFile[] };
    expect(parsed.counts.new).toBe(1);

    const copy = await ailabInProcess('tutorials', volume, '--image', AI_LAB_62_ALIAS, '--copy', 'new');
    expect(copy.code).toBe(0);
    expect(copy.out).toContain(`copied ${NEW}`);

    const all = await ailabInProcess('tutorials', volume, '--image', AI_LAB_62_ALIAS, '--copy', 'all', '--json');
    expect(all.code).toBe(0);
    const allResult = JSON.parse(all.out) as { copied: Array<{ as: string }> };
    expect(allResult.copied.map((c) => c.as)).toEqual(['start (6.2.0).ipynb']);

    const noDefaults = await ailabInProcess('tutorials', volume, '--image', AI_LAB_1_ALIAS);
    expect(noDefaults.code).toBe(6);
    expect(noDefaults.err).toContain('ships no notebook-defaults folder');
    const missing = await ailabInProcess('tutorials', volume, '--image', 'exasol/ai-lab:0.0.404', '--json');
    expect(missing.code).toBe(4);
    expect(JSON.parse(missing.out)).toMatchObject({ ok: false, error: { code: 'IMAGE_NOT_FOUND' } });
    const usage = await ailabInProcess('tutorials', volume, '--copy', 'some');
    expect(usage.code).toBe(2);
  });
});
