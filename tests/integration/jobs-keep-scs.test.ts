// The Secure Configuration Storage across restores (issue 18), against the real engine: replace and
// merge with keepScs leave the volume's SCS byte for byte with its owner, mode and mtime while the rest
// equals the archive; without keepScs the archive's comes back; the plan compares the two; a restore
// of chosen files that includes it says so and honours keepScs; the CLI's --keep-scs.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCS_FILE } from '../../shared/ailab';
import type { JobSummary, StartRestoreOptions } from '../../shared/contract/jobs';
import { ailabInProcess } from '../support/cli';
import { createVolume, inVolume, jobsHarness, removeTestVolumes, seedBackup, tempDir, type JobsHarness } from './jobs-support';

const SCS = `./${SCS_FILE}`;

/** The archive: notebooks owned by jupyter, its own SCS ("archive-scs", 1001:1001, 600, 2022). */
const SOURCE = `
set -e
cd /volume
mkdir -p notebooks/sub
printf 'A-from-backup' > notebooks/a.ipynb
printf 'S-from-backup' > notebooks/sub/s.txt
printf 'archive-scs-content' > ${SCS_FILE}
chown -R 1001:1001 notebooks ${SCS_FILE} /volume
chmod 600 ${SCS_FILE}
find . -mindepth 1 -exec touch -h -d @1650000000 {} +
touch -d @1660000000 /volume
`;

/** The volume now: other files, and its own SCS with another owner, mode and a sub-second time. */
const TARGET = `
set -e
cd /volume
mkdir -p stale
printf 'A-now' > a-now.txt
printf 'stale' > stale/old.txt
printf 'the-current-scs-with-the-new-password' > ${SCS_FILE}
chown 1234:4321 ${SCS_FILE}
chmod 640 ${SCS_FILE}
touch -d '2021-03-04 05:06:07.123456789' ${SCS_FILE}
`;

let h: JobsHarness;
let archive: string;
let out: string;
let source: string;

beforeAll(async () => {
  h = await jobsHarness();
  out = tempDir();
  source = await createVolume('scs-src');
  await inVolume(source, SOURCE);
  archive = await seedBackup(source, out);
}, 120_000);

