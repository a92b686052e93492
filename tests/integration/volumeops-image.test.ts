import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportResult, ImportResult } from '../../shared/contract/volumeOps';
import { VOLUME_EXPORT_LABEL } from '../../shared/contract/volumeOps';
import { credentialsFor, explainPushError } from '../../electron/services/volumeOps/registryPush';
import { docker } from '../support/docker';
import { startPushRegistry, type PushRegistry } from './push-registry';
import {
  createVolume,
  inVolume,
  jobsWithSource,
  newVolumeName,
  ourHelpers,
  removeTestVolumes,
  RICH_CONTENT,
  tempDir,
  trackVolume,
  treeOf,
  type JobsHarness,
} from './jobs-support';

/** RICH_CONTENT plus what an export must keep besides: a mode-000 folder and another owner's folder. */
const SOURCE = `${RICH_CONTENT}
mkdir -p /volume/locked/inside /volume/theirs
echo hidden > /volume/locked/inside/f
chown 2000:3000 /volume/theirs
chmod 000 /volume/locked
touch -d @1650000000 /volume/locked /volume/theirs
touch -d @1660000000 /volume
`;

let h: JobsHarness;
let out: string;
let source: string;
const images = new Set<string>();

function imageName(tag: string): string {
  const ref = `ailab-test-export:${tag}-${process.pid}`;
  images.add(ref);
  return ref;
}

