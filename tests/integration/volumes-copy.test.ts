import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreTestEnv, type CoreTestEnv } from '../support/core';
import { docker, TEST_LABEL, uniqueName } from '../support/docker';
import { createVolume, inVolume, removeTestVolumes, trackVolume, treeOf } from './jobs-support';

let env: CoreTestEnv;
const dirs: string[] = [];
const tmp = (p = 'ailab-copy-') => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), p));
  dirs.push(d);
  return d;
};
const fixedTime = new Date('2021-03-04T05:06:07Z');

/** A volume holding nb/ (mode 750, uid 1001) with a file, an executable, a sub folder and two symlinks. */
async function notebooksVolume(): Promise<string> {
  const v = await createVolume('copy-vol');
  await inVolume(
    v,
    `set -e; cd /volume; mkdir -p nb/sub; printf 'hello' > nb/a.ipynb; printf '#!/bin/sh\\n' > nb/run.sh; printf 'deep' > nb/sub/d.txt
     chmod 640 nb/a.ipynb; chmod 755 nb/run.sh; chmod 750 nb; chmod 700 nb/sub
     ln -s a.ipynb nb/link; ln -s /usr/bin/python3 nb/py
     chown -R 1001:1001 nb; chown -h 1001:1001 nb/link nb/py
     touch -h -d 2021-03-04T05:06:07Z nb/a.ipynb nb/run.sh nb/sub/d.txt nb/link nb/sub nb
     mkdir notes; chown 1001:100 notes; printf 'old' > notes/x.txt; ln -s /etc notes/etc; ln -s notes notesLink`,
  );
  return v;
}

beforeAll(async () => {
  env = await coreTestEnv('copy');
}, 60_000);