afterAll(async () => {
  await h?.close();
  await removeTestVolumes();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

/** path → type mode owner mtime(ns) size inode sha, every entry (find -printf), the volume itself as ".". */
async function listing(volume: string): Promise<Map<string, string>> {
  const text = await inVolume(
    volume,
    `cd /volume && find . -printf '%p\\t%y %m %U:%G %T@ %s %i ' -exec sh -c 'if [ -f "$1" ]; then sha256sum < "$1" | cut -c1-16; else echo -; fi' _ {} \\; | tr '\\n' '\\0'`,
  );
  const m = new Map<string, string>();
  for (const rec of text.split('\0').filter(Boolean)) {
    const [p, rest] = rec.split('\t') as [string, string];
    // Folders' sizes and inodes are the file system's business.
    const f = rest.split(' ');
    if (f[0] === 'd') f[4] = '-';
    m.set(p, f.join(' '));
  }
  return m;
}

/** Without inodes: a restored file is a new file, only its content and attributes must match. */
function withoutInodes(m: Map<string, string>, except: string[] = []): Record<string, string> {
  return Object.fromEntries(
    [...m]
      .filter(([p]) => !except.includes(p))
      .map(([p, v]) => {
        const f = v.split(' ');
        f.splice(5, 1);
        return [p, f.join(' ')];
      })
      .sort(),
  );
}

async function target(): Promise<string> {
  const v = await createVolume('scs-dst');
  await inVolume(v, TARGET);
  return v;
}

async function restore(volume: string, o: Partial<StartRestoreOptions>): Promise<JobSummary> {
  const job = await h.jobs.startRestore({ source: { archivePath: archive }, volume, mode: 'replace', ...o });
  const done = await h.finish(job);
  expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
  return done;
}

describe('restore keeping the SCS', () => {
  it('the plan compares the two SCS files: different here, the same for a backup of the volume itself', async () => {
    const v = await target();
    const plan = await h.jobs.planRestore({ source: { archivePath: archive }, volume: v });
    expect(plan.target?.overwritesScs).toBe(true);
    expect(plan.target?.scs?.differs).toBe(true);
    expect(plan.target?.scs?.archive).toMatchObject({ size: 'archive-scs-content'.length, modifiedAt: new Date(1650000000_000).toISOString() });
    expect(plan.target?.scs?.volume?.size).toBe('the-current-scs-with-the-new-password'.length);
    expect(plan.target?.scs?.volume?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const same = await h.jobs.planRestore({ source: { archivePath: archive }, volume: source });
    expect(same.target?.scs).toMatchObject({ differs: false });
    expect(same.target?.scs?.volume?.sha256).toBe(same.target?.scs?.archive?.sha256);
  }, 60_000);

  it.each(['fast', 'tar'] as const)(
    'replace with keepScs: the SCS stays byte for byte (owner, mode, mtime, inode); everything else equals the archive (%s)',
    async (engine) => {
      const v = await target();
      const before = await listing(v);
      const done = await restore(v, { engine, keepScs: true });
      expect(done.result).toMatchObject({ kind: 'restore', keptScs: true });
      const after = await listing(v);
      expect(after.get(SCS)).toBe(before.get(SCS));
      expect(after.get(SCS)).toMatch(/^f 640 1234:4321 1614834367\.123456789\d* 37 /);
      expect(withoutInodes(after, [SCS])).toEqual(withoutInodes(await listing(source), [SCS]));
      expect(after.has('./stale')).toBe(false);
    },
    120_000,
  );

  it('replace without keepScs brings the archive SCS back (the default, as before)', async () => {
    const v = await target();
    const done = await restore(v, {});
    expect(done.warnings.join('\n')).toMatch(/master password/);
    expect(withoutInodes(await listing(v))).toEqual(withoutInodes(await listing(source)));
  }, 120_000);

  it('merge with keepScs: the SCS stays as it is, the archive files are written, the others kept', async () => {
    const v = await target();
    const before = await listing(v);
    const done = await restore(v, { mode: 'merge', keepScs: true });
    expect(done.result).toMatchObject({ keptScs: true });
    const after = await listing(v);
    expect(after.get(SCS)).toBe(before.get(SCS));
    expect(after.get('./a-now.txt')).toBe(before.get('./a-now.txt'));
    const src = withoutInodes(await listing(source), [SCS, '.']);
    const merged = withoutInodes(after);
    for (const [p, v2] of Object.entries(src)) expect(merged[p], p).toBe(v2);
  }, 120_000);

  it('merge without keepScs overwrites the SCS with the archive', async () => {
    const v = await target();
    await restore(v, { mode: 'merge' });
    const src = withoutInodes(await listing(source));
    expect(withoutInodes(await listing(v))[SCS]).toBe(src[SCS]);
  }, 120_000);

  it('a restore of chosen files that includes the SCS: the plan says so, keepScs keeps it, otherwise it is replaced', async () => {
    const v = await target();
    const plan = await h.jobs.planRestore({ source: { archivePath: archive }, volume: v, selection: { only: [SCS_FILE, 'notebooks/a.ipynb'] } });
    expect(plan.selection).toMatchObject({ writesScs: true, overwritesScs: true, conflictCount: 1 });
    const into = await h.jobs.planRestore({ source: { archivePath: archive }, volume: v, selection: { only: [SCS_FILE], into: 'restored' } });
    expect(into.selection).toMatchObject({ writesScs: false });

    const before = await listing(v);
    // The SCS is not a conflict when kept: no conflict choice is needed for it.
    const kept = await restore(v, { mode: 'merge', keepScs: true, selection: { only: [SCS_FILE, 'notebooks/a.ipynb'] } });
    expect(kept.result).toMatchObject({ keptScs: true });
    const after = await listing(v);
    expect(after.get(SCS)).toBe(before.get(SCS));
    expect(withoutInodes(after)['./notebooks/a.ipynb']).toBe(withoutInodes(await listing(source))['./notebooks/a.ipynb']);

    const replaced = await restore(v, { mode: 'merge', selection: { only: [SCS_FILE], conflict: 'overwrite' } });
    expect(replaced.warnings.join('\n')).toMatch(/master password/);
    expect(withoutInodes(await listing(v))[SCS]).toBe(withoutInodes(await listing(source))[SCS]);
  }, 120_000);
});

describe('ailab restore --keep-scs', () => {
  it('replace --keep-scs --yes --json: the plan event compares the SCS, the result says it was kept', async () => {
    const v = await target();
    const before = await listing(v);
    const r = await ailabInProcess('restore', archive, v, '--mode', 'replace', '--keep-scs', '--yes', '--json');
    expect(r.code, r.err + r.out).toBe(0);
    const events = r.out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; plan?: { target: { scs: { differs: boolean } } }; result?: { keptScs?: boolean } });
    expect(events.find((e) => e.event === 'plan')?.plan?.target.scs.differs).toBe(true);
    expect(events.find((e) => e.event === 'finished')?.result?.keptScs).toBe(true);
    expect((await listing(v)).get(SCS)).toBe(before.get(SCS));
  }, 120_000);

  it('text: says the SCS would be replaced and how to keep it; --only with the SCS says so too', async () => {
    const v = await target();
    const r = await ailabInProcess('restore', archive, v, '--mode', 'merge', '--yes');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/master password and connection settings become those of the archive \(--keep-scs keeps the current one\)/);
    const v2 = await target();
    const before = await listing(v2);
    const sel = await ailabInProcess('restore', archive, v2, '--mode', 'merge', '--only', SCS_FILE, '--keep-scs');
    expect(sel.code, sel.err).toBe(0);
    expect(sel.out).toMatch(/is chosen but not restored/);
    expect(sel.out).toMatch(/was kept as it was/);
    expect((await listing(v2)).get(SCS)).toBe(before.get(SCS));
  }, 120_000);
});
