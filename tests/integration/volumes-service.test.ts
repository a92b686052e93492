import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VOLUME_NAME_RULE } from '../../shared/contract/validation';
import type { VolumeSizesPayload } from '../../shared/contract/volumes';
import { FILES_HELPER_ROLE, FILES_HELPER_ROLE_LABEL } from '../../electron/services/volumes/volumeModel';
import { coreTestEnv, type CoreTestEnv } from '../support/core';
import { docker, TEST_LABEL, uniqueName } from '../support/docker';
import { GNU_TAR_IMAGE } from '../support/fixtures';
import { fillVolume } from '../support/resources';
import { waitForEvent } from '../support/wait';

let t: CoreTestEnv;

beforeAll(async () => {
  t = await coreTestEnv('vol-svc');
  // The helper image is the seed's `ubuntu`; on this machine that is the fixture's alias.
  await t.core.settings.update({ helperImage: GNU_TAR_IMAGE });
});

afterAll(async () => {
  await t?.cleanup();
});

describe('volume list', () => {
  it('lists a volume with the containers that use it, and fills sizes in later', async () => {
    const vol = await t.volume();
    await fillVolume(vol, [{ name: 'data.bin', type: 'file', mode: 0o644, uid: 0, gid: 0, content: randomBytes(50_000) }]);
    const c = await t.container(vol);
    const cname = c.name;

    const sizes = waitForEvent<VolumeSizesPayload>(
      (l) => t.core.bus.on('volumeSizes', l),
      (p) => p.sizes[vol] !== undefined,
      60_000,
    );
    const started = Date.now();
    const list = await t.ok('listVolumes');
    const listMs = Date.now() - started;
    const mine = list.find((v) => v.name === vol);
    expect(mine).toBeDefined();
    expect(mine?.labels).toMatchObject(TEST_LABEL);
    expect(mine?.anonymous).toBe(false);
    expect(mine?.containers).toEqual([expect.objectContaining({ id: c.id, name: cname, state: 'created', running: false, aiLab: false, mountPath: '/data' })]);
    // The list came back without waiting for `system df`; the sizes arrive as an event.
    const payload = await sizes;
    expect(payload.sizes[vol]?.size).toBeGreaterThanOrEqual(50_000);
    expect(listMs).toBeLessThan(30_000);
    // The next list carries the cached size.
    const again = await t.ok('listVolumes');
    expect(again.find((v) => v.name === vol)?.size?.size).toBeGreaterThanOrEqual(50_000);
  });

  it('marks anonymous volumes with the container that holds them', async () => {
    const anon = await t.volume(randomBytes(32).toString('hex'));
    const c = await t.container(anon);
    const cname = c.name;
    const v = (await t.ok('listVolumes')).find((x) => x.name === anon);
    expect(v?.anonymous).toBe(true);
    expect(v?.createdBy).toEqual({ id: c.id, name: cname });
  });

  it('shows a Compose project / volume pair', async () => {
    const name = await t.volume(uniqueName('proj_data'), { 'com.docker.compose.project': 'proj', 'com.docker.compose.volume': 'data' });
    const v = await t.ok('inspectVolume', name);
    expect(v.compose).toEqual({ project: 'proj', volume: 'data' });
    expect(v.options).toEqual({});
  });

  it('tells the renderer within a second when a volume is created outside the app', async () => {
    const name = uniqueName('vol-svc-live');
    const changed = waitForEvent<{ reason: string }>(
      (l) => t.core.bus.on('volumesChanged', l),
      (p) => p.reason.includes('volume create'),
      1000,
    );
    await t.volume(name);
    const p = await changed;
    expect(p.reason).toContain('volume create');
  });
});

describe('create', () => {
  it('creates a volume with labels', async () => {
    const name = uniqueName('vol-svc-new');
    t.volumes.push(name);
    const v = await t.ok('createVolume', name, { ...TEST_LABEL, purpose: 'notebooks' });
    expect(v.name).toBe(name);
    expect((await docker.getVolume(name).inspect()).Labels).toMatchObject({ purpose: 'notebooks' });
  });

  it('refuses a taken name instead of silently reusing the volume', async () => {
    const name = await t.volume();
    const e = await t.fails('createVolume', name, {});
    expect(e.code).toBe('VOLUME_EXISTS');
    expect(e.message).toContain(name);
  });

  it('refuses an invalid name with the rule in the message', async () => {
    for (const bad of ['a', '-x', 'my volume', '']) {
      const e = await t.fails('createVolume', bad, {});
      expect(e.code).toBe('VOLUME_NAME_INVALID');
      expect(e.message).toContain(VOLUME_NAME_RULE);
    }
  });
});