afterAll(async () => {
  await env?.cleanup();
  await removeTestVolumes();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('copyFromVolume', () => {
  it('copies a file with its mode and mtime, and refuses a name taken on the host', async () => {
    const v = await notebooksVolume();
    const dest = tmp();
    const r = await env.ok('copyFromVolume', { volume: v, path: './nb/a.ipynb', dest, as: 'folder' });
    expect(r).toEqual({ written: path.join(dest, 'a.ipynb'), entries: 1, bytes: 5 });
    const st = fs.statSync(r.written);
    expect(fs.readFileSync(r.written, 'utf8')).toBe('hello');
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.mtime.getTime()).toBe(fixedTime.getTime());

    fs.writeFileSync(r.written, 'mine');
    const taken = await env.fails('copyFromVolume', { volume: v, path: '/nb/a.ipynb', dest, as: 'folder' });
    expect(taken.code).toBe('FILE_EXISTS');
    expect(taken.message).toContain(`"a.ipynb" already exists in ${dest}`);
    expect(taken.hint).toMatch(/another folder/);
    expect(fs.readFileSync(r.written, 'utf8')).toBe('mine');
    expect(fs.readdirSync(dest)).toEqual(['a.ipynb']);
  });

  it('copies a folder with modes, mtimes and symlinks kept as links, leaving no temporary behind', async () => {
    const v = await notebooksVolume();
    const dest = tmp();
    const r = await env.ok('copyFromVolume', { volume: v, path: 'nb', dest, as: 'folder' });
    const nb = path.join(dest, 'nb');
    expect(r.written).toBe(nb);
    expect(r.entries).toBe(7);
    expect(r.bytes).toBe(5 + 10 + 4);
    expect(fs.readdirSync(dest)).toEqual(['nb']);
    expect(fs.statSync(nb).mode & 0o777).toBe(0o750);
    expect(fs.statSync(path.join(nb, 'sub')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(nb, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(fs.statSync(nb).mtime.getTime()).toBe(fixedTime.getTime());
    expect(fs.statSync(path.join(nb, 'sub')).mtime.getTime()).toBe(fixedTime.getTime());
    expect(fs.readlinkSync(path.join(nb, 'link'))).toBe('a.ipynb');
    expect(fs.lstatSync(path.join(nb, 'py')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(nb, 'py'))).toBe('/usr/bin/python3');
    expect(fs.readFileSync(path.join(nb, 'sub', 'd.txt'), 'utf8')).toBe('deep');
  });

  it('writes a folder as a private .tgz that restores with the guide command to the same tree', async () => {
    const v = await notebooksVolume();
    const dest = tmp();
    const r = await env.ok('copyFromVolume', { volume: v, path: '/', dest, as: 'tgz' });
    expect(r.written).toBe(path.join(dest, `${v}.tgz`));
    expect(fs.statSync(r.written).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dest)).toEqual([`${v}.tgz`]);
    const restored = trackVolume(uniqueName('copy-restored'));
    await docker.createVolume({ Name: restored, Labels: TEST_LABEL });
    await inVolume(restored, `tar -C /volume -xzf /dest/${v}.tgz`, [{ Type: 'bind', Source: dest, Target: '/dest', ReadOnly: true }]);
    expect(await treeOf(restored)).toEqual(await treeOf(v));
  });

  it('refuses a path through a symlink, "..", a missing path and a missing host folder', async () => {
    const v = await notebooksVolume();
    const dest = tmp();
    const link = await env.fails('copyFromVolume', { volume: v, path: 'notes/etc/passwd', dest, as: 'folder' });
    expect(link).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(link.message).toContain('symbolic link');
    expect((await env.fails('copyFromVolume', { volume: v, path: '../x', dest, as: 'folder' })).code).toBe('INVALID_ARGUMENT');
    const missing = await env.fails('copyFromVolume', { volume: v, path: 'nb/nope', dest, as: 'folder' });
    expect(missing).toMatchObject({ code: 'FILE_NOT_FOUND', message: `There is no "nb/nope" in volume "${v}".` });
    const noDest = await env.fails('copyFromVolume', { volume: v, path: 'nb', dest: path.join(dest, 'gone'), as: 'folder' });
    expect(noDest).toMatchObject({ code: 'FILE_NOT_FOUND', message: `The folder ${path.join(dest, 'gone')} does not exist.` });
    expect(fs.readdirSync(dest)).toEqual([]);
  });
});

async function listing(v: string, folder: string): Promise<string> {
  return inVolume(v, `cd /volume/${folder} && find . -mindepth 1 -printf '%P %y %U:%G %m %s\\n' | sort`);
}

describe('copyIntoVolume', () => {
  let host: string;
  beforeAll(() => {
    host = tmp('ailab-copy-src-');
    fs.mkdirSync(path.join(host, 'data', 'inner'), { recursive: true });
    fs.writeFileSync(path.join(host, 'data', 'inner', 'f.csv'), 'a,b\n');
    fs.chmodSync(path.join(host, 'data', 'inner', 'f.csv'), 0o604);
    fs.symlinkSync('inner/f.csv', path.join(host, 'data', 'shortcut'));
    fs.writeFileSync(path.join(host, 'x.txt'), 'new');
    fs.chmodSync(path.join(host, 'x.txt'), 0o640);
    fs.utimesSync(path.join(host, 'x.txt'), fixedTime, fixedTime);
  });

  it('copies files and folders owned like the folder (auto), modes, mtimes and symlinks kept', async () => {
    const v = await notebooksVolume();
    const r = await env.ok('copyIntoVolume', {
      volume: v,
      folder: '/nb',
      sources: [{ hostPath: path.join(host, 'data') }, { hostPath: path.join(host, 'x.txt') }],
      owner: 'auto',
    });
    expect(r).toEqual({ volume: v, folder: 'nb', copied: ['nb/data', 'nb/x.txt'], renamed: [], skipped: [], uid: 1001, gid: 1001 });
    const after = await listing(v, 'nb');
    expect(after).toContain('data/inner/f.csv f 1001:1001 604 4');
    expect(after).toContain('data/shortcut l 1001:1001 777');
    expect(after).toContain('x.txt f 1001:1001 640 3');
    expect(after).not.toContain('.ailab-copy');
    expect(await inVolume(v, 'stat -c %Y /volume/nb/x.txt; readlink /volume/nb/data/shortcut')).toBe(`${fixedTime.getTime() / 1000}\ninner/f.csv\n`);
  });

  it('uses an explicit owner', async () => {
    const v = await notebooksVolume();
    const r = await env.ok('copyIntoVolume', { volume: v, folder: '', sources: [{ hostPath: path.join(host, 'x.txt') }], owner: { uid: 4242, gid: 77 } });
    expect(r).toMatchObject({ copied: ['x.txt'], uid: 4242, gid: 77 });
    expect(await inVolume(v, 'stat -c %u:%g /volume/x.txt')).toBe('4242:77\n');
  });

  it('refuses conflicts without a choice, naming them and the choices, and writes nothing', async () => {
    const v = await notebooksVolume();
    const before = await listing(v, 'notes');
    const e = await env.fails('copyIntoVolume', {
      volume: v,
      folder: 'notes',
      sources: [{ hostPath: path.join(host, 'x.txt') }, { hostPath: path.join(host, 'data') }],
      owner: 'auto',
    });
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain('"x.txt"');
    expect(e.hint).toMatch(/overwrite.*keep-both.*skip/);
    expect(e.details).toMatchObject({ conflicts: ['x.txt'], choices: ['overwrite', 'keep-both', 'skip'] });
    expect(await listing(v, 'notes')).toBe(before);
  });

  it('overwrites, keeps both or skips as chosen', async () => {
    const v = await notebooksVolume();
    const src = [{ hostPath: path.join(host, 'x.txt') }];
    const skip = await env.ok('copyIntoVolume', { volume: v, folder: 'notes', sources: src, conflict: 'skip', owner: 'auto' });
    expect(skip).toMatchObject({ copied: [], skipped: ['notes/x.txt'] });
    expect(await inVolume(v, 'cat /volume/notes/x.txt')).toBe('old');

    const both = await env.ok('copyIntoVolume', { volume: v, folder: 'notes', sources: src, conflict: 'keep-both', owner: 'auto' });
    expect(both).toMatchObject({ copied: ['notes/x (copy).txt'], renamed: [{ from: 'notes/x.txt', to: 'notes/x (copy).txt' }], uid: 1001, gid: 100 });
    const both2 = await env.ok('copyIntoVolume', { volume: v, folder: 'notes', sources: src, conflict: 'keep-both', owner: 'auto' });
    expect(both2.copied).toEqual(['notes/x (copy 2).txt']);
    expect(await inVolume(v, 'cat /volume/notes/x.txt "/volume/notes/x (copy).txt"')).toBe('oldnew');

    const over = await env.ok('copyIntoVolume', { volume: v, folder: 'notes', sources: src, conflict: 'overwrite', owner: 'auto' });
    expect(over).toMatchObject({ copied: ['notes/x.txt'], renamed: [], skipped: [] });
    expect(await inVolume(v, 'cat /volume/notes/x.txt; ls -A /volume/notes | tr "\\n" "|"')).toBe('newetc|x (copy 2).txt|x (copy).txt|x.txt|');
  });

  it('refuses a symlink destination, a file destination, a missing folder and an unreadable host file', async () => {
    const v = await notebooksVolume();
    const src = [{ hostPath: path.join(host, 'x.txt') }];
    const viaLink = await env.fails('copyIntoVolume', { volume: v, folder: 'notesLink', sources: src, owner: 'auto' });
    expect(viaLink.code).toBe('INVALID_ARGUMENT');
    expect(viaLink.message).toContain('symbolic link');
    expect((await env.fails('copyIntoVolume', { volume: v, folder: 'notes/etc', sources: src, owner: 'auto' })).message).toContain('symbolic link');
    expect((await env.fails('copyIntoVolume', { volume: v, folder: 'notesLink/deeper', sources: src, owner: 'auto' })).message).toContain('symbolic link');
    expect((await env.fails('copyIntoVolume', { volume: v, folder: 'nb/a.ipynb', sources: src, owner: 'auto' })).message).toContain('is a file, not a folder');
    expect((await env.fails('copyIntoVolume', { volume: v, folder: 'nope', sources: src, owner: 'auto' })).code).toBe('FILE_NOT_FOUND');

    let unreadable = '/proc/sys/vm/compact_memory';
    if (process.getuid?.() !== 0) {
      unreadable = path.join(tmp(), 'secret');
      fs.writeFileSync(unreadable, 's', { mode: 0o000 });
    }
    const e = await env.fails('copyIntoVolume', {
      volume: v,
      folder: 'notes',
      sources: [...src.map(() => ({ hostPath: path.join(host, 'data') })), { hostPath: unreadable }],
      owner: 'auto',
    });
    expect(e).toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(e.message).toContain(`${unreadable} cannot be read`);
    expect(await inVolume(v, 'ls -A /volume/notes | tr "\\n" "|"')).toBe('etc|x.txt|');
  });

  it('says DISK_FULL when the volume is full and leaves nothing half-copied', async () => {
    const v = trackVolume(uniqueName('copy-tiny'));
    await docker.createVolume({ Name: v, Labels: TEST_LABEL, Driver: 'local', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=1m' } });
    // A tmpfs volume keeps its files only while mounted: a running container holds it for the test.
    await env.container(v, { running: true });
    await inVolume(v, 'echo keep > /volume/k');
    const big = path.join(tmp(), 'big.bin');
    fs.writeFileSync(big, Buffer.alloc(3 * 1024 * 1024, 7));
    const e = await env.fails('copyIntoVolume', { volume: v, folder: '/', sources: [{ hostPath: big }], owner: 'auto' });
    expect(e.code).toBe('DISK_FULL');
    expect(e.message).toMatch(/^The volume is full/);
    expect(await inVolume(v, 'ls -A /volume | tr "\\n" "|"')).toBe('k|');
  });
});
