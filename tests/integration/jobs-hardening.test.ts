import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackupResult, JobEngine, RestoreResult } from '../../shared/contract/jobs';
import { HELPER_PIDS_LIMIT } from '../../electron/services/docker/helperHardening';
import { runHelper, type ContainerTracker } from '../../electron/services/jobs/helperContainer';
import { docker, TEST_LABEL } from '../support/docker';
import {
  createVolume,
  inVolume,
  jobsHarness,
  jobsWithSource,
  newVolumeName,
  ourHelpers,
  removeTestVolumes,
  SEED_IMAGE,
  treeOf,
  type JobsHarness,
  type TreeEntry,
} from './jobs-support';

// Helper containers run with Docker's capabilities dropped but for the few tar needs, no new
// privileges, a pids limit, no network and a read-only image, and every engine still restores a hard
// tree exactly: files and folders of other users with mode 000, a sticky folder of another user,
// setgid folders and files of another group, a setuid file of another user, read-only folders.

const HARD_CONTENT = `
set -e
cd /volume
mkdir -p a/b sticky sgid ro plain
echo hi > a/b/f
echo x > secret && chmod 000 secret
chown 1001:1001 secret a a/b a/b/f && chmod 700 a && chmod 000 a/b
chown 1001:1001 sticky && chmod 1777 sticky && echo s > sticky/other && chown 1002:1002 sticky/other
chown 1001:1001 sgid && chmod 2775 sgid && echo g > sgid/file && chown 1001:1001 sgid/file && chmod 2755 sgid/file
echo u > suidfile && chown 1003:1003 suidfile && chmod 4755 suidfile
echo r > ro/inner && chown 1004:1004 ro ro/inner && chmod 444 ro/inner && chmod 555 ro
ln -s a/b/f link && chown -h 1005:1005 link
echo p > plain/p
find . -mindepth 1 ! -type l -exec touch -d @1650000000 {} +
touch -h -d @1600000000 link
`;

const run = promisify(execFile);
const CAP = { CHOWN: 0, DAC_OVERRIDE: 1, DAC_READ_SEARCH: 2, FOWNER: 3, FSETID: 4 } as const;
const mask = (...caps: Array<keyof typeof CAP>) => caps.reduce((m, c) => m | (1n << BigInt(CAP[c])), 0n);

let h: JobsHarness;
let out: string;
let source: string;
let sourceTree: Record<string, TreeEntry>;

beforeAll(async () => {
  ({ h, out, source } = await jobsWithSource('hardening-src', HARD_CONTENT));
  sourceTree = await treeOf(source);
});

afterEach(() => {
  delete process.env.AILAB_FIFO_FEEDS;
});

