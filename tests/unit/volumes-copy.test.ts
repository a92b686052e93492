import { describe, expect, it } from 'vitest';
import { hostTarget, parseConflict, parseCpOperand, parseOwner } from '../../electron/cli/commands/volumesCp';
import { planNames } from '../../electron/services/volumes/copyIn';
import { copyName, tarCreateArgs } from '../../electron/services/volumes/copyOut';
import { memberPath } from '../../electron/services/volumes/hostExtract';
import { judgeProbe, parseProbeOutput, prefixPaths, type ProbedEntry } from '../../electron/services/volumes/pathProbe';
import { AppError } from '../../shared/contract/errors';

const thrown = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('did not throw');
};

describe('volumes cp operands', () => {
  it('tells VOLUME:PATH from host paths and "-" like docker cp', () => {
    expect(parseCpOperand('notebooks:/a/b')).toEqual({ kind: 'volume', volume: 'notebooks', path: '/a/b' });
    expect(parseCpOperand('notebooks:a')).toEqual({ kind: 'volume', volume: 'notebooks', path: 'a' });
    expect(parseCpOperand('notebooks:./a')).toEqual({ kind: 'volume', volume: 'notebooks', path: './a' });
    expect(parseCpOperand('notebooks:')).toEqual({ kind: 'volume', volume: 'notebooks', path: '' });
    expect(parseCpOperand('my.vol-1_x:a:b')).toEqual({ kind: 'volume', volume: 'my.vol-1_x', path: 'a:b' });
    expect(parseCpOperand('-')).toEqual({ kind: 'stdio' });
    expect(parseCpOperand('./a:b')).toEqual({ kind: 'host', path: './a:b' });
    expect(parseCpOperand('/tmp/a:b')).toEqual({ kind: 'host', path: '/tmp/a:b' });
    expect(parseCpOperand('C:\\Users\\me')).toEqual({ kind: 'host', path: 'C:\\Users\\me' });
    expect(parseCpOperand('notes.txt')).toEqual({ kind: 'host', path: 'notes.txt' });
  });

  it('parses --owner and --conflict, refusing anything else with the choices', () => {
    expect(parseOwner(undefined)).toBe('auto');
    expect(parseOwner('auto')).toBe('auto');
    expect(parseOwner('1001:100')).toEqual({ uid: 1001, gid: 100 });
    expect(thrown(() => parseOwner('jupyter')).hint).toContain('1001:1001');
    expect(thrown(() => parseOwner('1001')).code).toBe('INVALID_ARGUMENT');
    expect(parseConflict('keep-both')).toBe('keep-both');
    expect(parseConflict(undefined)).toBeUndefined();
    expect(thrown(() => parseConflict('replace')).hint).toContain('overwrite, keep-both or skip');
  });

  it('writes into an existing folder, or as a new name', () => {
    const dirs = new Set(['/tmp/out']);
    const isDir = (p: string) => dirs.has(p);
    expect(hostTarget('/tmp/out', isDir)).toEqual({ dest: '/tmp/out' });
    expect(hostTarget('/tmp/new/', isDir)).toEqual({ dest: '/tmp/new/' });
    expect(hostTarget('/tmp/out/renamed.ipynb', isDir)).toEqual({ dest: '/tmp/out', name: 'renamed.ipynb' });
  });
});

describe('copy in: names', () => {
  const taken = new Set(['a.ipynb', 'a (copy).ipynb', 'data']);
  it('refuses conflicts without a choice, naming them and the choices', () => {
    const e = thrown(() => planNames('v', 'nb', ['a.ipynb', 'new.txt', 'data'], taken, undefined));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toBe('2 names already exist in "nb" of volume "v": "a.ipynb", "data". Nothing was copied.');
    expect(e.details).toEqual({ conflicts: ['a.ipynb', 'data'], choices: ['overwrite', 'keep-both', 'skip'] });
  });
  it('needs no choice without conflicts', () => {
    expect(planNames('v', '', ['x'], taken, undefined)).toEqual([{ name: 'x', final: 'x' }]);
  });
  it('overwrites, skips, or keeps both with a free "(copy)" name', () => {
    expect(planNames('v', '', ['a.ipynb', 'x'], taken, 'overwrite')).toEqual([
      { name: 'a.ipynb', final: 'a.ipynb' },
      { name: 'x', final: 'x' },
    ]);
    expect(planNames('v', '', ['a.ipynb', 'x'], taken, 'skip')).toEqual([
      { name: 'a.ipynb', final: null },
      { name: 'x', final: 'x' },
    ]);
    expect(planNames('v', '', ['a.ipynb', 'data'], taken, 'keep-both')).toEqual([
      { name: 'a.ipynb', final: 'a (copy 2).ipynb' },
      { name: 'data', final: 'data (copy)' },
    ]);
  });
  it('refuses two sources of the same name', () => {
    expect(thrown(() => planNames('v', '', ['x', 'x'], new Set(), 'overwrite')).message).toContain('Two of the files to copy are named "x"');
  });
});

