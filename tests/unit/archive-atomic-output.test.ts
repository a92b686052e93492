import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAtomicOutput } from '../../electron/services/archive/atomicOutput';
import { manifestMatches, manifestPath, readManifest, writeManifest, type BackupManifest } from '../../electron/services/archive/manifest';
import { appErrorOf, noise, run, tempDir } from './archive-fixtures';

let dir: string;

beforeAll(async () => {
  dir = await tempDir();
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function listDir(d: string): Promise<string[]> {
  return (await fs.readdir(d)).sort();
}

/** An output for backup.tgz in a folder of its own, so listDir sees only what this output leaves. */
async function outputInFreshFolder(prefix: string) {
  const d = await fs.mkdtemp(path.join(dir, prefix));
  const final = path.join(d, 'backup.tgz');
  return { d, final, out: await openAtomicOutput(final) };
}

describe('openAtomicOutput', () => {
  it('writes under a hidden temporary name and renames on commit', async () => {
    const { d, final, out } = await outputInFreshFolder('commit-');
    expect(path.dirname(out.tempPath)).toBe(d);
    expect(path.basename(out.tempPath)).toMatch(/^\.backup\.tgz\.partial-[0-9a-f]+$/);
    await pipeline(Readable.from([Buffer.from('hello '), Buffer.from('world')]), out.stream);
    expect(await listDir(d)).toEqual([path.basename(out.tempPath)]);
    await out.commit();
    expect(await listDir(d)).toEqual(['backup.tgz']);
    expect(await fs.readFile(final, 'utf8')).toBe('hello world');
    await out.abort(); // after commit: a no-op, the file stays
    expect(await listDir(d)).toEqual(['backup.tgz']);
  });

  it('ends the stream itself when commit comes first', async () => {
    const final = path.join(dir, 'direct.bin');
    const out = await openAtomicOutput(final);
    out.stream.write(Buffer.from('abc'));
    await out.commit();
    expect(await fs.readFile(final, 'utf8')).toBe('abc');
  });

  it('flushes to disk under the temporary name without renaming; commit then only renames', async () => {
    const { d, final, out } = await outputInFreshFolder('flush-');
    out.stream.write(Buffer.from('flushed'));
    await Promise.all([out.flush(), out.flush()]);
    expect(await listDir(d)).toEqual([path.basename(out.tempPath)]);
    expect(await fs.readFile(out.tempPath, 'utf8')).toBe('flushed');
    await out.commit();
    expect(await fs.readFile(final, 'utf8')).toBe('flushed');
  });

  it('leaves nothing behind on abort, and abort is idempotent', async () => {
    const { d, out } = await outputInFreshFolder('abort-');
    out.stream.write(noise(100_000));
    await out.abort();
    await out.abort();
    expect(await listDir(d)).toEqual([]);
    await expect(out.commit()).rejects.toThrow(/already aborted/);
  });

  it('refuses an existing file unless overwrite is allowed, and then replaces it', async () => {
    const final = path.join(dir, 'exists.tgz');
    await fs.writeFile(final, 'old');
    expect((await appErrorOf(openAtomicOutput(final))).code).toBe('FILE_EXISTS');
    const out = await openAtomicOutput(final, { overwrite: true });
    out.stream.end('new');
    await out.commit();
    expect(await fs.readFile(final, 'utf8')).toBe('new');
  });

  it('refuses to rename over a file that appeared meanwhile', async () => {
    const { d, final, out } = await outputInFreshFolder('race-');
    out.stream.end('ours');
    await fs.writeFile(final, 'theirs');
    expect((await appErrorOf(out.commit())).code).toBe('FILE_EXISTS');
    expect(await fs.readFile(final, 'utf8')).toBe('theirs');
    expect(await listDir(d)).toEqual(['backup.tgz']);
  });

  it('says FILE_NOT_FOUND for a missing folder', async () => {
    expect((await appErrorOf(openAtomicOutput(path.join(dir, 'no-such-folder', 'b.tgz')))).code).toBe('FILE_NOT_FOUND');
  });

  it.skipIf(process.getuid?.() === 0)('says PERMISSION_DENIED for a read-only folder', async () => {
    const d = await fs.mkdtemp(path.join(dir, 'ro-'));
    await fs.chmod(d, 0o500);
    expect((await appErrorOf(openAtomicOutput(path.join(d, 'b.tgz')))).code).toBe('PERMISSION_DENIED');
  });

  describe('on a full disk (a 1 MiB tmpfs)', () => {
    let mnt: string;
    let mounted = false;
    beforeAll(async () => {
      mnt = await fs.mkdtemp(path.join(dir, 'tmpfs-'));
      mounted = (await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt])).code === 0;
    });
    afterAll(async () => {
      if (mounted) await run('umount', [mnt]);
    });

    it('fails with DISK_FULL naming the folder, and abort leaves no partial file', async (ctx) => {
      if (!mounted) ctx.skip('mounting a tmpfs needs root');
      const final = path.join(mnt, 'backup.tgz');
      const out = await openAtomicOutput(final);
      const chunks = Array.from({ length: 8 }, (_, i) => noise(256 * 1024, i + 1)); // 2 MiB into 1 MiB
      const err = await appErrorOf(pipeline(Readable.from(chunks), out.stream));
      expect(err.code).toBe('DISK_FULL');
      expect(err.message).toBe(`The disk holding ${mnt} is full: the backup was not written.`);
      expect(err.hint).toBe('Free space or choose another folder.');
      await out.abort();
      expect(await listDir(mnt)).toEqual([]);
      // The space is back: a small file fits again.
      const again = await openAtomicOutput(final);
      again.stream.end('small');
      await again.commit();
      expect(await listDir(mnt)).toEqual(['backup.tgz']);
    });

    it('a failed commit after DISK_FULL removes the temporary file itself', async (ctx) => {
      if (!mounted) ctx.skip('mounting a tmpfs needs root');
      await fs.rm(path.join(mnt, 'backup.tgz'), { force: true });
      const out = await openAtomicOutput(path.join(mnt, 'second.tgz'));
      out.stream.on('error', () => undefined);
      for (let i = 0; i < 8; i++) out.stream.write(noise(256 * 1024, i + 20));
      expect((await appErrorOf(out.commit())).code).toBe('DISK_FULL');
      expect(await listDir(mnt)).toEqual([]);
    });
  });
});