async function imageExists(ref: string): Promise<boolean> {
  return docker
    .getImage(ref)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

async function exportTo(ref: string): Promise<ExportResult> {
  const done = await h.finish(await h.core.volumeOps.exportToImage({ volume: source, image: ref }));
  expect(done.error).toBeNull();
  expect(done.status).toBe('succeeded');
  return done.result as ExportResult;
}

beforeAll(async () => {
  ({ h, out, source } = await jobsWithSource('vimg-src', SOURCE));
});

afterAll(async () => {
  await h?.close();
  await removeTestVolumes();
  for (const ref of images)
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('export to an image', () => {
  let ref: string;
  let exported: ExportResult;

  beforeAll(async () => {
    ref = imageName('rich');
    exported = await exportTo(ref);
  });

  it('makes one FROM scratch layer with the volume under /volume and a label that reads back exactly', async () => {
    const inspect = await docker.getImage(ref).inspect();
    expect(inspect.RootFS.Layers).toHaveLength(1);
    expect(inspect.Id).toBe(exported.imageId);
    const label = JSON.parse(inspect.Config.Labels?.[VOLUME_EXPORT_LABEL] ?? 'null') as Record<string, unknown>;
    const srcTree = await treeOf(source);
    expect(label).toMatchObject({ volume: source, entries: Object.keys(srcTree).length, totalBytes: exported.totalBytes, appVersion: h.core.version });
    expect(exported.entries).toBe(Object.keys(srcTree).length);
    expect(exported.imageBytes).toBeGreaterThan(3_000_000);
    // The layer holds exactly volume/… (nothing else at its root).
    const info = await h.core.volumeOps.inspectImage(ref);
    expect(info.export).toEqual(label);
    expect(info.notAnExport).toBeNull();
    expect(await ourHelpers(h)).toEqual([]);
  });

  it('imports into a new volume: the same tree entry by entry (types, owners, modes, times, links, hard links, content)', async () => {
    const target = trackVolume(newVolumeName('vimg-new'));
    const done = await h.finish(await h.core.volumeOps.importFromImage({ image: ref, volume: target }));
    expect(done.error).toBeNull();
    const result = done.result as ImportResult;
    expect(result).toMatchObject({ kind: 'import', mode: 'new', createdVolume: true, safetyBackup: null, entries: exported.entries });
    expect(await treeOf(target)).toEqual(await treeOf(source));
    expect(done.target).toBe(ref);
    expect(await ourHelpers(h)).toEqual([]);
  });

  it('imports with replace (a safety backup first) and merge (other files kept)', async () => {
    const replaced = await createVolume('vimg-replace');
    await inVolume(replaced, 'echo old > /volume/old.txt');
    const r = await h.finish(await h.core.volumeOps.importFromImage({ image: ref, volume: replaced, mode: 'replace' }));
    expect(r.error).toBeNull();
    const rr = r.result as ImportResult;
    expect(rr.safetyBackup).toMatch(/\.tgz$/);
    expect(fs.existsSync(rr.safetyBackup as string)).toBe(true);
    expect(await treeOf(replaced)).toEqual(await treeOf(source));

    const merged = await createVolume('vimg-merge');
    await inVolume(merged, 'echo mine > /volume/only-here.txt');
    const m = await h.finish(await h.core.volumeOps.importFromImage({ image: ref, volume: merged, mode: 'merge' }));
    expect(m.error).toBeNull();
    const tree = await treeOf(merged);
    expect(tree['./only-here.txt']).toBeDefined();
    const { ['./only-here.txt']: _mine, ...rest } = tree;
    expect(rest).toEqual(await treeOf(source));
  });

  it('overwrites its own tag for a new export of the same volume, and refuses another image under that name', async () => {
    const again = await exportTo(ref);
    expect(again.imageId).not.toBe(exported.imageId);
    expect(await imageExists(exported.imageId)).toBe(false);
    const other = await createVolume('vimg-other');
    await expect(h.core.volumeOps.exportToImage({ volume: other, image: ref })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    await expect(h.core.volumeOps.exportToImage({ volume: other, image: 'ubuntu:latest' })).rejects.toMatchObject({
      code: 'FILE_EXISTS',
      message: expect.stringContaining('not a volume export'),
    });
  });
});

describe('refusals and cancel', () => {
  it('refuses an image that is not a volume export, naming what it is', async () => {
    const info = await h.core.volumeOps.inspectImage('ubuntu:latest');
    expect(info.export).toBeNull();
    expect(info.notAnExport).toBe(
      `ubuntu:latest is not a volume export: an image with a command (/bin/bash) and no ${VOLUME_EXPORT_LABEL} label; export one with ailab volumes export.`,
    );
    const target = newVolumeName('vimg-refused');
    await expect(h.core.volumeOps.importFromImage({ image: 'ubuntu', volume: target })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: info.notAnExport,
    });
    await expect(h.core.volumeOps.inspectImage('ailab-test-missing:none')).rejects.toMatchObject({ code: 'IMAGE_NOT_FOUND' });
    expect(
      await docker
        .getVolume(target)
        .inspect()
        .catch(() => null),
    ).toBeNull();
  });

  let big: string;
  /** Until the job is in `phase` (or over). */
  const reach = (id: string, phase: string) =>
    new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = h.jobs.list().find((j) => j.id === id);
        if (!now || now.status !== 'running' || now.progress?.phase === phase) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });

  it('a cancelled export leaves no image and no helper', async () => {
    big = await createVolume('vimg-big');
    await inVolume(big, 'head -c 300000000 /dev/urandom > /volume/big.bin');
    const ref = imageName('cancelled');
    const job = await h.core.volumeOps.exportToImage({ volume: big, image: ref });
    await reach(job.id, 'packing');
    h.jobs.cancel(job.id);
    const done = await h.finish(job);
    expect(done.status).toBe('cancelled');
    expect(await imageExists(ref)).toBe(false);
    const dangling = await docker.listImages({ filters: { label: [`${VOLUME_EXPORT_LABEL}`] } });
    expect(dangling.filter((i) => (i.Labels?.[VOLUME_EXPORT_LABEL] ?? '').includes(big))).toEqual([]);
    expect(await ourHelpers(h)).toEqual([]);
  });

  it('a cancelled import into a new volume leaves no volume, no container of the image, no helper', async () => {
    const ref = imageName('big');
    const made = await h.finish(await h.core.volumeOps.exportToImage({ volume: big, image: ref }));
    expect(made.status).toBe('succeeded');
    const target = trackVolume(newVolumeName('vimg-cancel-import'));
    const job = await h.core.volumeOps.importFromImage({ image: ref, volume: target });
    await reach(job.id, 'unpacking');
    h.jobs.cancel(job.id);
    const done = await h.finish(job);
    expect(done.status).toBe('cancelled');
    expect(done.warnings).toEqual([]);
    expect(
      await docker
        .getVolume(target)
        .inspect()
        .catch(() => null),
    ).toBeNull();
    expect(await docker.listContainers({ all: true, filters: { ancestor: [ref] } })).toEqual([]);
    expect(await ourHelpers(h)).toEqual([]);
  });
});

describe('push to a registry (a writable v2 registry on 127.0.0.1 with basic auth)', () => {
  let registry: PushRegistry;
  let config: string;
  const savedConfig = process.env.DOCKER_CONFIG;

  beforeAll(async () => {
    registry = await startPushRegistry();
    registry.requireLogin({ user: 'ailab', password: 's3cret' });
    config = tempDir('ailab-docker-config-');
    process.env.DOCKER_CONFIG = config;
  });

  afterAll(async () => {
    if (savedConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = savedConfig;
    await registry?.close();
    if (config) fs.rmSync(config, { recursive: true, force: true });
  });

  const writeConfig = (auth: string | null) =>
    fs.writeFileSync(path.join(config, 'config.json'), JSON.stringify({ auths: auth ? { [`http://${registry.host}`]: { auth } } : {} }));

  it('without a login: refused with the registry named and what to do, and no image left behind', async () => {
    writeConfig(null);
    const ref = `${registry.host}/ailab/notebooks:nologin`;
    images.add(ref);
    const done = await h.finish(await h.core.volumeOps.exportToImage({ volume: source, image: ref, push: true }));
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'REMOTE_AUTH_FAILED', hint: expect.stringContaining(`docker login ${registry.host}`) });
    expect(done.error?.message).toContain(registry.host);
    expect(await imageExists(ref)).toBe(false);
    expect(registry.tags()).toEqual([]);
  });

  it('a refused login is named as such (the engine retries a refused basic-auth upload for ~50 s, so this is the mapping only)', () => {
    const err = explainPushError(`${registry.host}/ailab/notebooks:1`, 'unauthorized', true);
    expect(err).toMatchObject({ code: 'REMOTE_AUTH_FAILED', hint: expect.stringContaining(`log in again with docker login ${registry.host}`) });
    expect(explainPushError('nowhere.invalid/x:1', 'Get "https://nowhere.invalid/v2/": dial tcp: lookup nowhere.invalid: no such host', false)).toMatchObject({
      code: 'REMOTE_UNREACHABLE',
    });
  });

  it('pushes with the login from config.json; the image pulled back imports into an equal tree', async () => {
    writeConfig(Buffer.from('ailab:s3cret').toString('base64'));
    const ref = `${registry.host}/ailab/notebooks:1`;
    images.add(ref);
    const done = await h.finish(await h.core.volumeOps.exportToImage({ volume: source, image: ref, push: true }));
    expect(done.error).toBeNull();
    expect((done.result as ExportResult).pushed).toBe(true);
    expect(registry.tags()).toEqual(['ailab/notebooks:1']);
    expect(registry.requests.some((r) => r.startsWith('PUT /v2/ailab/notebooks/manifests/1'))).toBe(true);
    await docker.getImage(ref).remove();
    expect(await imageExists(ref)).toBe(false);
    // The engine's own pull from the same registry (open now: the import's pull uses no login).
    registry.requireLogin(null);
    const target = trackVolume(newVolumeName('vimg-pulled'));
    const imported = await h.finish(await h.core.volumeOps.importFromImage({ image: ref, volume: target, pull: true }));
    expect(imported.error).toBeNull();
    expect(await imageExists(ref)).toBe(true);
    expect(await treeOf(target)).toEqual(await treeOf(source));
  });

  it('reads a credential helper named in config.json (docker-credential-<helper> get, the registry on stdin)', async () => {
    const bin = tempDir('ailab-cred-helper-');
    const helper = path.join(bin, 'docker-credential-ailabtest');
    fs.writeFileSync(helper, '#!/bin/sh\nread server\nprintf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-pass"}\' "$server"\n', {
      mode: 0o755,
    });
    const file = path.join(bin, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ credHelpers: { [registry.host]: 'ailabtest' } }));
    const savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${savedPath ?? ''}`;
    try {
      expect(await credentialsFor(`${registry.host}/x/y:1`, file)).toEqual({ username: 'helper-user', password: 'helper-pass', serveraddress: registry.host });
      expect(await credentialsFor('other.example.com/x/y:1', file)).toBeNull();
    } finally {
      process.env.PATH = savedPath;
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
