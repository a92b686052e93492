import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import type { BackupCatalogue, PruneResult } from '../../shared/contract/backups';
import { ailabInProcess as ailab, cliHome } from '../support/cli';
import { createVolume, inVolume, removeTestVolumes, SEED_IMAGE, tempDir } from './jobs-support';

/**
 * The catalogue, verify and retention through the CLI, against the real engine. Backups "made" on
 * other days are copies of one real backup with the sidecar's createdAt rewritten: the size and
 * sha256 stay those of the file, so each is a backup of ours as far as any check can tell.
 */
cliHome('backups-cli', { helperImage: SEED_IMAGE });

let volume: string;
let other: string;
let dir: string;
let real: string;
const prevTz = process.env.TZ;

beforeAll(async () => {
  // Days, weeks and months are counted in local time: pin it, so the expected decisions hold anywhere.
  process.env.TZ = 'UTC';
  volume = await createVolume('bk-cli');
  other = await createVolume('bk-cli-other');
  await inVolume(
    volume,
    'set -e; mkdir -p /volume/notebooks; printf "print(1)\\n" > /volume/notebooks/a.ipynb; head -c 200000 /dev/urandom > /volume/blob.bin',
  );
  dir = tempDir('ailab-backups-cli-');
  const r = await ailab('backup', volume, '--to', dir);
  expect(r.code, r.err).toBe(EXIT.OK);
  const made = fs.readdirSync(dir).filter((n) => n.endsWith('.tgz'));
  expect(made).toHaveLength(1);
  expect(made[0]).toMatch(new RegExp(`^${volume}-\\d{8}-\\d{6}\\.tgz$`));
  real = path.join(dir, made[0] as string);
});

