import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../support/docker';
import { jobsWithSource, newVolumeName, ourHelpers, removeTestVolumes, RICH_CONTENT, tempDir, treeOf, type JobsHarness, type TreeEntry } from './jobs-support';

type Entry = Partial<tarStream.Header> & { name: string; content?: string };

async function tarOf(entries: Entry[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  // Read while writing: the pack stream holds back entry callbacks while its buffer is full.
  const collected = (async () => {
    for await (const c of pack as unknown as AsyncIterable<Buffer>) chunks.push(c);
  })();
  for (const e of entries) {
    const { content, ...header } = e;
    await new Promise<void>((resolve, reject) => pack.entry(header as tarStream.Header, content ?? '', (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

let h: JobsHarness;
let target: string;
let before: Record<string, TreeEntry>;
let dir: string;
const archives: Record<string, { file: string; code: 'ARCHIVE_INVALID' | 'ARCHIVE_UNSAFE'; message: RegExp }> = {};

beforeAll(async () => {
  ({ h, out: dir, source: target } = await jobsWithSource('jobs-refuse', RICH_CONTENT));
  before = await treeOf(target);

  const good = zlib.gzipSync(
    await tarOf([
      { name: './', type: 'directory', mode: 0o755 },
      { name: './notebooks/', type: 'directory', mode: 0o755 },
      ...Array.from({ length: 200 }, (_, i) => ({ name: `./notebooks/n${i}.ipynb`, mode: 0o644, content: `{"cells": [${i}]}`.repeat(200) })),
      { name: './notebooks/start.ipynb', mode: 0o644, content: 'replaced!' },
    ]),
  );
  const write = (name: string, data: Buffer | string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, data);
    return file;
  };
  const corrupt = Buffer.from(good);
  corrupt.fill(0x55, Math.floor(corrupt.length * 0.4), Math.floor(corrupt.length * 0.4) + 64);
  archives.corrupt = { file: write('corrupt.tgz', corrupt), code: 'ARCHIVE_INVALID', message: /corrupt|damaged/i };
  archives.truncated = { file: write('truncated.tgz', good.subarray(0, Math.floor(good.length * 0.6))), code: 'ARCHIVE_INVALID', message: /truncated/i };
  archives.text = { file: write('notes.tgz', 'these are not the archives you are looking for\n'), code: 'ARCHIVE_INVALID', message: /not a tar or gzip/i };
  const zipDir = tempDir('ailab-jobs-zip-');
  fs.writeFileSync(path.join(zipDir, 'a.txt'), 'zip me');
  execFileSync('python3', [
    '-c',
    'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1],"w"); z.write(sys.argv[2],"a.txt"); z.close()',
    path.join(dir, 'backup.zip.tgz'),
    path.join(zipDir, 'a.txt'),
  ]);
  archives.zip = { file: path.join(dir, 'backup.zip.tgz'), code: 'ARCHIVE_INVALID', message: /zip/i };
  archives.gzipNotTar = {
    file: write('plain.tgz', zlib.gzipSync(Buffer.from('just text, gzip-compressed\n'.repeat(100)))),
    code: 'ARCHIVE_INVALID',
    message: /does not contain a tar/i,
  };
  archives.dotdot = {
    file: write(
      'dotdot.tgz',
      zlib.gzipSync(
        await tarOf([
          { name: './ok.txt', content: 'ok' },
          { name: '../escape.txt', content: 'evil' },
        ]),
      ),
    ),
    code: 'ARCHIVE_UNSAFE',
    message: /cannot be restored safely/,
  };
  archives.absolute = {
    file: write('absolute.tgz', zlib.gzipSync(await tarOf([{ name: '/etc/evil.conf', content: 'evil' }]))),
    code: 'ARCHIVE_UNSAFE',
    message: /cannot be restored safely/,
  };
  archives.throughSymlink = {
    file: write(
      'through-symlink.tgz',
      zlib.gzipSync(
        await tarOf([
          { name: './link', type: 'symlink', linkname: '/tmp' },
          { name: './link/evil.txt', content: 'evil' },
        ]),
      ),
    ),
    code: 'ARCHIVE_UNSAFE',
    message: /cannot be restored safely/,
  };
  archives.hardlinkOutside = {
    file: write('hardlink.tgz', zlib.gzipSync(await tarOf([{ name: './passwd', type: 'link', linkname: '../../etc/passwd' }]))),
    code: 'ARCHIVE_UNSAFE',
    message: /cannot be restored safely/,
  };
  archives.device = {
    file: write('device.tgz', zlib.gzipSync(await tarOf([{ name: './null', type: 'character-device', devmajor: 1, devminor: 3 }]))),
    code: 'ARCHIVE_UNSAFE',
    message: /cannot be restored safely/,
  };
});

afterAll(async () => {
  await h?.close();
  await removeTestVolumes();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const kinds = ['corrupt', 'truncated', 'text', 'zip', 'gzipNotTar', 'dotdot', 'absolute', 'throughSymlink', 'hardlinkOutside', 'device'];

describe.each(kinds)('a %s archive', (kind) => {
  it('is refused by the plan with a clear message', async () => {
    const a = archives[kind];
    if (!a) throw new Error(`no fixture ${kind}`);
    await expect(h.jobs.planRestore({ source: { archivePath: a.file }, volume: target })).rejects.toMatchObject({ code: a.code, message: a.message });
  });

  it('fails a merge, a replace and a new-volume restore with nothing changed', async () => {
    const a = archives[kind];
    if (!a) throw new Error(`no fixture ${kind}`);
    for (const mode of ['merge', 'replace'] as const) {
      for (const engine of ['fast', 'tar'] as const) {
        const done = await h.finish(await h.jobs.startRestore({ source: { archivePath: a.file }, volume: target, mode, engine }));
        expect(done.status).toBe('failed');
        expect(done.error?.code).toBe(a.code);
        expect(done.error?.hint).toMatch(/Nothing was changed/);
        // Refused before a safety backup was even taken.
        expect(done.progress.phase).toBe('failed');
      }
    }
    const fresh = newVolumeName('jobs-refuse-new');
    const done = await h.finish(await h.jobs.startRestore({ source: { archivePath: a.file }, volume: fresh, mode: 'new' }));
    expect(done.error?.code).toBe(a.code);
    await expect(docker.getVolume(fresh).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await treeOf(target)).toEqual(before);
    expect(await h.jobs.listSafetyBackups()).toEqual([]);
    expect(await ourHelpers(h)).toEqual([]);
  });
});
