import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import { LABELS } from '../../shared/ailab';
import type { JobProgress, JobSummary } from '../../shared/contract/jobs';
import { createCore, type Core } from '../../electron/services/createCore';
import type { JobService } from '../../electron/services/jobs/jobService';
import { OWNER_LABEL } from '../../electron/services/jobs/owner';
import { docker, TEST_LABEL, uniqueName } from '../support/docker';
import { guideTarArgs } from '../support/guideTar';

const run = promisify(execFile);

/** The GNU tar fixture, also tagged ubuntu:latest so the seed's commands run unchanged. */
export const SEED_IMAGE = 'ubuntu';

export interface JobsHarness {
  core: Core;
  jobs: JobService;
  home: string;
  /** Waits for a job to end and returns its final summary. */
  finish(job: JobSummary): Promise<JobSummary>;
  close(): Promise<void>;
}

export async function jobsHarness(env: NodeJS.ProcessEnv = {}): Promise<JobsHarness> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-jobs-'));
  const core = await createCore({
    mode: 'browser',
    openExternal: async () => undefined,
    env: { ...process.env, AILAB_DESKTOP_HOME: home, HOME: home, ...env },
    watchDocker: false,
  });
  await core.settings.update({ helperImage: SEED_IMAGE });
  const jobs = core.jobs;
  return {
    core,
    jobs,
    home,
    finish: (job) => jobs.manager.wait(job.id),
    close: async () => {
      await core.shutdown();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

const created = new Set<string>();

export async function createVolume(prefix = 'jobs-vol'): Promise<string> {
  const name = uniqueName(prefix);
  await docker.createVolume({ Name: name, Labels: { ...TEST_LABEL } });
  created.add(name);
  return name;
}

/** Names the test will create through the app (restores into new volumes), so cleanup removes them. */
export function trackVolume(name: string): string {
  created.add(name);
  return name;
}

/** Whether a volume of that name is on the test engine. */
export async function volumeExists(name: string): Promise<boolean> {
  return docker
    .getVolume(name)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}

export function newVolumeName(prefix = 'jobs-new'): string {
  return trackVolume(uniqueName(prefix));
}

export async function removeTestVolumes(): Promise<void> {
  for (const name of created) {
    await docker
      .getVolume(name)
      .remove({ force: true })
      .catch(() => undefined);
  }
  created.clear();
}

/** Runs a shell script in the fixture image with the volume at /volume; returns stdout. */
export async function inVolume(volume: string, script: string, extraMounts: Dockerode.MountSettings[] = [], engine: Dockerode = docker): Promise<string> {
  const c = await engine.createContainer({
    Image: SEED_IMAGE,
    Cmd: ['sh', '-c', script],
    Labels: { ...TEST_LABEL },
    // Another engine (the tests' second dockerd) has no NAT on its bridge: its containers get no network.
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/volume' }, ...extraMounts], ...(engine === docker ? {} : { NetworkMode: 'none' }) },
  });
  try {
    const stream = await c.attach({ stream: true, stdout: true, stderr: true });
    let out = '';
    let err = '';
    const sink = (fn: (b: Buffer) => void) => new Writable({ write: (b: Buffer, _e, cb) => (fn(b), cb()) });
    c.modem.demuxStream(
      stream,
      sink((b) => (out += b.toString())),
      sink((b) => (err += b.toString())),
    );
    const ended = new Promise((r) => stream.on('end', r));
    await c.start();
    const res = (await c.wait()) as { StatusCode: number };
    await Promise.race([ended, new Promise((r) => setTimeout(r, 5000))]);
    if (res.StatusCode !== 0) throw new Error(`script failed (${res.StatusCode}): ${err}\n${script}`);
    return out;
  } finally {
    await c.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/**
 * A volume with what real notebooks volumes hold and what breaks naive tools: owners (jupyter 1001),
 * modes, symlinks (relative, absolute like a virtualenv's python), a hardlink pair, empty folders,
 * names with spaces and Unicode, the SCS file, binary content, fixed mtimes, a root folder owned by 1001.
 */
export const RICH_CONTENT = `
set -e
cd /volume
mkdir -p "notebooks/sp ace/ünïcödé ✓" empty/inner venv/bin data
printf 'print("hello")\\n' > notebooks/start.ipynb
printf 'über\\n' > "notebooks/sp ace/ünïcödé ✓/fïle ü.txt"
head -c 3000000 /dev/urandom > data/blob.bin
i=0; while [ $i -lt 300 ]; do printf 'row %s,%s\\n' $i $((i*i)) >> data/table.csv; i=$((i+1)); done
printf 'secret' > ai_lab_secure_configuration_storage.sqlite
ln -s /usr/bin/python3 venv/bin/python
ln -s ../notebooks/start.ipynb venv/link-to-start
ln data/table.csv data/table-hardlink.csv
chmod 600 ai_lab_secure_configuration_storage.sqlite
chmod 755 venv/bin
chmod 2775 data
chmod 700 empty/inner
chown -R 1001:1001 notebooks venv
chown 1234:5678 data/blob.bin
chown -h 1001:1001 venv/bin/python
touch -h -d @1600000000 venv/bin/python venv/link-to-start
find . -mindepth 1 ! -type l -exec touch -d @1650000000 {} +
touch -d @1700000000 data/blob.bin
chown 1001:1001 /volume
chmod 775 /volume
touch -d @1660000000 /volume
`;

export interface TreeEntry {
  type: string;
  uid: string;
  gid: string;
  mode: string;
  size: string;
  mtime: string;
  link: string;
  sha256: string;
  /** Other paths sharing this inode (hardlinks), sorted. */
  links: string;
}

/**
 * The volume as a comparable tree: type, owner, mode, size, mtime (seconds), symlink target, sha256
 * of regular files, and hardlink groups (paths that share an inode).
 */
export async function treeOf(volume: string, engine: Dockerode = docker): Promise<Record<string, TreeEntry>> {
  const out = await inVolume(
    volume,
    `cd /volume && find . -printf '%y\\t%U\\t%G\\t%m\\t%s\\t%T@\\t%i\\t%n\\t%l\\t%p\\0' && printf '\\1' && find . -type f -print0 | xargs -0 -r sha256sum -z`,
    [],
    engine,
  );
  const [listing, sums] = out.split('\u0001') as [string, string];
  const tree: Record<string, TreeEntry> = {};
  const inodes = new Map<string, string[]>();
  const inodeOf = new Map<string, string>();
  for (const rec of listing.split('\0').filter(Boolean)) {
    const [type, uid, gid, mode, size, mtime, inode, nlink, link, p] = rec.split('\t') as string[];
    const key = p as string;
    tree[key] = {
      type: type as string,
      uid: uid as string,
      gid: gid as string,
      mode: mode as string,
      size: type === 'd' ? '-' : (size as string),
      mtime: String(Math.floor(Number(mtime))),
      link: link as string,
      sha256: '',
      links: '',
    };
    if (type === 'f' && Number(nlink) > 1) {
      inodes.set(inode as string, [...(inodes.get(inode as string) ?? []), key]);
      inodeOf.set(key, inode as string);
    }
  }
  for (const rec of sums.split('\0').filter(Boolean)) {
    const sum = rec.slice(0, 64);
    const p = rec.slice(66);
    const e = tree[p];
    if (e) e.sha256 = sum;
  }
  for (const [p, inode] of inodeOf) {
    const e = tree[p];
    if (e) e.links = [...(inodes.get(inode) ?? [])].sort().join('|');
  }
  return tree;
}

/** The seed's backup command, exactly (plus our test label). */
export async function seedBackup(volume: string, dir: string, name = 'backup.tgz'): Promise<string> {
  await run('docker', guideTarArgs({ volume, dir, image: SEED_IMAGE }, ['-czvf', `/dest/${name}`, '.']), { maxBuffer: 64 * 1024 * 1024 });
  return path.join(dir, name);
}

/** The seed's restore command, exactly (plus our test label). */
export async function seedRestore(volume: string, file: string): Promise<void> {
  await run('docker', guideTarArgs({ volume, dir: path.dirname(file), image: SEED_IMAGE }, ['-xvf', `/dest/${path.basename(file)}`]), {
    maxBuffer: 64 * 1024 * 1024,
  });
}

/** Helper containers of this harness's job manager still on the engine. */
export async function ourHelpers(h: JobsHarness): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABELS.job}`, `${OWNER_LABEL}=${h.jobs.manager.ownerId}`] } });
  return list.map((c) => c.Id);
}

export function tempDir(prefix = 'ailab-jobs-out-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The usual start of a jobs test file: a harness, an output folder and a source volume filled by `script`. */
export async function jobsWithSource(prefix: string, script: string): Promise<{ h: JobsHarness; out: string; source: string }> {
  const h = await jobsHarness();
  const out = tempDir();
  const source = await createVolume(prefix);
  await inVolume(source, script);
  return { h, out, source };
}

/** Resolves with the first progress event of the harness's jobs that satisfies `pred` (to act mid-job). */
export function progressWhere(harness: JobsHarness, pred: (p: JobProgress) => boolean): Promise<JobProgress> {
  return new Promise((resolve) => {
    const off = harness.core.bus.on('jobProgress', (list) => {
      const hit = list.find(pred);
      if (hit) {
        off();
        resolve(hit);
      }
    });
  });
}