afterAll(async () => {
  if (prevTz === undefined) delete process.env.TZ;
  else process.env.TZ = prevTz;
  await removeTestVolumes();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** A copy of the real backup as if made at `iso` (UTC), named as --to names it, for `vol`. */
function fakeBackup(iso: string, into = dir, vol = volume): string {
  const stamp = iso.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const file = path.join(into, `${vol}-${stamp}.tgz`);
  fs.copyFileSync(real, file);
  const manifest = JSON.parse(fs.readFileSync(`${real}.json`, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(`${file}.json`, JSON.stringify({ ...manifest, volume: vol, createdAt: new Date(`${iso}Z`).toISOString() }));
  return file;
}

const names = (d: string) => fs.readdirSync(d).sort();

describe('ailab backups', () => {
  let history: string;
  let foreign: string;
  let changed: string;
  let othersBackup: string;

  beforeAll(() => {
    history = tempDir('ailab-backups-hist-');
    // 1–6 Dec 2026 (a Tuesday to a Sunday), two backups a day; and 23 Nov (the week before).
    for (let d = 1; d <= 6; d++) for (const h of ['03', '15']) fakeBackup(`2026-12-0${d}T${h}:00:00`, history);
    fakeBackup('2026-11-23T03:00:00', history);
    // A real .tgz named like ours but without a sidecar, older than everything: never ours to delete.
    foreign = path.join(history, `${volume}-20200101-000000.tgz`);
    fs.copyFileSync(real, foreign);
    // Ours once, but changed since (a byte appended): its sidecar no longer describes it.
    changed = fakeBackup('2026-11-01T03:00:00', history);
    fs.appendFileSync(changed, Buffer.from([0]));
    // Another volume's backup in the same folder: not this volume's to prune.
    othersBackup = fakeBackup('2026-10-01T03:00:00', history, other);
  });

  afterAll(() => fs.rmSync(history, { recursive: true, force: true }));

  it("lists a volume's backups newest first, with size, entries, engine and state", async () => {
    const r = await ailab('backups', 'ls', volume, '--in', history, '--json');
    expect(r.code, r.err).toBe(EXIT.OK);
    const cat = JSON.parse(r.out) as BackupCatalogue;
    expect(cat.dir).toBe(history);
    expect(cat.backups.map((b) => b.fileName)).toEqual([
      ...[6, 5, 4, 3, 2, 1].flatMap((d) => [`${volume}-2026120${d}-150000.tgz`, `${volume}-2026120${d}-030000.tgz`]),
      `${volume}-20261123-030000.tgz`,
      `${volume}-20261101-030000.tgz`,
      `${volume}-20200101-000000.tgz`,
    ]);
    const first = cat.backups[0];
    expect(first).toMatchObject({ volume, status: 'verified', engine: 'fast', note: null, compressedBytes: fs.statSync(real).size });
    expect(first?.entries).toBeGreaterThanOrEqual(4);
    expect(cat.backups.find((b) => b.file === changed)).toMatchObject({ status: 'changed' });
    expect(cat.backups.find((b) => b.file === foreign)).toMatchObject({ status: 'no-sidecar', note: 'not ours: no sidecar' });

    const all = await ailab('backups', 'ls', '--in', history);
    expect(all.code).toBe(EXIT.OK);
    expect(all.out.split('\n')[0]).toMatch(/^TIME\s+VOLUME\s+SIZE\s+ENTRIES\s+ENGINE\s+STATE\s+FILE$/);
    expect(all.out).toMatch(new RegExp(`2026-10-01 03:00\\s+${other}\\s.*verified\\s+${path.basename(othersBackup)}`));
    expect(all.out).toMatch(new RegExp(`^-\\s+-\\s.*not ours: no sidecar\\s+${path.basename(foreign)}$`, 'm'));
  });

  it('prune --dry-run prints every decision with its reason and deletes nothing', async () => {
    const before = names(history);
    const r = await ailab('backups', 'prune', volume, '--in', history, '--keep-daily', '3', '--keep-weekly', '2', '--dry-run');
    expect(r.code, r.err).toBe(EXIT.OK);
    expect(names(history)).toEqual(before);
    expect(r.out).toContain(`Retention for ${volume} in ${history}: keep-daily 3, keep-weekly 2 (dry run: nothing is deleted)`);
    expect(r.out).toMatch(
      new RegExp(`keep\\s+2026-12-06 15:00\\s+${volume}-20261206-150000\\.tgz\\s+newest verified backup; keep-daily 1 of 3; keep-weekly 1 of 2`),
    );
    expect(r.out).toMatch(new RegExp(`would delete\\s+2026-12-06 03:00\\s+${volume}-20261206-030000\\.tgz\\s+no rule keeps it`));
    expect(r.out).toMatch(new RegExp(`keep\\s+-\\s+${volume}-20200101-000000\\.tgz\\s+not ours: no sidecar`));
    expect(r.out).toContain('Would delete 9 backups; nothing was deleted.');
  });

  it("prune keeps what the rules keep, and never a foreign, changed or other volume's file", async () => {
    const r = await ailab('backups', 'prune', volume, '--in', history, '--keep-daily', '3', '--keep-weekly', '2', '--json');
    expect(r.code, r.err).toBe(EXIT.OK);
    const result = JSON.parse(r.out) as PruneResult;
    const why = (stamp: string) => result.decisions.find((d) => d.file.endsWith(`-${stamp}.tgz`))?.reasons;
    // Days 6, 5, 4 (their newest); ISO week 49 (30 Nov – 6 Dec) is taken by 6 Dec, week 48 by 23 Nov.
    expect(why('20261206-150000')).toEqual(['newest verified backup', 'keep-daily 1 of 3', 'keep-weekly 1 of 2']);
    expect(why('20261205-150000')).toEqual(['keep-daily 2 of 3']);
    expect(why('20261204-150000')).toEqual(['keep-daily 3 of 3']);
    expect(why('20261123-030000')).toEqual(['keep-weekly 2 of 2']);
    expect(why('20261101-030000')?.[0]).toMatch(/^not ours: \d+ bytes, its sidecar describes \d+$/);
    expect(result.deleted).toHaveLength(9);
    expect(result.failures).toEqual([]);
    expect(names(history)).toEqual(
      [
        `${volume}-20261206-150000.tgz`,
        `${volume}-20261205-150000.tgz`,
        `${volume}-20261204-150000.tgz`,
        `${volume}-20261123-030000.tgz`,
        path.basename(changed),
        path.basename(foreign),
        path.basename(othersBackup),
      ]
        .flatMap((n) => (n === path.basename(foreign) ? [n] : [n, `${n}.json`]))
        .sort(),
    );
  });

  it('prune asks for a rule and a folder, and answers in JSON when asked', async () => {
    const noRule = await ailab('backups', 'prune', volume, '--in', history);
    expect(noRule.code).toBe(EXIT.USAGE);
    expect(noRule.err).toMatch(/at least one rule/);
    const bad = await ailab('backups', 'prune', volume, '--in', history, '--keep-last', 'three', '--json');
    expect(bad.code).toBe(EXIT.INVALID_INPUT);
    expect(JSON.parse(bad.out)).toMatchObject({
      ok: false,
      error: { code: 'INVALID_ARGUMENT', message: '--keep-last must be a whole number of backups (0 or more), not "three".' },
      exitCode: 6,
    });
    const missing = await ailab('backups', 'ls', '--in', path.join(history, 'nope'), '--json');
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(JSON.parse(missing.out)).toMatchObject({ ok: false, error: { code: 'FILE_NOT_FOUND' } });
  });
});

describe('ailab backups verify', () => {
  it('exits 0 for a good backup, comparing it with its sidecar', async () => {
    const r = await ailab('backups', 'verify', real, '--json');
    expect(r.code, r.err).toBe(EXIT.OK);
    const sidecar = JSON.parse(fs.readFileSync(`${real}.json`, 'utf8')) as { sha256: string; entries: number };
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, file: real, comparedWithSidecar: true, volume, sha256: sidecar.sha256, entries: sidecar.entries });
    const text = await ailab('backups', 'verify', real);
    expect(text.out).toContain(`Good: ${real}`);
    expect(text.out).toContain('Matches its sidecar');
  });

  it('exits 6 for a truncated backup', async () => {
    const scratch = tempDir('ailab-backups-verify-');
    try {
      const file = fakeBackup('2026-12-01T00:00:00', scratch);
      fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
      const r = await ailab('backups', 'verify', file, '--json');
      expect(r.code).toBe(EXIT.INVALID_INPUT);
      expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: 'ARCHIVE_INVALID' }, exitCode: 6 });
      const error = (JSON.parse(r.out) as { error: { message: string; hint: string } }).error;
      expect(error.message).toMatch(/the file is truncated/);
      expect(error.message).not.toMatch(/Nothing was changed/);
      expect(error.hint).toMatch(/^Do not rely on this backup/);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('exits 6 for a sound archive that is not what its sidecar says (an entry missing)', async () => {
    const scratch = tempDir('ailab-backups-verify-');
    try {
      const file = fakeBackup('2026-12-01T00:00:00', scratch);
      const manifest = JSON.parse(fs.readFileSync(`${file}.json`, 'utf8')) as { entries: number };
      fs.writeFileSync(`${file}.json`, JSON.stringify({ ...manifest, entries: manifest.entries + 1 }));
      const r = await ailab('backups', 'verify', file);
      expect(r.code).toBe(EXIT.INVALID_INPUT);
      expect(r.err).toMatch(new RegExp(`it is not the backup its sidecar .*describes: ${manifest.entries} entries, the sidecar says ${manifest.entries + 1}`));
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('exits 6 for a readable archive that a restore would refuse (a path with "..")', async () => {
    const scratch = tempDir('ailab-backups-verify-');
    try {
      fs.writeFileSync(path.join(scratch, 'f'), 'hi');
      const file = path.join(scratch, 'escape.tar');
      execFileSync('tar', ['-cf', file, '-C', scratch, '--transform', 's,^f$,../escape,', 'f']);
      const r = await ailab('backups', 'verify', file, '--json');
      expect(r.code).toBe(EXIT.INVALID_INPUT);
      const error = (JSON.parse(r.out) as { error: { code: string; message: string; hint: string } }).error;
      expect(error.code).toBe('ARCHIVE_UNSAFE');
      expect(error.message).toMatch(/^The archive reads well, but the app would refuse to restore it: 1 entry/);
      expect(error.message).toContain('"../escape" contains ".."');
      expect(error.hint).toMatch(/do not count on it as a backup/);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('ailab backup --to', () => {
  it("writes <volume>-<UTC time>.tgz, then applies retention to that volume's backups there", async () => {
    const to = tempDir('ailab-backups-to-');
    try {
      const old = [fakeBackup('2026-01-01T01:00:00', to), fakeBackup('2026-01-02T01:00:00', to), fakeBackup('2026-01-03T01:00:00', to)];
      fs.writeFileSync(path.join(to, 'notes.tgz'), "someone else's file");
      const started = new Date();
      const r = await ailab('backup', volume, '--to', to, '--keep-last', '2');
      expect(r.code, r.err).toBe(EXIT.OK);
      const made = names(to).find((n) => n.endsWith('.tgz') && !old.some((o) => o.endsWith(n)) && n !== 'notes.tgz') as string;
      const stamp = /-(\d{8})-(\d{6})\.tgz$/.exec(made);
      expect(stamp).not.toBeNull();
      const t = Date.parse(`${stamp?.[1]?.replace(/(\d{4})(\d\d)(\d\d)/, '$1-$2-$3')}T${stamp?.[2]?.replace(/(\d\d)(\d\d)(\d\d)/, '$1:$2:$3')}Z`);
      expect(Math.abs(t - started.getTime())).toBeLessThan(60_000);
      expect(r.out).toContain(`Backed up ${volume} to ${path.join(to, made)}`);
      expect(r.out).toMatch(new RegExp(`keep\\s+\\S+ \\S+\\s+${made}\\s+newest verified backup; keep-last 1 of 2`));
      expect(r.out).toMatch(/Deleted 2 backups/);
      expect(names(to)).toEqual([made, `${made}.json`, path.basename(old[2] as string), `${path.basename(old[2] as string)}.json`, 'notes.tgz'].sort());
    } finally {
      fs.rmSync(to, { recursive: true, force: true });
    }
  });

  it('deletes nothing when the backup fails', async () => {
    const to = tempDir('ailab-backups-to-');
    try {
      const old = [fakeBackup('2026-01-01T01:00:00', to, 'bk-cli-gone'), fakeBackup('2026-01-02T01:00:00', to, 'bk-cli-gone')];
      const r = await ailab('backup', 'bk-cli-gone', '--to', to, '--keep-last', '1');
      expect(r.code).toBe(EXIT.NOT_FOUND);
      expect(names(to)).toEqual(old.flatMap((f) => [path.basename(f), `${path.basename(f)}.json`]).sort());
    } finally {
      fs.rmSync(to, { recursive: true, force: true });
    }
  });

  it('refuses --keep-… without --to, and --to with --out', async () => {
    expect((await ailab('backup', volume, '--keep-last', '1')).err).toMatch(/need --to DIR/);
    const both = await ailab('backup', volume, '--to', dir, '--out', dir, '--json');
    expect(both.code).toBe(EXIT.USAGE);
    expect(JSON.parse(both.out)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });
});