describe('manifest sidecar', () => {
  const manifest: BackupManifest = {
    format: 'ailab-desktop-backup',
    formatVersion: 1,
    volume: 'my-notebooks',
    labels: { project: 'x' },
    sourceImage: 'exasol/ai-lab:6.1.0',
    createdAt: '2024-05-01T12:00:00.000Z',
    entries: 12,
    totalBytes: 3456,
    compressedBytes: 789,
    sha256: 'a'.repeat(64),
    engine: 'fast',
    appVersion: '0.1.0',
  };

  it('round-trips next to the archive', async () => {
    const archive = path.join(dir, 'm.tgz');
    const written = await writeManifest(archive, manifest);
    expect(written).toBe(`${archive}.json`);
    expect(manifestPath(archive)).toBe(written);
    expect(await readManifest(archive)).toEqual(manifest);
    expect(manifestMatches(manifest, { sha256: 'a'.repeat(64), compressedBytes: 789 })).toBe(true);
    expect(manifestMatches(manifest, { sha256: 'b'.repeat(64), compressedBytes: 789 })).toBe(false);
  });

  it('reads null for a missing, foreign or broken sidecar, never throwing', async () => {
    expect(await readManifest(path.join(dir, 'none.tgz'))).toBeNull();
    await fs.writeFile(path.join(dir, 'foreign.tgz.json'), JSON.stringify({ hello: 'world' }));
    expect(await readManifest(path.join(dir, 'foreign.tgz'))).toBeNull();
    await fs.writeFile(path.join(dir, 'broken.tgz.json'), '{ not json');
    expect(await readManifest(path.join(dir, 'broken.tgz'))).toBeNull();
    await fs.writeFile(path.join(dir, 'future.tgz.json'), JSON.stringify({ ...manifest, formatVersion: 2 }));
    expect(await readManifest(path.join(dir, 'future.tgz'))).toBeNull();
  });

  it('refuses to write an invalid manifest', async () => {
    await expect(writeManifest(path.join(dir, 'bad.tgz'), { ...manifest, sha256: 'nope' })).rejects.toThrow();
  });
});
