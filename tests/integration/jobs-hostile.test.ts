// Archives that got past the check (issue 11, items 1-5), against the real engine: each case below
// was accepted, or extracted something the check never saw, before the fix.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobEngine, JobSummary, RestoreMode, StartRestoreOptions } from '../../shared/contract/jobs';
import { ailabInProcess, runBuiltCli } from '../support/cli';
import { docker, TEST_LABEL, uniqueName } from '../support/docker';
import { end, file, header, pad, sparseHidingEntry } from '../unit/tar-craft';
import {
  createVolume,
  inVolume,
  jobsHarness,
  newVolumeName,
  ourHelpers,
  removeTestVolumes,
  tempDir,
  trackVolume,
  volumeExists,
  treeOf,
  type JobsHarness,
} from './jobs-support';
import { writeLongPathTgz } from '../support/hostileArchives';

let h: JobsHarness;
let dir: string;
const cleanups: Array<() => void> = [];
const ENGINES: JobEngine[] = ['fast', 'tar'];

beforeAll(async () => {
  h = await jobsHarness();
  dir = tempDir('ailab-jobs-hostile-');
});

afterAll(async () => {
  for (const fn of cleanups.reverse()) fn();
  await h?.close();
  await removeTestVolumes();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, data: Buffer): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
}

async function restore(opts: Partial<StartRestoreOptions> & { archivePath: string; volume: string; mode: RestoreMode }): Promise<JobSummary> {
  const { archivePath, ...rest } = opts;
  return h.finish(await h.jobs.startRestore({ source: { archivePath }, ...rest }));
}

