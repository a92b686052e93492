import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArgsOf, MethodName, ResultOf } from '../../shared/contract';
import type { ApiErrorPayload, Result } from '../../shared/contract/errors';
import { invokeHandler } from '../../shared/contract/invoke';
import { VOLUME_NAME_RULE } from '../../shared/contract/validation';
import type { VolumeSizesPayload } from '../../shared/contract/volumes';
import { createCore, type Core } from '../../electron/services/createCore';
import { createHandlers } from '../../electron/services/handlers';
import { FILES_HELPER_ROLE, FILES_HELPER_ROLE_LABEL } from '../../electron/services/volumes/volumeModel';
import { docker, removeContainerQuietly, removeVolumeQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { GNU_TAR_IMAGE } from '../support/fixtures';

let core: Core;
let handlers: ReturnType<typeof createHandlers>;
let home: string;
const volumes: string[] = [];
const containers: string[] = [];

async function call<M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never): Promise<Result<ResultOf<M>>> {
  return (await invokeHandler(handlers, method, args)) as Result<ResultOf<M>>;
}

async function ok<M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never): Promise<ResultOf<M>> {
  const r = await call(method, ...args);
  if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message}`);
  return r.value;
}

async function fails<M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never): Promise<ApiErrorPayload> {
  const r = await call(method, ...args);
  if (r.ok) throw new Error(`${method} succeeded but should have failed`);
  return r.error;
}

async function newVolume(name = uniqueName('vol-svc')): Promise<string> {
  await docker.createVolume({ Name: name, Labels: TEST_LABEL });
  volumes.push(name);
  return name;
}

/** A container that mounts the volume; `running` keeps it alive (SIGKILL on stop, so stop is quick). */
async function newContainer(volume: string, opts: { running?: boolean; name?: string } = {}): Promise<Docker.Container> {
  const c = await docker.createContainer({
    name: opts.name ?? uniqueName('vol-svc-c'),
    Image: GNU_TAR_IMAGE,
    Cmd: ['sleep', '600'],
    Labels: TEST_LABEL,
    StopSignal: 'SIGKILL',
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }], NetworkMode: 'none' },
  });
  containers.push(c.id);
  if (opts.running) await c.start();
  return c;
}

interface TarEntry {
  name: string;
  type: 'file' | 'directory';
  mode: number;
  uid: number;
  gid: number;
  content?: Buffer;
}

/** Writes entries into a volume through the archive API, owners and modes kept. */
async function fillVolume(volume: string, entries: TarEntry[]): Promise<void> {
  const p = pack();
  for (const e of entries) {
    if (e.type === 'directory') p.entry({ name: e.name, type: 'directory', mode: e.mode, uid: e.uid, gid: e.gid });
    else p.entry({ name: e.name, mode: e.mode, uid: e.uid, gid: e.gid }, e.content ?? Buffer.alloc(0));
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  const c = await docker.createContainer({
    Image: GNU_TAR_IMAGE,
    Cmd: ['true'],
    Labels: TEST_LABEL,
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }], NetworkMode: 'none' },
  });
  try {
    await c.putArchive(Buffer.concat(chunks), { path: '/data' });
  } finally {
    await c.remove({ force: true });
  }
}

function waitForBus<T>(subscribe: (listener: (p: T) => void) => () => void, predicate: (p: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = subscribe((p) => {
      if (predicate(p)) {
        clearTimeout(timer);
        off();
        resolve(p);
      }
    });
  });
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-vol-svc-'));
  const env: NodeJS.ProcessEnv = { ...process.env, AILAB_DESKTOP_HOME: home };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  core = await createCore({ mode: 'browser', openExternal: async () => {}, env });
  handlers = createHandlers(core);
  // The helper image is the seed's `ubuntu`; on this machine that is the fixture's alias.
  await core.settings.update({ helperImage: GNU_TAR_IMAGE });
  const deadline = Date.now() + 20_000;
  while (core.docker.status().state !== 'connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(core.docker.status().state).toBe('connected');
});

afterAll(async () => {
  for (const c of containers) await removeContainerQuietly(c);
  for (const v of volumes) await removeVolumeQuietly(v);
  await core?.shutdown();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('volume list', () => {
  it('lists a volume with the containers that use it, and fills sizes in later', async () => {
    const vol = await newVolume();
    await fillVolume(vol, [{ name: 'data.bin', type: 'file', mode: 0o644, uid: 0, gid: 0, content: randomBytes(50_000) }]);
    const c = await newContainer(vol);
    const cname = (await c.inspect()).Name.replace(/^\//, '');

    const sizes = waitForBus<VolumeSizesPayload>((l) => core.bus.on('volumeSizes', l), (p) => p.sizes[vol] !== undefined, 60_000);
    const started = Date.now();
    const list = await ok('listVolumes');
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
    const again = await ok('listVolumes');
    expect(again.find((v) => v.name === vol)?.size?.size).toBeGreaterThanOrEqual(50_000);
  });

  it('marks anonymous volumes with the container that holds them', async () => {
    const anon = await newVolume(randomBytes(32).toString('hex'));
    const c = await newContainer(anon);
    const cname = (await c.inspect()).Name.replace(/^\//, '');
    const v = (await ok('listVolumes')).find((x) => x.name === anon);
    expect(v?.anonymous).toBe(true);
    expect(v?.createdBy).toEqual({ id: c.id, name: cname });
  });

  it('shows a Compose project / volume pair', async () => {
    const name = uniqueName('proj_data');
    await docker.createVolume({ Name: name, Labels: { ...TEST_LABEL, 'com.docker.compose.project': 'proj', 'com.docker.compose.volume': 'data' } });
    volumes.push(name);
    const v = await ok('inspectVolume', name);
    expect(v.compose).toEqual({ project: 'proj', volume: 'data' });
    expect(v.options).toEqual({});
  });

  it('tells the renderer within a second when a volume is created outside the app', async () => {
    const name = uniqueName('vol-svc-live');
    const changed = waitForBus<{ reason: string }>((l) => core.bus.on('volumesChanged', l), (p) => p.reason.includes('volume create'), 1000);
    await newVolume(name);
    const p = await changed;
    expect(p.reason).toContain('volume create');
  });
});

describe('create', () => {
  it('creates a volume with labels', async () => {
    const name = uniqueName('vol-svc-new');
    volumes.push(name);
    const v = await ok('createVolume', name, { ...TEST_LABEL, purpose: 'notebooks' });
    expect(v.name).toBe(name);
    expect((await docker.getVolume(name).inspect()).Labels).toMatchObject({ purpose: 'notebooks' });
  });

  it('refuses a taken name instead of silently reusing the volume', async () => {
    const name = await newVolume();
    const e = await fails('createVolume', name, {});
    expect(e.code).toBe('VOLUME_EXISTS');
    expect(e.message).toContain(name);
  });

  it('refuses an invalid name with the rule in the message', async () => {
    for (const bad of ['a', '-x', 'my volume', '']) {
      const e = await fails('createVolume', bad, {});
      expect(e.code).toBe('VOLUME_NAME_INVALID');
      expect(e.message).toContain(VOLUME_NAME_RULE);
    }
  });
});

describe('remove', () => {
  it('refuses to remove a volume in use, naming the container, and never stops a running one unasked', async () => {
    const vol = await newVolume();
    const c = await newContainer(vol, { running: true });
    const cname = (await c.inspect()).Name.replace(/^\//, '');
    const e = await fails('removeVolume', vol, { removeStoppedContainers: true });
    expect(e.code).toBe('VOLUME_IN_USE');
    expect(e.message).toContain(cname);
    expect(e.details?.containers).toEqual([expect.objectContaining({ name: cname, state: 'running', running: true })]);
    expect((await c.inspect()).State.Running).toBe(true);

    // With its own confirmation it is stopped and removed, then the volume goes.
    const r = await ok('removeVolume', vol, { stopContainers: [c.id] });
    expect(r.stoppedContainers).toEqual([cname]);
    expect(r.removedContainers).toEqual([cname]);
    await expect(docker.getVolume(vol).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('removes the stopped containers first when asked', async () => {
    const vol = await newVolume();
    const c = await newContainer(vol);
    const cname = (await c.inspect()).Name.replace(/^\//, '');
    const e = await fails('removeVolume', vol, {});
    expect(e.code).toBe('VOLUME_IN_USE');
    expect(e.hint).toMatch(/stopped/);
    const r = await ok('removeVolume', vol, { removeStoppedContainers: true });
    expect(r).toEqual({ volume: vol, removedContainers: [cname], stoppedContainers: [] });
    await expect(docker.getContainer(c.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('reports a volume that vanished meanwhile', async () => {
    const vol = await newVolume();
    await docker.getVolume(vol).remove();
    const e = await fails('removeVolume', vol, {});
    expect(e.code).toBe('VOLUME_NOT_FOUND');
    expect(e.message).toContain(vol);
  });
});

describe('clean up', () => {
  it('removes only the confirmed unused anonymous volumes', async () => {
    const unused = await newVolume(randomBytes(32).toString('hex'));
    const used = await newVolume(randomBytes(32).toString('hex'));
    const named = await newVolume();
    await newContainer(used);
    const candidates = (await ok('listCleanupCandidates')).map((v) => v.name);
    expect(candidates).toContain(unused);
    expect(candidates).not.toContain(used);
    expect(candidates).not.toContain(named);
    const r = await ok('cleanupVolumes', [unused, used, named]);
    expect(r.removed).toEqual([unused]);
    expect(r.skipped.map((s) => s.name).sort()).toEqual([used, named].sort());
    expect(r.skipped.find((s) => s.name === used)?.reason).toMatch(/in use/);
    await expect(docker.getVolume(unused).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await docker.getVolume(used).inspect()).Name).toBe(used);
  });
});

describe('file browser', () => {
  it('lists a mode-700 folder owned by another user, without leaving a helper behind', async () => {
    const vol = await newVolume();
    await fillVolume(vol, [
      { name: 'secret', type: 'directory', mode: 0o700, uid: 1234, gid: 1234 },
      { name: 'secret/hello.txt', type: 'file', mode: 0o600, uid: 1234, gid: 1234, content: Buffer.from('hello world\n') },
      { name: 'readme.md', type: 'file', mode: 0o644, uid: 1001, gid: 100, content: Buffer.from('# hi\n') },
    ]);
    const root = await ok('listVolumeFiles', vol, '/');
    expect(root.path).toBe('');
    expect(root.entries.map((e) => e.name)).toEqual(['secret', 'readme.md']);
    expect(root.entries[0]).toMatchObject({ type: 'dir', uid: 1234, gid: 1234, mode: '700', permissions: 'drwx------' });
    expect(root.entries[1]).toMatchObject({ type: 'file', uid: 1001, size: 5 });

    const secret = await ok('listVolumeFiles', vol, 'secret');
    expect(secret.entries).toEqual([expect.objectContaining({ name: 'hello.txt', type: 'file', size: 12, mode: '600', uid: 1234 })]);
    expect(Date.parse(secret.entries[0]?.modifiedAt ?? '')).not.toBeNaN();

    const helpers = await docker.listContainers({ all: true, filters: { label: [`${FILES_HELPER_ROLE_LABEL}=${FILES_HELPER_ROLE}`], volume: [vol] } });
    expect(helpers).toEqual([]);
  });

  it('refuses paths that leave the volume, and reports missing ones and files', async () => {
    const vol = await newVolume();
    await fillVolume(vol, [{ name: 'file.txt', type: 'file', mode: 0o644, uid: 0, gid: 0, content: Buffer.from('x') }]);
    expect((await fails('listVolumeFiles', vol, '../etc')).code).toBe('INVALID_ARGUMENT');
    expect((await fails('listVolumeFiles', vol, 'nope')).code).toBe('FILE_NOT_FOUND');
    expect((await fails('listVolumeFiles', vol, 'file.txt')).message).toMatch(/not a folder/);
    expect((await fails('listVolumeFiles', uniqueName('vol-svc-gone'), '')).code).toBe('VOLUME_NOT_FOUND');
  });

  it('names the helper image and what to do when it is missing', async () => {
    const vol = await newVolume();
    const missing = 'ailab-test/no-such-helper:never';
    await core.settings.update({ helperImage: missing });
    try {
      const e = await fails('listVolumeFiles', vol, '');
      expect(e.code).toBe('IMAGE_NOT_FOUND');
      expect(e.message).toContain(missing);
      expect(e.hint).toMatch(/docker pull|Settings/);
    } finally {
      await core.settings.update({ helperImage: GNU_TAR_IMAGE });
    }
  });
});
