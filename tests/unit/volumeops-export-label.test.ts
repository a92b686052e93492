import { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { createTarRewriter } from '../../electron/services/archive/stripTopFolder';
import { createTarTap } from '../../electron/services/archive/tarTap';
import type { TarEntryInfo } from '../../electron/services/archive/types';
import { exportLabelChange, parseExportLabel } from '../../electron/services/volumeOps/exportLabel';
import { splitReference } from '../../electron/services/volumeOps/exportImage';
import { registryOf } from '../../electron/services/volumeOps/registryPush';
import { VOLUME_EXPORT_LABEL } from '../../shared/contract/volumeOps';

describe('the export label', () => {
  it("is a LABEL change in single quotes whose JSON reads back exactly, a ' written as \\u0027", () => {
    const info = { volume: 'nc.data', entries: 3, totalBytes: 10, createdAt: '2026-12-06T05:00:00.000Z', appVersion: "1.0 'beta' $HOME \\x" };
    const change = exportLabelChange(info);
    expect(change.startsWith(`LABEL ${VOLUME_EXPORT_LABEL}='`)).toBe(true);
    const quoted = change.slice(change.indexOf("'") + 1, -1);
    expect(quoted).not.toContain("'");
    expect(parseExportLabel(quoted)).toEqual({ info });
  });

  it('refuses a value that is not an export description, saying why', () => {
    expect(parseExportLabel('not json')).toEqual({ problem: 'its value is not JSON' });
    expect(parseExportLabel('{"volume":"x"}')).toMatchObject({ problem: expect.stringContaining('entries') });
  });
});

describe('references', () => {
  it('splits name and tag (latest when missing) and refuses digests', () => {
    expect(splitReference('127.0.0.1:5000/me/nb')).toEqual({ repo: '127.0.0.1:5000/me/nb', tag: 'latest' });
    expect(splitReference('nb:20261206')).toEqual({ repo: 'nb', tag: '20261206' });
    expect(() => splitReference('nb@sha256:' + 'a'.repeat(64))).toThrow(/digest/);
  });

  it('finds the registry as the docker CLI does', () => {
    expect(registryOf('ubuntu')).toBe('docker.io');
    expect(registryOf('me/nb:1')).toBe('docker.io');
    expect(registryOf('localhost/nb')).toBe('localhost');
    expect(registryOf('127.0.0.1:5000/me/nb:1')).toBe('127.0.0.1:5000');
    expect(registryOf('registry.example.com/me/nb')).toBe('registry.example.com');
  });
});

describe('prefixAsRoot', () => {
  it("turns an image's volume/ into ./ and volume/x into x, hard link targets included", async () => {
    const pack = tarStream.pack();
    pack.entry({ name: 'volume/', type: 'directory', mode: 0o775, uid: 1001, gid: 1001 });
    pack.entry({ name: 'volume/a.txt', mode: 0o644 }, 'a');
    pack.entry({ name: 'volume/b.txt', type: 'link', linkname: 'volume/a.txt' });
    pack.finalize();
    const seen: TarEntryInfo[] = [];
    const tap = createTarTap((e) => seen.push(e));
    const rewriter = createTarRewriter({ stripPrefix: 'volume/', prefixAsRoot: true });
    Readable.from(pack as unknown as AsyncIterable<Buffer>)
      .pipe(rewriter)
      .pipe(tap);
    tap.resume();
    await new Promise((r) => tap.on('end', r));
    expect(seen.map((e) => [e.path, e.type, e.linkTarget ?? null])).toEqual([
      ['./', 'directory', null],
      ['a.txt', 'file', null],
      ['b.txt', 'hardlink', 'a.txt'],
    ]);
    expect(seen[0]).toMatchObject({ uid: 1001, mode: expect.any(Number) });
    expect((seen[0]?.mode ?? 0) & 0o7777).toBe(0o775);
  });
});