describe('remove', () => {
  it('refuses to remove a volume in use, naming the container, and never stops a running one unasked', async () => {
    const vol = await t.volume();
    const c = await t.container(vol, { running: true });
    const cname = c.name;
    const e = await t.fails('removeVolume', vol, { removeStoppedContainers: true });
    expect(e.code).toBe('VOLUME_IN_USE');
    expect(e.message).toContain(cname);
    expect(e.details?.containers).toEqual([expect.objectContaining({ name: cname, state: 'running', running: true })]);
    expect((await docker.getContainer(c.id).inspect()).State.Running).toBe(true);

    // With its own confirmation it is stopped and removed, then the volume goes.
    const r = await t.ok('removeVolume', vol, { stopContainers: [c.id] });
    expect(r.stoppedContainers).toEqual([cname]);
    expect(r.removedContainers).toEqual([cname]);
    await expect(docker.getVolume(vol).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('removes the stopped containers first when asked', async () => {
    const vol = await t.volume();
    const c = await t.container(vol);
    const cname = c.name;
    const e = await t.fails('removeVolume', vol, {});
    expect(e.code).toBe('VOLUME_IN_USE');
    expect(e.hint).toMatch(/stopped/);
    const r = await t.ok('removeVolume', vol, { removeStoppedContainers: true });
    expect(r).toEqual({ volume: vol, removedContainers: [cname], stoppedContainers: [] });
    await expect(docker.getContainer(c.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('reports a volume that vanished meanwhile', async () => {
    const vol = await t.volume();
    await docker.getVolume(vol).remove();
    const e = await t.fails('removeVolume', vol, {});
    expect(e.code).toBe('VOLUME_NOT_FOUND');
    expect(e.message).toContain(vol);
  });
});

describe('clean up', () => {
  it('removes only the confirmed unused anonymous volumes', async () => {
    const unused = await t.volume(randomBytes(32).toString('hex'));
    const used = await t.volume(randomBytes(32).toString('hex'));
    const named = await t.volume();
    await t.container(used);
    const candidates = (await t.ok('listCleanupCandidates')).map((v) => v.name);
    expect(candidates).toContain(unused);
    expect(candidates).not.toContain(used);
    expect(candidates).not.toContain(named);
    const r = await t.ok('cleanupVolumes', [unused, used, named]);
    expect(r.removed).toEqual([unused]);
    expect(r.skipped.map((s) => s.name).sort()).toEqual([used, named].sort());
    expect(r.skipped.find((s) => s.name === used)?.reason).toMatch(/in use/);
    await expect(docker.getVolume(unused).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getVolume(used).inspect()).Name).toBe(used);
  });
});

describe('file browser', () => {
  it('lists a mode-700 folder owned by another user, without leaving a helper behind', async () => {
    const vol = await t.volume();
    await fillVolume(vol, [
      { name: 'secret', type: 'directory', mode: 0o700, uid: 1234, gid: 1234 },
      { name: 'secret/hello.txt', type: 'file', mode: 0o600, uid: 1234, gid: 1234, content: Buffer.from('hello world\n') },
      { name: 'readme.md', type: 'file', mode: 0o644, uid: 1001, gid: 100, content: Buffer.from('# hi\n') },
    ]);
    const root = await t.ok('listVolumeFiles', vol, '/');
    expect(root.path).toBe('');
    expect(root.entries.map((e) => e.name)).toEqual(['secret', 'readme.md']);
    expect(root.entries[0]).toMatchObject({ type: 'dir', uid: 1234, gid: 1234, mode: '700', permissions: 'drwx------' });
    expect(root.entries[1]).toMatchObject({ type: 'file', uid: 1001, size: 5 });

    const secret = await t.ok('listVolumeFiles', vol, 'secret');
    expect(secret.entries).toEqual([expect.objectContaining({ name: 'hello.txt', type: 'file', size: 12, mode: '600', uid: 1234 })]);
    expect(Date.parse(secret.entries[0]?.modifiedAt ?? '')).not.toBeNaN();

    const helpers = await docker.listContainers({ all: true, filters: { label: [`${FILES_HELPER_ROLE_LABEL}=${FILES_HELPER_ROLE}`], volume: [vol] } });
    expect(helpers).toEqual([]);
  });

  it('refuses paths that leave the volume, and reports missing ones and files', async () => {
    const vol = await t.volume();
    await fillVolume(vol, [{ name: 'file.txt', type: 'file', mode: 0o644, uid: 0, gid: 0, content: Buffer.from('x') }]);
    expect((await t.fails('listVolumeFiles', vol, '../etc')).code).toBe('INVALID_ARGUMENT');
    expect((await t.fails('listVolumeFiles', vol, 'nope')).code).toBe('FILE_NOT_FOUND');
    expect((await t.fails('listVolumeFiles', vol, 'file.txt')).message).toMatch(/not a folder/);
    expect((await t.fails('listVolumeFiles', uniqueName('vol-svc-gone'), '')).code).toBe('VOLUME_NOT_FOUND');
  });

  it('names the helper image and what to do when it is missing', async () => {
    const vol = await t.volume();
    const missing = 'ailab-test/no-such-helper:never';
    await t.core.settings.update({ helperImage: missing });
    try {
      const e = await t.fails('listVolumeFiles', vol, '');
      expect(e.code).toBe('IMAGE_NOT_FOUND');
      expect(e.message).toContain(missing);
      expect(e.hint).toMatch(/docker pull|Settings/);
    } finally {
      await t.core.settings.update({ helperImage: GNU_TAR_IMAGE });
    }
  });
});
