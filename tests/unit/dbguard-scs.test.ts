import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { EXASOL_DB_LABEL, EXASOL_DB_VOLUME, SCS_FILE } from '../../shared/ailab';
import { inspectArchive, pathComponents } from '../../electron/services/archive/inspectArchive';
import { scanArchive } from '../../electron/services/archive/scanArchive';
import { TarDrop } from '../../electron/services/archive/tarDrop';
import { decideSelection, SelectionCollector, type VolumeStat } from '../../electron/services/jobs/selectionPlan';
import { chosenRoots } from '../../electron/services/jobs/selectionPaths';
import { assertRemovalConfirmed } from '../../electron/services/volumes/removalGuard';
import { toVolumeSummary } from '../../electron/services/volumes/volumeModel';
import { gnuList, packTar, runOk, tempDir, thrownBy, type PackEntry } from './archive-fixtures';

const SCS_CONTENT = 'x'.repeat(1500);
const ENTRIES: PackEntry[] = [
  { name: './', type: 'directory', mode: 0o775, uid: 1001, gid: 1001 },
  { name: './notebooks/', type: 'directory', uid: 1001, gid: 1001 },
  { name: './notebooks/a.ipynb', content: 'A', uid: 1001, gid: 1001 },
  { name: `./${SCS_FILE}`, content: SCS_CONTENT, mode: 0o600, uid: 1001, gid: 1001, mtime: new Date(1_650_000_000_000) },
  { name: `./notebooks/${SCS_FILE}`, content: 'a copy, not the one AI-Lab opens' },
  { name: './z.txt', content: 'Z' },
];

async function archive(): Promise<string> {
  const f = path.join(await tempDir('dbguard-unit-'), 'a.tar');
  await packTar(f, ENTRIES);
  return f;
}

describe('the Exasol DB volume guard', () => {
  it('refuses its removal without the typed name, naming --confirm-name; other volumes need none', () => {
    expect(thrownBy(() => assertRemovalConfirmed(EXASOL_DB_VOLUME, undefined))).toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      hint: expect.stringContaining(`--confirm-name ${EXASOL_DB_VOLUME}`),
    });
    expect(thrownBy(() => assertRemovalConfirmed(EXASOL_DB_VOLUME, 'db_container_demodb_volume'))?.message).toMatch(/does not match/);
    expect(thrownBy(() => assertRemovalConfirmed(EXASOL_DB_VOLUME, EXASOL_DB_VOLUME))).toBeNull();
    expect(thrownBy(() => assertRemovalConfirmed('notebooks', undefined))).toBeNull();
  });

  it('labels the volume with the containers that mount it, whatever their names', () => {
    const raw = { Name: EXASOL_DB_VOLUME, Driver: 'local', Mountpoint: '/m' };
    const c = (name: string, running: boolean) => ({
      id: name,
      name,
      state: running ? 'running' : 'exited',
      running,
      image: 'x',
      aiLab: false,
      mountPath: '/exa',
    });
    expect(toVolumeSummary(raw, [c('db_container_DemoDb', true), c('renamed-db', false)], null).exasolDb).toEqual({
      label: EXASOL_DB_LABEL,
      containers: ['db_container_DemoDb', 'renamed-db'],
      running: true,
    });
    expect(toVolumeSummary({ ...raw, Name: 'db_container_DemoDb_volume2' }, [], null).exasolDb).toBeNull();
  });
});

describe('the SCS in archives', () => {
  it("the inspection hashes the root SCS (only the root's) while it reads the archive", async () => {
    const i = await inspectArchive(await archive());
    expect(i.scsAtRoot).toEqual({
      size: SCS_CONTENT.length,
      mtime: 1_650_000_000,
      uid: 1001,
      gid: 1001,
      mode: 0o600,
      sha256: createHash('sha256').update(SCS_CONTENT).digest('hex'),
    });
  });

  it('TarDrop leaves out the root SCS with its content; every other entry passes byte for byte', async () => {
    const file = await archive();
    const out = path.join(path.dirname(file), 'dropped.tar');
    const drop = new TarDrop({ drop: (e) => pathComponents(e.info.path).join('/') === SCS_FILE });
    await pipeline(fs.createReadStream(file), drop, fs.createWriteStream(out));
    expect(drop.dropped).toBe(1);
    const names = (await gnuList(out)).map((e) => e.path);
    expect(names).not.toContain(`./${SCS_FILE}`);
    expect(names).toContain(`./notebooks/${SCS_FILE}`);
    // Each kept entry's header and data are the original's: the same sha256 as scanned from the source.
    const digest = async (f: string) => {
      const seen: string[] = [];
      await scanArchive(f, { onEntry: (e) => seen.push(`${e.info.path} ${e.header.toString('hex')}`) });
      return seen;
    };
    const before = (await digest(file)).filter((l) => !l.startsWith(`./${SCS_FILE} `));
    expect(await digest(out)).toEqual(before);
    expect((await runOk('tar', ['-xOf', out, './z.txt'])).toString()).toBe('Z');
  });

  it('a restore of chosen files with keepScs: the root SCS is neither written nor a conflict; a copy below `into` replaces nothing', async () => {
    const file = await archive();
    const collect = async (only: string[]) => {
      const c = new SelectionCollector(chosenRoots(only));
      await scanArchive(file, { onEntry: (e) => c.add(e) });
      return c;
    };
    const stat = (type: VolumeStat['type']): VolumeStat => ({ type, mode: 0o644, uid: 1001, gid: 1001, mtime: '1600000000.5' });
    const volume = new Map<string, VolumeStat>([
      ['', stat('d')],
      [SCS_FILE, stat('f')],
    ]);
    const opts = { into: '', conflict: undefined, label: 'backup L', now: 1_700_000_000_000 };
    const c = await collect([SCS_FILE, 'z.txt']);
    const replaced = decideSelection(c, volume, opts);
    expect(replaced).toMatchObject({ writesScs: true, overwritesScs: true, keptScs: false, conflictCount: 1 });
    const kept = decideSelection(c, volume, { ...opts, keepScs: true });
    expect(kept).toMatchObject({ writesScs: true, overwritesScs: true, keptScs: true, conflictCount: 0, entries: 1 });
    expect([...kept.actions.values()].map((a) => a.path)).toEqual(['z.txt']);
    const below = decideSelection(await collect([SCS_FILE]), new Map([['', stat('d')]]), { ...opts, into: 'restored' });
    expect(below.writesScs).toBe(false);
  });
});
