// The archive library against the real Engine: the volume streamed out through the archive API,
// tapped and compressed on the host into a multi-member .tgz, and that file read back by the Engine
// (PUT archive) and by the seed's own restore command, to identical trees.
import fs from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParallelGzip, createTarTap, inspectArchive, openAtomicOutput, verifyArchive, type TarEntryInfo } from '../../electron/services/archive';
import { docker, removeContainerQuietly, removeVolumeQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { gnuList, gnuTar, makeTree, tempDir } from '../unit/archive-fixtures';

const IMAGE = 'ailab-fixture/gnu-tar:latest';
let dir: string;
const volumes: string[] = [];
const containers: string[] = [];

async function volume(): Promise<string> {
  const name = uniqueName('archive-it');
  await docker.createVolume({ Name: name, Labels: TEST_LABEL });
  volumes.push(name);
  return name;
}

/** Created, never started: enough for the archive API. */
async function holder(vol: string): Promise<Docker.Container> {
  const c = await docker.createContainer({
    Image: IMAGE,
    Cmd: ['true'],
    Labels: TEST_LABEL,
    HostConfig: { Mounts: [{ Type: 'volume', Source: vol, Target: '/volume' }], LogConfig: { Type: 'none', Config: {} } },
  });
  containers.push(c.id);
  return c;
}

async function listVolume(vol: string): Promise<TarEntryInfo[]> {
  const c = await holder(vol);
  const entries: TarEntryInfo[] = [];
  const stream = await c.getArchive({ path: '/volume/.' });
  await pipeline(
    stream,
    createTarTap((e) => entries.push(e)),
    new Writable({ write: (_c, _e, cb) => cb() }),
  );
  return entries.map((e) => ({ ...e, path: e.path.replace(/\/$/, '') })).sort((a, b) => a.path.localeCompare(b.path));
}

async function runSeed(cmd: string[], vol: string, hostDir: string): Promise<void> {
  const c = await docker.createContainer({
    Image: 'ubuntu:latest',
    Cmd: cmd,
    Labels: TEST_LABEL,
    HostConfig: {
      Mounts: [
        { Type: 'volume', Source: vol, Target: '/volume' },
        { Type: 'bind', Source: hostDir, Target: '/dest' },
      ],
      LogConfig: { Type: 'none', Config: {} },
    },
  });
  containers.push(c.id);
  await c.start();
  const res = (await c.wait()) as { StatusCode: number };
  expect(res.StatusCode).toBe(0);
}

let source: string;
let sourceEntries: TarEntryInfo[];
let tgz: string;
let tapped: TarEntryInfo[];

beforeAll(async () => {
  await docker.getImage(IMAGE).inspect(); // fails clearly when scripts/fixtures/build-images.sh has not run
  dir = await tempDir('archive-it-');
  const tree = path.join(dir, 'tree');
  await makeTree(tree);
  const seedTar = path.join(dir, 'seed.tar');
  await gnuTar(tree, seedTar, { owner: 1001 });
  source = await volume();
  await (await holder(source)).putArchive(seedTar, { path: '/volume' });
  sourceEntries = await listVolume(source);

  // The fast backup path: Engine tar → tap → parallel gzip (small blocks: many members) → atomic file.
  tgz = path.join(dir, 'backup.tgz');
  const out = await openAtomicOutput(tgz);
  const c = await holder(source);
  tapped = [];
  const tap = createTarTap((e) => tapped.push(e));
  await pipeline(await c.getArchive({ path: '/volume/.' }), tap, createParallelGzip({ blockSize: 64 * 1024 }), out.stream);
  await out.commit();
});

afterAll(async () => {
  for (const c of containers) await removeContainerQuietly(c);
  for (const v of volumes) await removeVolumeQuietly(v);
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

function comparable(entries: TarEntryInfo[]) {
  return entries
    .filter((e) => e.path !== '.' && e.path !== './' && e.path !== '')
    .map((e) => ({
      path: e.path.replace(/^\.\//, '').replace(/\/$/, ''),
      type: e.type,
      size: e.size,
      mode: e.mode,
      uid: e.uid,
      gid: e.gid,
      mtime: e.mtime,
      link: e.linkTarget?.replace(/^\.\//, '') ?? null,
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

describe('archive library with the Engine', () => {
  it('taps the Engine stream into the same entries tar -tzvf lists, and verifies', async () => {
    const listed = await gnuList(tgz);
    expect(sourceEntries.length).toBeGreaterThan(15);
    expect(sourceEntries.some((e) => e.type === 'fifo')).toBe(true);
    expect(tapped.map((e) => e.path)).toEqual(listed.map((l) => l.path));
    expect(tapped[0]?.path).toBe('./');
    expect(tapped.find((e) => e.path === './.venv/bin/python')).toMatchObject({ type: 'symlink', linkTarget: '/usr/bin/python3', uid: 1001 });
    const v = await verifyArchive(tgz, { entries: tapped.length });
    expect(v.entries).toBe(tapped.length);
    const inspection = await inspectArchive(tgz);
    expect(inspection.problems).toEqual([]);
    expect(inspection.rootEntry).toBe(true);
    expect(inspection.containsScs).toBe(true);
    expect(inspection.sha256).toBe(v.sha256);
  });

  it('restores through the Engine (PUT of the multi-member .tgz) to the same tree', async () => {
    const target = await volume();
    await (await holder(target)).putArchive(tgz, { path: '/volume' });
    expect(comparable(await listVolume(target))).toEqual(comparable(sourceEntries));
  });

  it("restores with the seed's own command to the same tree", async () => {
    const target = await volume();
    await runSeed(['tar', '-C', '/volume', '-xvf', '/dest/backup.tgz'], target, dir);
    const restored = comparable(await listVolume(target));
    expect(restored).toEqual(comparable(sourceEntries));
    // The Engine lists the second name of a hardlinked file as a link to the first: it stayed one file.
    expect(restored.filter((e) => e.type === 'hardlink')).toHaveLength(1);
  });
});
