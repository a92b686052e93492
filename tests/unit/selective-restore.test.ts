import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { scanArchive } from '../../electron/services/archive/scanArchive';
import { dirHeader, TarSelect } from '../../electron/services/archive/tarSelect';
import { decideSelection, SelectionCollector, type VolumeStat } from '../../electron/services/jobs/selectionPlan';
import { chosenRoots, nearNames, selectionKey } from '../../electron/services/jobs/selectionPaths';
import { parseListing } from '../../electron/services/jobs/volumeTargets';
import { gnuList, packTar, runOk, tempDir, thrownBy, type PackEntry } from './archive-fixtures';

const ENTRIES: PackEntry[] = [
  { name: './', type: 'directory', mode: 0o755 },
  { name: './notebooks/', type: 'directory', mode: 0o750, uid: 1001, gid: 1001 },
  { name: './notebooks/a.ipynb', content: 'A', uid: 1001, gid: 1001 },
  { name: './notebooks/a-link.ipynb', type: 'link', linkname: './notebooks/a.ipynb', uid: 1001, gid: 1001 },
  { name: './notebooks/sub/', type: 'directory' },
  { name: './notebooks/sub/s.txt', content: 'SS' },
  { name: './other/', type: 'directory' },
  { name: './other/o.txt', content: 'OOO' },
];

async function collect(file: string, only: string[]): Promise<SelectionCollector> {
  const c = new SelectionCollector(chosenRoots(only));
  await scanArchive(file, { onEntry: (e) => c.add(e) });
  return c;
}

const dir = (extra: Partial<VolumeStat> = {}): VolumeStat => ({ type: 'd', mode: 0o755, uid: 1001, gid: 1001, mtime: '1600000000.5', ...extra });
const file = (extra: Partial<VolumeStat> = {}): VolumeStat => ({ ...dir(), type: 'f', mode: 0o644, ...extra });
const opts = { into: '', conflict: undefined, label: 'backup L', now: 1_700_000_000_000 };

async function archive(): Promise<string> {
  const f = path.join(await tempDir('sel-unit-'), 'a.tar');
  await packTar(f, ENTRIES);
  return f;
}

describe('selective restore paths', () => {
  it('normalises chosen paths and refuses ".." and the whole archive', () => {
    expect(selectionKey('./notebooks//a.ipynb', 'only')).toBe('notebooks/a.ipynb');
    expect(selectionKey('/notebooks/', 'only')).toBe('notebooks');
    expect(selectionKey('.', 'into')).toBe('');
    expect(thrownBy(() => selectionKey('a/../../etc', 'only'))?.code).toBe('INVALID_ARGUMENT');
    expect(thrownBy(() => selectionKey('..', 'into'))?.message).toContain('inside the volume');
    expect(thrownBy(() => selectionKey('./', 'only'))?.code).toBe('INVALID_ARGUMENT');
    expect(chosenRoots(['notebooks/a', 'notebooks', './notebooks/', 'other/x'])).toEqual(['notebooks', 'other/x']);
  });

  it('suggests near names: the same name elsewhere, then typos', () => {
    const keys = ['notebooks/a.ipynb', 'old/a.ipynb', 'notebooks/b.ipynb', 'data/table.csv'];
    expect(nearNames('a.ipynb', keys)).toEqual(['old/a.ipynb', 'notebooks/a.ipynb']);
    expect(nearNames('notebooks/a.ipnyb', keys)[0]).toBe('notebooks/a.ipynb');
    expect(nearNames('zzz', keys)).toEqual([]);
  });

  it("parses find's listing, spaces and newlines in names included", () => {
    const m = parseListing(Buffer.from('d 755 0 0 1.5 /volume\0f 644 1001 1001 2.0 /volume/a b\nc\0l 777 0 0 3 /volume/ln\0'));
    expect([...m.keys()]).toEqual(['', 'a b\nc', 'ln']);
    expect(m.get('a b\nc')).toEqual({ type: 'f', mode: 0o644, uid: 1001, gid: 1001, mtime: '2.0' });
  });
});