/** A small tmpfs mounted on the host, removed after the tests. */
function tmpfs(size: string): string {
  const mnt = tempDir('ailab-jobs-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
  cleanups.push(() => {
    execFileSync('umount', [mnt]);
    fs.rmSync(mnt, { recursive: true, force: true });
  });
  return mnt;
}

describe('a tiny archive with a very long path (item 1)', () => {
  it('is refused by `ailab restore p.tgz v --mode new` at once, and nothing is created', async () => {
    const p = path.join(dir, 'p.tgz');
    writeLongPathTgz(p);
    const volume = newVolumeName('jobs-longpath');
    const r = await runBuiltCli(['restore', p, volume, '--mode', 'new'], { timeoutMs: 30_000 });
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('has a path of 65537 bytes; Linux cannot create paths longer than 4095 bytes');
    expect(r.stderr.match(/Nothing was changed/g)?.length).toBe(1);
    expect(r.stderr.length).toBeLessThan(4000);
    expect(await volumeExists(volume)).toBe(false);
  });
});

describe('an old-GNU sparse member hiding a device (item 2)', () => {
  // The header's map is full, so GNU tar reads the extension block after it; a parser that skips the
  // size takes the data block for a file header and the device for that file's content ("2 files").
  const tar = sparseHidingEntry(
    './',
    header({
      name: './null',
      type: '3',
      mode: 0o666,
      at: [
        [329, Buffer.from('0000001\0', 'latin1')],
        [337, Buffer.from('0000003\0', 'latin1')],
      ],
    }),
  );

  it('is refused by the plan, which sees the device GNU tar would make', async () => {
    const archive = write('hidden-device.tgz', zlib.gzipSync(tar));
    await expect(h.jobs.planRestore({ source: { archivePath: archive }, volume: null })).rejects.toMatchObject({
      code: 'ARCHIVE_UNSAFE',
      message: expect.stringMatching(/null" is a character device/),
    });
  });

  it.each(ENGINES)('fails new and replace restores with nothing changed and no device (%s engine)', async (engine) => {
    const archive = write(`hidden-device-${engine}.tgz`, zlib.gzipSync(tar));
    const target = await createVolume('jobs-sparse-dev');
    await inVolume(target, 'echo precious > /volume/keep.txt');
    const replaced = await restore({ archivePath: archive, volume: target, mode: 'replace', engine });
    expect(replaced.error?.code).toBe('ARCHIVE_UNSAFE');
    expect(await inVolume(target, 'ls -A /volume')).toBe('keep.txt\n');
    const fresh = newVolumeName('jobs-sparse-dev-new');
    const created = await restore({ archivePath: archive, volume: fresh, mode: 'new', engine });
    expect(created.error?.code).toBe('ARCHIVE_UNSAFE');
    expect(await volumeExists(fresh)).toBe(false);
    expect(await ourHelpers(h)).toEqual([]);
  });
});

describe('a real tar -S archive of a sparse file (item 2)', () => {
  let src: string;
  let sha: string;
  const SIZE = 200 * 1024 * 1024;

  beforeAll(async () => {
    src = tempDir('ailab-jobs-sparse-src-');
    const fd = fs.openSync(path.join(src, 'disk.img'), 'w');
    fs.ftruncateSync(fd, SIZE);
    // Ten data regions between holes: more than an old-GNU header holds, so extension blocks follow.
    for (let i = 0; i < 10; i++) fs.writeSync(fd, Buffer.alloc(10_000, 97 + i), 0, 10_000, i * 20 * 1024 * 1024 + 333);
    fs.closeSync(fd);
    fs.writeFileSync(path.join(src, 'notes.txt'), 'next to the image\n');
    sha = createHash('sha256')
      .update(fs.readFileSync(path.join(src, 'disk.img')))
      .digest('hex');
    cleanups.push(() => fs.rmSync(src, { recursive: true, force: true }));
  });

  it.each([
    ['gnu', 'fast'],
    ['gnu', 'tar'],
    ['posix', 'fast'],
    ['posix', 'tar'],
  ] as const)('in --format=%s restores byte for byte, still sparse (%s engine)', async (format, engine) => {
    const archive = path.join(dir, `sparse-${format}-${engine}.tgz`);
    execFileSync('tar', ['-C', src, '-S', `--format=${format}`, '--numeric-owner', '-czf', archive, '.']);
    expect(fs.statSync(archive).size).toBeLessThan(1024 * 1024);
    const volume = newVolumeName('jobs-sparse');
    const done = await restore({ archivePath: archive, volume, mode: 'new', engine });
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    const tree = await treeOf(volume);
    expect(tree['./disk.img']).toMatchObject({ size: String(SIZE), sha256: sha });
    expect(tree['./notes.txt']?.size).toBe('18');
    // Holes stay holes: 200 MB of file in well under a megabyte of disk.
    const kb = Number((await inVolume(volume, 'du -k /volume/disk.img')).split(/\s/)[0]);
    expect(kb).toBeLessThan(1024);
  });
});

describe('the archive swapped between the check and the extraction (item 3)', () => {
  const good = () => zlib.gzipSync(Buffer.concat([header({ name: './', type: '5', mode: 0o755 }), file('./notebook.ipynb', '{"cells": []}'), end()]));
  const evil = () =>
    zlib.gzipSync(
      Buffer.concat([
        header({ name: './', type: '5', mode: 0o755 }),
        header({ name: './disk', type: '4', mode: 0o660 }),
        file('./rootshell', '#!/bin/sh\n', { mode: 0o4755 }),
        end(),
      ]),
    );

  /** Runs `fn` once, synchronously, when this harness's job enters the unpacking phase (after the check). */
  function atUnpacking(fn: () => void): () => void {
    let done = false;
    return h.core.bus.on('jobProgress', (list) => {
      if (!done && list.some((p) => p.phase === 'unpacking')) {
        done = true;
        fn();
      }
    });
  }

  it.each(ENGINES)('extracts what was checked when another file is renamed over it (%s engine)', async (engine) => {
    const archive = write(`swap-${engine}.tgz`, good());
    const replacement = write(`swap-${engine}-evil.tgz`, evil());
    const off = atUnpacking(() => fs.renameSync(replacement, archive));
    const volume = newVolumeName('jobs-swap');
    try {
      const done = await restore({ archivePath: archive, volume, mode: 'new', engine });
      expect(done.status).toBe('succeeded');
    } finally {
      off();
    }
    expect(fs.readFileSync(archive).equals(evil())).toBe(true); // the swap did happen
    expect(Object.keys(await treeOf(volume)).sort()).toEqual(['.', './notebook.ipynb']);
  });

  it.each(ENGINES)('stops and rolls back when the file is rewritten in place with a device (%s engine)', async (engine) => {
    // Plain .tar of the same length: the same inode, new bytes.
    const a = Buffer.concat([header({ name: './', type: '5' }), file('./x.txt', Buffer.alloc(512, 120)), end()]);
    const b = Buffer.concat([header({ name: './', type: '5' }), header({ name: './disk', type: '4', mode: 0o660 }), pad(Buffer.alloc(1)), end()]);
    expect(b.length).toBe(a.length);
    const archive = write(`inplace-${engine}.tar`, a);
    const off = atUnpacking(() => fs.writeFileSync(archive, b));
    const volume = newVolumeName('jobs-inplace');
    // The check-first path (a new volume is otherwise restored in one pass, with no earlier check to differ from).
    process.env.AILAB_RESTORE_CHECK_FIRST = '1';
    let done: JobSummary;
    try {
      done = await restore({ archivePath: archive, volume, mode: 'new', engine });
    } finally {
      delete process.env.AILAB_RESTORE_CHECK_FIRST;
      off();
    }
    expect(done.status).toBe('failed');
    expect(done.error?.code).toBe('ARCHIVE_UNSAFE');
    expect(done.error?.message).toMatch(/not the one that was checked: "\.\/disk" is a block device/);
    expect(await volumeExists(volume)).toBe(false);
    expect(await ourHelpers(h)).toEqual([]);
  });

  it('fails and rolls back a replace when harmless bytes changed (sha256), putting the old contents back', async () => {
    const a = Buffer.concat([header({ name: './', type: '5' }), file('./x.txt', Buffer.alloc(512, 120)), end()]);
    const b = Buffer.concat([header({ name: './', type: '5' }), file('./x.txt', Buffer.alloc(512, 121)), end()]);
    const archive = write('inplace-sha.tar', a);
    const target = await createVolume('jobs-inplace-sha');
    await inVolume(target, 'echo precious > /volume/keep.txt');
    const off = atUnpacking(() => fs.writeFileSync(archive, b));
    let done: JobSummary;
    try {
      done = await restore({ archivePath: archive, volume: target, mode: 'replace', engine: 'fast' });
    } finally {
      off();
    }
    expect(done.error?.code).toBe('ARCHIVE_INVALID');
    expect(done.error?.message).toMatch(/changed after it was checked: its sha256 is now/);
    expect(done.warnings.join('\n')).toMatch(/put back from the safety backup/);
    expect(await inVolume(target, 'ls -A /volume && cat /volume/keep.txt')).toBe('keep.txt\nprecious\n');
  });
});

describe('setuid and setgid files (item 4)', () => {
  let archive: string;
  beforeAll(() => {
    archive = write(
      'setuid.tgz',
      zlib.gzipSync(
        Buffer.concat([
          header({ name: './', type: '5', mode: 0o755 }),
          header({ name: './bin/', type: '5', mode: 0o755 }),
          file('./bin/rootshell', '#!/bin/sh\n', { mode: 0o4755 }),
          file('./bin/rootgroup', '#!/bin/sh\n', { mode: 0o2755 }),
          file('./bin/usersuid', '#!/bin/sh\n', { mode: 0o4755, uid: 1001, gid: 1001 }),
          file('./bin/plain', '#!/bin/sh\n', { mode: 0o755 }),
          header({ name: './shared/', type: '5', mode: 0o2775, uid: 1001, gid: 100 }),
          end(),
        ]),
      ),
    );
  });

  const modes = async (volume: string) => {
    const t = await treeOf(volume);
    return Object.fromEntries(
      ['./bin/rootshell', './bin/rootgroup', './bin/usersuid', './bin/plain', './shared'].map((p) => [p, `${t[p]?.mode} ${t[p]?.uid}:${t[p]?.gid}`]),
    );
  };

  it.each(ENGINES)('removes them from root-owned files by default and says so; other owners and modes stay exact (%s engine)', async (engine) => {
    const volume = newVolumeName('jobs-setuid');
    const done = await restore({ archivePath: archive, volume, mode: 'new', engine });
    expect(done.status).toBe('succeeded');
    expect(await modes(volume)).toEqual({
      './bin/rootshell': '755 0:0',
      './bin/rootgroup': '755 0:0',
      './bin/usersuid': '4755 1001:1001',
      './bin/plain': '755 0:0',
      './shared': '2775 1001:100',
    });
    expect(done.warnings.join('\n')).toMatch(/Removed the setuid\/setgid bit from 2 root-owned files \(\.\/bin\/rootshell, \.\/bin\/rootgroup\)/);
  });

  it.each(ENGINES)('keeps them exactly when asked (%s engine)', async (engine) => {
    const volume = newVolumeName('jobs-setuid-keep');
    const done = await restore({ archivePath: archive, volume, mode: 'new', engine, keepSetuid: true });
    expect(done.status).toBe('succeeded');
    expect((await modes(volume))['./bin/rootshell']).toBe('4755 0:0');
    expect((await modes(volume))['./bin/rootgroup']).toBe('2755 0:0');
    expect(done.warnings).toEqual([]);
  });

  it('the CLI says so, and --keep-setuid keeps them', async () => {
    const home = tempDir('ailab-cli-setuid-');
    const saved = process.env.AILAB_DESKTOP_HOME;
    process.env.AILAB_DESKTOP_HOME = home;
    try {
      const volume = newVolumeName('jobs-setuid-cli');
      const r = await ailabInProcess('restore', archive, volume, '--mode', 'new');
      expect(r.code).toBe(0);
      expect(r.out).toContain('2 root-owned setuid/setgid files (./bin/rootshell, ./bin/rootgroup) are restored without those bits; --keep-setuid keeps them.');
      expect(r.err).toMatch(/Warning: Removed the setuid\/setgid bit from 2 root-owned files/);
      const kept = newVolumeName('jobs-setuid-cli-keep');
      const k = await ailabInProcess('restore', archive, kept, '--mode', 'new', '--keep-setuid');
      expect(k.code).toBe(0);
      expect(k.err).not.toMatch(/Removed the setuid/);
      expect((await modes(kept))['./bin/rootshell']).toBe('4755 0:0');
    } finally {
      if (saved === undefined) delete process.env.AILAB_DESKTOP_HOME;
      else process.env.AILAB_DESKTOP_HOME = saved;
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('free space (item 5)', () => {
  let threeMb: string;
  beforeAll(() => {
    // Incompressible content: a 3 MB restore from a 3 MB file.
    const noise = (seed: number) => createHash('sha256').update(String(seed)).digest();
    const blob = Buffer.concat(Array.from({ length: 3 * 1024 * 32 }, (_, i) => noise(i)));
    threeMb = write('three-mb.tgz', zlib.gzipSync(Buffer.concat([header({ name: './', type: '5' }), file('./blob.bin', blob), end()])));
  });

  it('refuses a merge and a replace that cannot fit, naming both figures, with nothing changed', async () => {
    // A 1 MB volume (a bind of a host tmpfs).
    const mnt = tmpfs('1m');
    const target = trackVolume(uniqueName('jobs-nospace'));
    await docker.createVolume({ Name: target, Labels: { ...TEST_LABEL }, DriverOpts: { type: 'none', device: mnt, o: 'bind' } });
    await inVolume(target, 'echo precious > /volume/keep.txt');
    const safetyBefore = await h.jobs.listSafetyBackups();
    for (const mode of ['merge', 'replace'] as const) {
      for (const engine of ENGINES) {
        const done = await restore({ archivePath: threeMb, volume: target, mode, engine });
        expect(done.error?.code).toBe('DISK_FULL');
        expect(done.error?.message).toMatch(
          new RegExp(`needs about 3\\.\\d MB, but the disk that holds the volume ${target} has only \\d+(\\.\\d+)? (kB|MB) free\\.`),
        );
        expect(`${done.error?.message} ${done.error?.hint}`.match(/Nothing was changed/g)?.length).toBe(1);
        expect(done.warnings, `${mode} ${engine}`).toEqual([]);
      }
    }
    expect(await inVolume(target, 'ls -A /volume && cat /volume/keep.txt')).toBe('keep.txt\nprecious\n');
    expect(await h.jobs.listSafetyBackups()).toEqual(safetyBefore);
    expect(await ourHelpers(h)).toEqual([]);
  });

  it('refuses a replace whose safety backup cannot fit where the safety backups go', async () => {
    const home = path.join(tmpfs('2m'), 'home');
    fs.mkdirSync(home);
    const small = await jobsHarness({ AILAB_DESKTOP_HOME: home });
    try {
      const target = await createVolume('jobs-nosafety');
      await inVolume(target, 'head -c 3000000 /dev/urandom > /volume/big.bin');
      const tiny = write('tiny.tgz', zlib.gzipSync(Buffer.concat([header({ name: './', type: '5' }), file('./a.txt', 'a'), end()])));
      const done = await small.finish(await small.jobs.startRestore({ source: { archivePath: tiny }, volume: target, mode: 'replace' }));
      expect(done.error?.code).toBe('DISK_FULL');
      expect(done.error?.message).toMatch(
        /^The safety backup of .* needs about 3\.\d MB, but the disk that holds .*safety has only \d+(\.\d+)? (kB|MB) free\.$/,
      );
      expect(Number((await inVolume(target, 'wc -c < /volume/big.bin')).trim())).toBe(3_000_000);
    } finally {
      await small.close();
    }
  });
});
