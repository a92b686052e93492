// Restore of chosen paths (issue 15, "get one notebook back"), against the real engine: each conflict
// mode, --into, folders, hard links, refusals before anything is written, the untouched rest of the
// volume, a running container left running, and the CLI.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSummary, RestoreSelection, StartRestoreOptions } from '../../shared/contract/jobs';
import { backupLabel } from '../../electron/services/volumes/keepBothName';
import { ailabInProcess } from '../support/cli';
import { docker, TEST_LABEL } from '../support/docker';
import { createVolume, inVolume, jobsHarness, removeTestVolumes, SEED_IMAGE, seedBackup, tempDir, type JobsHarness } from './jobs-support';

const SOURCE = `
set -e
cd /volume
mkdir -p notebooks/sub other
printf 'A-from-backup' > notebooks/a.ipynb
printf 'B-from-backup' > notebooks/b.ipynb
printf 'S-from-backup' > notebooks/sub/s.txt
printf 'O-from-backup' > other/o.txt
ln notebooks/a.ipynb notebooks/a-link.ipynb
chown -R 1001:1001 notebooks
chmod 640 notebooks/b.ipynb
find . -mindepth 1 -exec touch -h -d @1650000000 {} +
`;

/** What the user has now: a changed a.ipynb, files the backup does not know, other owners and times. */
const TARGET = `
set -e
cd /volume
mkdir -p notebooks keep
printf 'A-now' > notebooks/a.ipynb
printf 'C-now' > notebooks/c.ipynb
printf 'K-now' > keep/k.txt
chown -R 1001:1001 notebooks /volume
chmod 750 notebooks
touch -d '2020-01-02 03:04:05.123456789' notebooks/a.ipynb notebooks/c.ipynb keep/k.txt keep notebooks /volume
`;

let h: JobsHarness;
let archive: string;
let out: string;

beforeAll(async () => {
  h = await jobsHarness();
  out = tempDir();
  const source = await createVolume('sel-src');
  await inVolume(source, SOURCE);
  archive = await seedBackup(source, out);
}, 120_000);