describe('volume path probe', () => {
  const rec = (path: string, type: string, depth = 0): ProbedEntry => ({ depth, type, uid: 1001, gid: 100, path });
  it('lists every prefix of a path', () => {
    expect(prefixPaths('')).toEqual(['/volume']);
    expect(prefixPaths('a/b')).toEqual(['/volume', '/volume/a', '/volume/a/b']);
  });
  it('parses find records, dropping a cut last one', () => {
    const out = Buffer.from('0\0d\x001001\x00100\0/volume/a\0' + '1\0f\x000\x000\0/volume/a/x\ny\0' + '1\0f\0');
    expect(parseProbeOutput(out)).toEqual([rec('/volume/a', 'd'), { depth: 1, type: 'f', uid: 0, gid: 0, path: '/volume/a/x\ny' }]);
  });
  it('finds the target and the names inside it', () => {
    const p = judgeProbe(
      'v',
      'a',
      [rec('/volume', 'd'), rec('/volume/a', 'd', 1), rec('/volume/a', 'd'), rec('/volume/a/x', 'f', 1), rec('/volume/a/b', 'd', 1)],
      true,
    );
    expect(p.target).toEqual(rec('/volume/a', 'd'));
    expect([...p.children].sort()).toEqual(['b', 'x']);
  });
  it('refuses a symlink above the target, and says what is missing', () => {
    const link = thrown(() => judgeProbe('v', 'a/b', [rec('/volume', 'd'), rec('/volume/a', 'l'), rec('/volume/a/b', 'd')], false));
    expect(link.message).toContain('"a" in volume "v" is a symbolic link');
    const missing = thrown(() => judgeProbe('v', 'a/b', [rec('/volume', 'd'), rec('/volume/a', 'd')], false));
    expect(missing).toMatchObject({ code: 'FILE_NOT_FOUND', message: 'There is no "a/b" in volume "v".' });
    const file = thrown(() => judgeProbe('v', 'a/b', [rec('/volume', 'd'), rec('/volume/a', 'f')], false));
    expect(file.message).toContain('is a file, not a folder');
  });
  it('a symlink as the target itself is allowed (copied as a link)', () => {
    expect(judgeProbe('v', 'l', [rec('/volume', 'd'), rec('/volume/l', 'l')], false).target.type).toBe('l');
  });
});

describe('copy out: names and tar arguments', () => {
  it('names the copy after the last component, the root after the volume', () => {
    expect(copyName('vol', '')).toBe('vol');
    expect(copyName('vol', 'a/b.ipynb')).toBe('b.ipynb');
  });
  it('archives a folder as ./… and a file under its own name, "--" before names', () => {
    const probe = (rel: string, type: string) => ({ rel, target: { depth: 0, type, uid: 0, gid: 0, path: '' }, children: new Set<string>() });
    expect(tarCreateArgs(probe('a/b', 'd'))).toEqual({ cmd: ['tar', '-C', '/volume/a/b', '--numeric-owner', '-cf', '-', '.'], top: '' });
    expect(tarCreateArgs(probe('a/-x', 'f'))).toEqual({ cmd: ['tar', '-C', '/volume/a', '--numeric-owner', '-cf', '-', '--', '-x'], top: '-x' });
  });
  it('keeps members inside the copy', () => {
    expect(memberPath('./', '')).toBe('');
    expect(memberPath('./a/b', '')).toBe('a/b');
    expect(memberPath('name/a', 'name')).toBe('a');
    expect(memberPath('other/a', 'name')).toBeNull();
    expect(() => memberPath('./a/../../etc', '')).toThrow(/outside the copy/);
    expect(() => memberPath('/etc/passwd', '')).toThrow(/absolute/);
  });
});
