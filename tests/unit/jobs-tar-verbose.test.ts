import { describe, expect, it } from 'vitest';
import { parseVerboseLine, unescapeTarName } from '../../electron/services/jobs/tarVerbose';

describe('GNU tar verbose lines', () => {
  it('reads -vv long listings: type, size, name, link targets', () => {
    expect(parseVerboseLine('-rw-r--r-- 1001/1001     3000000 2026-11-26 03:59 ./data/blob.bin')).toEqual({
      kind: 'entry',
      path: './data/blob.bin',
      type: '-',
      size: 3000000,
      linkTarget: null,
    });
    expect(parseVerboseLine('drwxr-xr-x root/root         0 2026-11-26 03:59 ./sp ace/')).toMatchObject({ path: './sp ace/', type: 'd', size: 0 });
    expect(parseVerboseLine('lrwxrwxrwx root/root         0 2026-11-26 03:58 ./venv/bin/python -> /usr/bin/python3')).toMatchObject({
      path: './venv/bin/python',
      type: 'l',
      linkTarget: '/usr/bin/python3',
    });
    expect(parseVerboseLine('hrw-r--r-- 1001/1001         0 2026-11-26 03:58 ./a/f.txt link to ./hard')).toMatchObject({
      path: './a/f.txt',
      type: 'h',
      size: 0,
      linkTarget: './hard',
    });
    expect(parseVerboseLine('crw-rw-rw- root/root      1,3 2026-11-26 03:58 ./null')).toMatchObject({ type: 'c', size: 0 });
  });

  it('decodes the escapes tar uses for names (UTF-8 as octal in the C locale, newlines, backslashes)', () => {
    expect(unescapeTarName('./sp ace/\\303\\274n\\303\\257/f \\303\\274.txt')).toBe('./sp ace/ünï/f ü.txt');
    expect(unescapeTarName('./new\\nline')).toBe('./new\nline');
    expect(unescapeTarName('./back\\\\slash')).toBe('./back\\slash');
    expect(parseVerboseLine('-rw-r--r-- root/root 2 2026-11-26 03:59 ./\\342\\234\\223 done.txt')).toMatchObject({ path: './✓ done.txt' });
  });

  it('takes bare names (-v, BusyBox) and tells tar messages apart', () => {
    expect(parseVerboseLine('./notebooks/start.ipynb')).toEqual({ kind: 'entry', path: './notebooks/start.ipynb', type: null, size: null, linkTarget: null });
    expect(parseVerboseLine('tar: ./x: file changed as we read it')).toEqual({ kind: 'message', text: 'tar: ./x: file changed as we read it' });
    expect(parseVerboseLine('')).toBeNull();
  });
});