afterAll(async () => {
  await h?.close();
  await removeTestVolumes();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

async function target(script = TARGET): Promise<string> {
  const v = await createVolume('sel-dst');
  await inVolume(v, script);
  return v;
}

/** path → mode uid gid mtime size, every entry of the volume (the volume folder itself as "."). */
async function listing(volume: string): Promise<Map<string, string>> {
  const text = await inVolume(volume, `cd /volume && find . -printf '%p\\t%m %U %G %T@ %s %y\\0'`);
  const m = new Map<string, string>();
  for (const rec of text.split('\0').filter(Boolean)) {
    const [p, rest] = rec.split('\t') as [string, string];
    m.set(p, rest);
  }
  return m;
}

/** Everything outside `written` (paths as find prints them) equal before and after. */
function untouched(before: Map<string, string>, after: Map<string, string>, written: string[]): void {
  const outside = (p: string) => !written.some((w) => p === w || p.startsWith(`${w}/`));
  const pick = (m: Map<string, string>) => Object.fromEntries([...m].filter(([p]) => outside(p)).sort());
  expect(pick(after)).toEqual(pick(before));
}

async function cat(volume: string, p: string): Promise<string> {
  return inVolume(volume, `cat "/volume/${p}"`);
}

async function restore(volume: string, selection: RestoreSelection, extra: Partial<StartRestoreOptions> = {}): Promise<JobSummary> {
  const job = await h.jobs.startRestore({ source: { archivePath: archive }, volume, mode: 'merge', selection, ...extra });
  return h.finish(job);
}

async function refused(volume: string, selection: RestoreSelection): Promise<{ code: string; message: string }> {
  const job = await h.jobs.startRestore({ source: { archivePath: archive }, volume, mode: 'merge', selection }).catch((e: unknown) => e);
  if (!(job && typeof job === 'object' && 'id' in job)) return job as { code: string; message: string };
  const done = await h.finish(job as JobSummary);
  expect(done.status).toBe('failed');
  return done.error as { code: string; message: string };
}

describe('selective restore', () => {
  it.each(['fast', 'tar'] as const)(
    'overwrite replaces only the chosen file; the rest, its folder and the volume keep owners, modes and times (%s)',
    async (engine) => {
      const v = await target();
      const before = await listing(v);
      const done = await restore(v, { only: ['./notebooks/a.ipynb'], conflict: 'overwrite' }, { engine });
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(await cat(v, 'notebooks/a.ipynb')).toBe('A-from-backup');
      const after = await listing(v);
      expect(after.get('./notebooks/a.ipynb')).toMatch(/^644 1001 1001 1650000000\.0+ 13 f$/);
      untouched(before, after, ['./notebooks/a.ipynb']);
      expect(done.result?.kind === 'restore' && done.result.selection?.overwritten).toEqual(['notebooks/a.ipynb']);
      const log = (await h.jobs.get(done.id)).log.join('\n');
      expect(log).toContain('notebooks/a.ipynb');
      expect(log).not.toMatch(/^\.?\/?notebooks\/?$/m);
    },
  );

  it('skip leaves an existing file and says so', async () => {
    const v = await target();
    const before = await listing(v);
    const done = await restore(v, { only: ['notebooks/a.ipynb', 'notebooks/b.ipynb'], conflict: 'skip' }, { engine: 'tar' });
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(await cat(v, 'notebooks/a.ipynb')).toBe('A-now');
    expect(await cat(v, 'notebooks/b.ipynb')).toBe('B-from-backup');
    const after = await listing(v);
    expect(after.get('./notebooks/b.ipynb')).toMatch(/^640 1001 1001 1650000000/);
    untouched(before, after, ['./notebooks/b.ipynb']);
    const r = done.result?.kind === 'restore' ? done.result.selection : undefined;
    expect(r?.skipped).toEqual(['notebooks/a.ipynb']);
  });

  it('keep-both writes the backup copy beside the file, named after the backup time', async () => {
    const v = await target();
    const before = await listing(v);
    const done = await restore(v, { only: ['/notebooks/a.ipynb'], conflict: 'keep-both' });
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const copy = `notebooks/a (${backupLabel(fs.statSync(archive).mtime)}).ipynb`;
    expect(await cat(v, 'notebooks/a.ipynb')).toBe('A-now');
    expect(await cat(v, copy)).toBe('A-from-backup');
    untouched(before, await listing(v), [`./${copy}`]);
    const r = done.result?.kind === 'restore' ? done.result.selection : undefined;
    expect(r?.renamed).toEqual([{ path: 'notebooks/a.ipynb', as: copy }]);
  });

  it.each(['fast', 'tar'] as const)(
    'a folder --into a new folder keeps archive paths, hard links and owners; the new folder gets the volume root owner (%s)',
    async (engine) => {
      const v = await target();
      const before = await listing(v);
      const done = await restore(v, { only: ['notebooks/'], into: 'restored/here' }, { engine });
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(await cat(v, 'restored/here/notebooks/sub/s.txt')).toBe('S-from-backup');
      const after = await listing(v);
      expect(after.get('./restored')).toMatch(/^755 1001 1001 /);
      expect(after.get('./restored/here/notebooks')).toMatch(/^755 1001 1001 1650000000/);
      const inodes = await inVolume(v, "stat -c '%i %h' /volume/restored/here/notebooks/a.ipynb /volume/restored/here/notebooks/a-link.ipynb");
      const [x, y] = inodes.trim().split('\n');
      expect(x).toBe(y);
      expect(x).toMatch(/ 2$/);
      untouched(before, after, ['./restored']);
    },
  );

  it('a hard link whose target is not chosen gets its content', async () => {
    const v = await target();
    for (const name of ['a.ipynb', 'a-link.ipynb']) {
      const done = await restore(v, { only: [`notebooks/${name}`], into: `only-${name}` });
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(await cat(v, `only-${name}/notebooks/${name}`)).toBe('A-from-backup');
    }
  });

  it('refuses a path not in the archive, naming near ones', async () => {
    const v = await target();
    const err = await refused(v, { only: ['notebooks/a.ipnyb'], conflict: 'skip' });
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain('"notebooks/a.ipnyb" is not in the archive');
    expect(err.message).toContain('notebooks/a.ipynb');
  });

  it('refuses ".." in a chosen path or in into, and modes other than merge', async () => {
    const v = await target();
    expect((await refused(v, { only: ['notebooks/../../etc/passwd'] })).code).toBe('INVALID_ARGUMENT');
    expect((await refused(v, { only: ['notebooks'], into: '../x' })).message).toContain('..');
    const err = await h.jobs
      .startRestore({ source: { archivePath: archive }, volume: v, mode: 'replace', selection: { only: ['notebooks'] } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('merge') });
  });

  it('refuses a symlink in the volume on the way, and writes nothing', async () => {
    const v = await target(`set -e; cd /volume; mkdir keep; printf K > keep/k.txt; ln -s /etc notebooks; ln -s /tmp other`);
    const before = await listing(v);
    const err = await refused(v, { only: ['notebooks/a.ipynb', 'other'], conflict: 'overwrite' });
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toContain('"notebooks" in the volume is a symbolic link');
    expect(err.message).toContain('"other" in the volume is a symbolic link');
    expect(await listing(v)).toEqual(before);
  });

  it('refuses a file where the archive has a folder, and the reverse', async () => {
    const v = await target(`set -e; cd /volume; printf X > other; mkdir -p notebooks/b.ipynb`);
    const before = await listing(v);
    const err = await refused(v, { only: ['other/o.txt', 'notebooks/b.ipynb'], conflict: 'overwrite' });
    expect(err.message).toContain('"other" in the volume is a file, but the restore needs a folder there');
    expect(err.message).toContain('"notebooks/b.ipynb" in the volume is a folder, but the archive has a file there');
    expect(await listing(v)).toEqual(before);
  });

  it('refuses before writing when files exist and no choice was made; the plan lists them', async () => {
    const v = await target();
    const before = await listing(v);
    const plan = await h.jobs.planRestore({ source: { archivePath: archive }, volume: v, selection: { only: ['notebooks'] } });
    expect(plan.selection).toMatchObject({ only: ['notebooks'], into: null, conflicts: ['notebooks/a.ipynb'], conflictCount: 1 });
    expect(plan.selection?.entries).toBe(6);
    const err = await refused(v, { only: ['notebooks'] });
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/overwrite, keep-both or skip/);
    expect(await listing(v)).toEqual(before);
  });

  it('leaves a running container on the volume running', async () => {
    const v = await target();
    const c = await docker.createContainer({
      Image: SEED_IMAGE,
      Entrypoint: ['sleep'],
      Cmd: ['300'],
      Labels: { ...TEST_LABEL },
      HostConfig: { Mounts: [{ Type: 'volume', Source: v, Target: '/root/notebooks' }] },
    });
    try {
      await c.start();
      const done = await restore(v, { only: ['notebooks/b.ipynb'] });
      expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
      expect(done.stoppedContainers).toEqual([]);
      expect((await c.inspect()).State.Running).toBe(true);
      expect((await h.jobs.get(done.id)).log.join('\n')).toContain('does not need AI-Lab stopped');
    } finally {
      await c.remove({ force: true });
    }
  });
});

describe('ailab restore --only', () => {
  let home = '';
  beforeAll(() => {
    home = tempDir('ailab-cli-sel-');
    fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ helperImage: SEED_IMAGE }));
  });
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  async function cli(...argv: string[]) {
    const saved = process.env.AILAB_DESKTOP_HOME;
    process.env.AILAB_DESKTOP_HOME = home;
    try {
      return await ailabInProcess(...argv);
    } finally {
      process.env.AILAB_DESKTOP_HOME = saved;
    }
  }

  it('refuses a missing --conflict with the choices, then restores with it and says what happened', async () => {
    const v = await target();
    const before = await listing(v);
    const r = await cli('restore', archive, v, '--mode', 'merge', '--only', 'notebooks');
    expect(r.code).toBe(2);
    expect(r.err).toContain('notebooks/a.ipynb');
    expect(r.err).toMatch(/--conflict overwrite .*--conflict keep-both .*--conflict skip/);
    expect(await listing(v)).toEqual(before);
    const ok = await cli('restore', archive, v, '--mode', 'merge', '--only', 'notebooks', '--conflict', 'skip');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('a running AI-Lab does not need to be stopped');
    expect(ok.out).toContain('Restored notebooks from backup.tgz into');
    expect(ok.out).toContain('Skipped (left as they were): notebooks/a.ipynb');
    expect(await cat(v, 'notebooks/sub/s.txt')).toBe('S-from-backup');
  });

  it('needs --mode merge', async () => {
    const v = await target();
    const r = await cli('restore', archive, v, '--only', 'notebooks');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--mode merge');
  });
});