describe('selective restore decisions', () => {
  it('a missing path names near ones', async () => {
    const c = await collect(await archive(), ['notebooks/a.ipnyb']);
    const err = thrownBy(() => c.assertAllFound());
    expect(err?.code).toBe('FILE_NOT_FOUND');
    expect(err?.message).toContain('Did you mean "notebooks/a.ipynb"');
  });

  it('writes only the chosen entries; folders above are restated as they are or made', async () => {
    const c = await collect(await archive(), ['notebooks/sub']);
    const d = decideSelection(c, new Map([['', dir()]]), { ...opts, into: 'r' });
    expect([...d.actions.values()].map((a) => a.path)).toEqual(['r/notebooks', 'r/notebooks/sub', 'r/notebooks/sub/s.txt']);
    expect(d.prelude).toEqual([
      { key: '', mode: 0o755, uid: 1001, gid: 1001, mtime: '1600000000.5', restated: true },
      { key: 'r', mode: 0o755, uid: 1001, gid: 1001, mtime: '1700000000', restated: false },
    ]);
    const existing = decideSelection(
      c,
      new Map([
        ['', dir()],
        ['notebooks', dir({ mode: 0o700 })],
      ]),
      opts,
    );
    expect([...existing.actions.values()].map((a) => a.path)).toEqual(['notebooks/sub', 'notebooks/sub/s.txt']);
    expect(existing.prelude.map((p) => [p.key, p.restated, p.mode])).toEqual([
      ['', true, 0o755],
      ['notebooks', true, 0o700],
    ]);
    expect(existing.entries).toBe(2);
    expect(existing.bytes).toBe(2);
  });

  it('conflicts: listed without a choice; overwrite, skip and keep-both; a hard link follows its target', async () => {
    const c = await collect(await archive(), ['notebooks/a.ipynb', 'notebooks/a-link.ipynb']);
    const vol = new Map([
      ['', dir()],
      ['notebooks', dir()],
      ['notebooks/a.ipynb', file()],
      ['notebooks/a (backup L).ipynb', file()],
    ]);
    const none = decideSelection(c, vol, opts);
    expect(none.conflicts).toEqual(['notebooks/a.ipynb']);
    const paths = (conflict: 'overwrite' | 'skip' | 'keep-both') =>
      [...decideSelection(c, vol, { ...opts, conflict }).actions.values()].map((a) => [a.path, a.link]);
    expect(paths('overwrite')).toEqual([
      ['notebooks/a.ipynb', null],
      ['notebooks/a-link.ipynb', 'notebooks/a.ipynb'],
    ]);
    // The target is skipped: the link gets its content (the target's entry, written under the link's name).
    expect(paths('skip')).toEqual([['notebooks/a-link.ipynb', null]]);
    const kept = decideSelection(c, vol, { ...opts, conflict: 'keep-both' });
    expect(kept.renamed).toEqual([{ path: 'notebooks/a.ipynb', as: 'notebooks/a (backup L 2).ipynb' }]);
    expect([...kept.actions.values()].map((a) => [a.path, a.link])).toEqual([
      ['notebooks/a (backup L 2).ipynb', null],
      ['notebooks/a-link.ipynb', 'notebooks/a (backup L 2).ipynb'],
    ]);
  });

  it('refuses symlinks on the way and file/folder mismatches, all at once', async () => {
    const c = await collect(await archive(), ['notebooks', 'other/o.txt']);
    const vol = new Map([
      ['', dir()],
      ['notebooks', dir()],
      ['notebooks/sub', file()],
      ['notebooks/a.ipynb', dir()],
      ['other', file({ type: 'l' })],
    ]);
    const err = thrownBy(() => decideSelection(c, vol, { ...opts, conflict: 'overwrite' }));
    expect(err?.code).toBe('INVALID_ARGUMENT');
    expect(err?.message).toContain('"notebooks/a.ipynb" in the volume is a folder, but the archive has a file there');
    expect(err?.message).toContain('"notebooks/sub" in the volume is a file, but the archive has a folder there');
    expect(err?.message).toContain('"other" in the volume is a symbolic link');
  });
});

describe('TarSelect', () => {
  it('keeps and renames chosen entries, with a prelude of exact folders, as GNU tar reads it', async () => {
    const src = await archive();
    const c = await collect(src, ['notebooks/a-link.ipynb']);
    const d = decideSelection(
      c,
      new Map([
        ['', dir()],
        ['notebooks', dir({ mtime: '1600000000.123456789' })],
      ]),
      { ...opts, into: 'deep/er' },
    );
    const out = path.join(path.dirname(src), 'out.tar');
    const prelude = d.prelude.flatMap((p) => dirHeader(Buffer.from(p.key, 'latin1'), p));
    const seen: string[] = [];
    const select = new TarSelect({
      prelude,
      onEntry: (e) => seen.push(e.path),
      decide: (i) => {
        const a = d.actions.get(i);
        return a ? { path: Buffer.from(a.isDir ? `${a.path}/` : a.path, 'latin1'), link: a.link === null ? null : Buffer.from(a.link, 'latin1') } : null;
      },
    });
    await pipeline(createReadStream(src), select, createWriteStream(out));
    expect(seen).toEqual(['deep/er/notebooks/', 'deep/er/notebooks/a-link.ipynb']);
    const listed = await gnuList(out);
    expect(listed.map((e) => [e.path, e.kind, e.size])).toEqual([
      ['./', 'd', 0],
      ['deep/', 'd', 0],
      ['deep/er/', 'd', 0],
      ['deep/er/notebooks/', 'd', 0],
      ['deep/er/notebooks/a-link.ipynb', '-', 1],
    ]);
    const target = await tempDir('sel-unit-x-');
    await runOk('tar', ['-C', target, '-xf', out]);
    expect((await runOk('cat', [path.join(target, 'deep/er/notebooks/a-link.ipynb')])).toString()).toBe('A');
  });

  it('writes a sub-second mtime and long paths in a pax header', async () => {
    const blocks = dirHeader(Buffer.from(`${'x'.repeat(120)}/y`), { mode: 0o2750, uid: 5, gid: 6, mtime: '1600000000.1234567890' });
    const out = path.join(await tempDir('sel-unit-h-'), 'h.tar');
    await pipeline(async function* () {
      yield* blocks;
      yield Buffer.alloc(1024);
    }, createWriteStream(out));
    const line = (await runOk('tar', ['--numeric-owner', '--full-time', '-tvf', out])).toString();
    expect(line).toMatch(/^drwxr-s--- 5\/6\s+0 2020-09-13 12:26:40\.123456789 x{120}\/y\/\n$/);
  });
});