afterAll(async () => {
  await h?.close();
  await removeTestVolumes();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('a helper container', () => {
  const tracker: ContainerTracker = {
    add: () => undefined,
    remove: async (id) => {
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    },
  };

  /** What a helper sees of its own confinement, from inside. */
  async function confinement(readOnly: boolean, feedDir?: string) {
    const lines: string[] = [];
    const script = [
      'grep -E "^(CapEff|CapBnd|NoNewPrivs):" /proc/self/status',
      'echo "pids $(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max)"',
      'echo "nets $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | xargs)"',
      'if touch /rootfs-probe 2>/dev/null; then echo "rootfs writable"; else echo "rootfs read-only"; fi',
    ].join('; ');
    const res = await runHelper(
      docker,
      { image: SEED_IMAGE, cmd: ['sh', '-c', script], volume: source, readOnly, labels: { ...TEST_LABEL }, ...(feedDir ? { feedDir } : {}) },
      { signal: new AbortController().signal, onStdoutLine: (l) => lines.push(l) },
      tracker,
    );
    expect(res.exitCode).toBe(0);
    const field = (name: string) =>
      lines
        .find((l) => l.startsWith(name))
        ?.split(/\s+/)
        .slice(1)
        .join(' ') ?? '';
    return {
      capEff: BigInt(`0x${field('CapEff:')}`),
      capBnd: BigInt(`0x${field('CapBnd:')}`),
      noNewPrivs: field('NoNewPrivs:'),
      pids: field('pids'),
      nets: field('nets'),
      rootfs: lines.at(-1),
    };
  }

  it('that reads holds DAC_READ_SEARCH alone, with no new privileges, a pids limit, no network, a read-only image', async () => {
    const c = await confinement(true);
    expect(c.capEff).toBe(mask('DAC_READ_SEARCH'));
    expect(c.capBnd).toBe(mask('DAC_READ_SEARCH'));
    expect(c.noNewPrivs).toBe('1');
    expect(c.pids).toBe(String(HELPER_PIDS_LIMIT));
    expect(c.nets).toBe('lo');
    expect(c.rootfs).toBe('rootfs read-only');
  });

  it('that reads into a FIFO of the host user also holds DAC_OVERRIDE, and needs it: the FIFO is not root’s', async () => {
    const feed = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-hardening-feed-'));
    try {
      const c = await confinement(true, feed);
      expect(c.capEff).toBe(mask('DAC_READ_SEARCH', 'DAC_OVERRIDE'));
      expect(c.noNewPrivs).toBe('1');
      // As on a desktop, where the app runs as an ordinary user: folder and FIFO belong to uid 1000.
      await run('mkfifo', ['-m', '600', path.join(feed, 'out')]);
      fs.chownSync(feed, 1000, 1000);
      fs.chownSync(path.join(feed, 'out'), 1000, 1000);
      const reading = new Promise<number>((resolve, reject) => {
        let n = 0;
        fs.createReadStream(path.join(feed, 'out'))
          .on('data', (d) => (n += d.length))
          .on('end', () => resolve(n))
          .on('error', reject);
      });
      const res = await runHelper(
        docker,
        { image: SEED_IMAGE, cmd: ['tar', '-C', '/volume', '-cf', '/feed/out', '.'], volume: source, readOnly: true, labels: { ...TEST_LABEL }, feedDir: feed },
        { signal: new AbortController().signal },
        tracker,
      );
      expect(res).toMatchObject({ exitCode: 0 });
      expect(await reading).toBeGreaterThan(10_240);
    } finally {
      fs.rmSync(feed, { recursive: true, force: true });
    }
  });

  it('that writes holds CHOWN, DAC_OVERRIDE, FOWNER and FSETID: no MKNOD, SETUID, NET_RAW, KILL…', async () => {
    const c = await confinement(false);
    expect(c.capEff).toBe(mask('CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID'));
    expect(c.noNewPrivs).toBe('1');
    expect(c.pids).toBe(String(HELPER_PIDS_LIMIT));
    expect(c.rootfs).toBe('rootfs read-only');
  });
});

describe('every engine, confined, still restores exactly', () => {
  async function roundTrip(engine: JobEngine, label: string, harness = h): Promise<void> {
    const backup = await harness.finish(await harness.jobs.startBackup({ volume: source, dir: out, fileName: `${label}.tgz`, engine }));
    expect(backup.status, backup.error?.message).toBe('succeeded');
    const target = newVolumeName(`hardening-${label}`);
    const restore = await harness.finish(
      await harness.jobs.startRestore({ source: { archivePath: (backup.result as BackupResult).file }, volume: target, mode: 'new', engine }),
    );
    expect(restore.status, restore.error?.message).toBe('succeeded');
    expect(await treeOf(target)).toEqual(sourceTree);
    expect(await ourHelpers(harness)).toEqual([]);
  }

  it('fast, through FIFOs', async () => {
    await roundTrip('fast', 'fifo');
  });

  it('fast, over stdin and stdout', async () => {
    process.env.AILAB_FIFO_FEEDS = '0';
    await roundTrip('fast', 'stdio');
  });

  it('tar (the seed’s commands)', async () => {
    await roundTrip('tar', 'tar');
  });

  it('fast without a runnable helper image (the Engine’s GET/PUT archive API)', async () => {
    const bare = await jobsHarness();
    try {
      await bare.core.settings.update({ helperImage: 'ailab-absent-helper:none' });
      await roundTrip('fast', 'archive-api', bare);
    } finally {
      await bare.close();
    }
  });

  it('replace: the safety backup and the clearing get through the same folders, and both trees are exact', async () => {
    const archive = await h.finish(await h.jobs.startBackup({ volume: source, dir: out, fileName: 'replace.tgz' }));
    const target = await createVolume('hardening-replace');
    await inVolume(target, `${HARD_CONTENT}\nmkdir -p extra && echo old > extra/old && chown -R 1009:1009 extra && chmod 000 extra`);
    const before = await treeOf(target);
    const done = await h.finish(await h.jobs.startRestore({ source: { archivePath: (archive.result as BackupResult).file }, volume: target, mode: 'replace' }));
    expect(done.status, done.error?.message).toBe('succeeded');
    expect(await treeOf(target)).toEqual(sourceTree);
    const back = newVolumeName('hardening-safety');
    const safety = (done.result as RestoreResult).safetyBackup as string;
    expect((await h.finish(await h.jobs.startRestore({ source: { archivePath: safety }, volume: back, mode: 'new' }))).status).toBe('succeeded');
    expect(await treeOf(back)).toEqual(before);
  });
});
