import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpgrade } from '../../electron/services/launcher/upgrade';
import type { UpgradeJobs } from '../../electron/services/launcher/upgradeJobs';
import { UpgradeLedger } from '../../electron/services/launcher/upgradeLedger';
import { aiLabLayout, checkVersion, compareVersions, keptName, upgradeNotes } from '../../electron/services/launcher/upgradePlan';
import type { UpgradeProgressEvent } from '../../shared/contract/launcher';

describe('which image is newer', () => {
  it('compares versions numerically, a missing patch as 0', () => {
    expect(compareVersions('6.2.0', '6.1.0')).toBeGreaterThan(0);
    expect(compareVersions('6.10.0', '6.9.3')).toBeGreaterThan(0);
    expect(compareVersions('2.0', '2.0.0')).toBe(0);
    expect(compareVersions('1.0.0', '6.1.0')).toBeLessThan(0);
    expect(compareVersions('latest', '6.1.0')).toBeNull();
  });

  it('refuses older and same versions, and the same image under another tag', () => {
    expect(checkVersion('exasol/ai-lab:6.1.0', 'exasol/ai-lab:6.2.0', 'a', 'b').verdict).toBe('newer');
    expect(checkVersion('exasol/ai-lab:6.1.0', 'exasol/ai-lab:1.0.0', 'a', 'b').verdict).toBe('older');
    expect(checkVersion('exasol/ai-lab:6.1.0', 'ailab-fixture/ai-lab:6.1.0', 'a', 'b').verdict).toBe('same');
    expect(checkVersion('exasol/ai-lab:6.1.0', 'exasol/ai-lab:latest', 'a', 'a').verdict).toBe('same');
    const unknown = checkVersion('exasol/ai-lab:6.1.0', 'exasol/ai-lab:latest', 'a', 'b');
    expect(unknown.verdict).toBe('unknown');
    expect(unknown.message).toMatch(/not a version number/);
  });
});

describe('what counts as an AI-Lab image', () => {
  it('the 1.x layout (no NOTEBOOKS, a /root/notebooks volume) and the 6.x one', () => {
    expect(aiLabLayout('x/one:1.0.0', { Config: { ExposedPorts: { '49494/tcp': {} }, Volumes: { '/root/notebooks': {} }, Env: [] } }).isAiLab).toBe(true);
    const six = aiLabLayout('x/six:6.1.0', {
      Config: { ExposedPorts: { '49494/tcp': {} }, Volumes: { '/home/jupyter/notebooks': {} }, Env: ['NOTEBOOKS=/home/jupyter/notebooks'] },
    });
    expect(six).toMatchObject({ isAiLab: true, notebooksPath: '/home/jupyter/notebooks' });
  });

  it('ubuntu is not, and the words say why', () => {
    const v = aiLabLayout('ubuntu:latest', { Config: { Env: ['PATH=/bin'] } });
    expect(v.isAiLab).toBe(false);
    expect(v.reasons).toEqual(['no NOTEBOOKS in its environment', 'does not expose port 49494 (it exposes no port)', 'declares no notebooks volume']);
  });

  it('a known repository name alone is not enough', () => {
    expect(aiLabLayout('exasol/ai-lab:9.9.9', { Config: { ExposedPorts: { '8080/tcp': {} } } }).isAiLab).toBe(false);
  });
});

describe('the plan in words', () => {
  it('explains the path change and the chown only when the path changes', () => {
    expect(upgradeNotes('/root/notebooks', '/home/jupyter/notebooks', true).join(' ')).toMatch(/moves from \/root\/notebooks.*uid 1001/);
    expect(upgradeNotes('/home/jupyter/notebooks', '/home/jupyter/notebooks', true)).toHaveLength(1);
  });

  it('the kept name is a valid container name', () => {
    expect(keptName('ai-lab', '6.1.0', new Date('2026-12-06T01:02:03Z'))).toBe('ai-lab-before-upgrade-6.1.0-20261206-010203');
  });
});

/** A Docker engine with one running AI-Lab 6.1.0 container on volume `nb`, recording what is asked of it. */
function fakeDocker(calls: string[]): Dockerode {
  const container = {
    Id: 'old-id',
    Name: '/ai-lab',
    Created: '2026-01-01T00:00:00Z',
    Image: 'sha256:old',
    Config: { Image: 'exasol/ai-lab:6.1.0', Labels: {}, Env: [] },
    State: { Status: 'running', Running: true, StartedAt: '2026-01-01T00:00:00Z' },
    Mounts: [{ Type: 'volume', Name: 'nb', Destination: '/home/jupyter/notebooks' }],
    NetworkSettings: { Ports: { '49494/tcp': [{ HostIp: '127.0.0.1', HostPort: '49494' }] } },
  };
  const image = {
    Id: 'sha256:new',
    Config: { ExposedPorts: { '49494/tcp': {} }, Volumes: { '/home/jupyter/notebooks': {} }, Env: ['NOTEBOOKS=/home/jupyter/notebooks'] },
  };
  const fake = {
    getContainer: (ref: string) => ({
      inspect: async () => {
        if (ref !== 'ai-lab' && ref !== 'old-id') throw Object.assign(new Error('no such container'), { statusCode: 404 });
        return container;
      },
      stop: async () => void calls.push(`stop ${ref}`),
      start: async () => void calls.push(`start ${ref}`),
      rename: async () => void calls.push(`rename ${ref}`),
    }),
    listContainers: async () => [{ Id: 'old-id', Image: 'exasol/ai-lab:6.1.0', Labels: {} }],
    getVolume: () => ({ inspect: async () => ({ Name: 'nb', Labels: {} }) }),
    getImage: () => ({ inspect: async () => image }),
  };
  return fake as unknown as Dockerode;
}

function fakeJobs(freeBytes: number, calls: string[]): UpgradeJobs {
  return {
    backupDir: async () => '/backups',
    freeBytes: async () => freeBytes,
    measure: async () => ({ bytes: 500 * 1024 * 1024, entries: 1000 }),
    fingerprint: async () => 'fp',
    assertFree: async () => undefined,
    backup: async () => {
      calls.push('backup');
      throw new Error('not in this test');
    },
    restoreReplace: async () => {
      calls.push('restore');
      throw new Error('not in this test');
    },
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('a disk too full for the backup', () => {
  it('refuses with DISK_FULL before anything is stopped', async () => {
    const calls: string[] = [];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-upgrade-unit-'));
    dirs.push(dir);
    const events: UpgradeProgressEvent[] = [];
    const run = runUpgrade(
      {
        docker: fakeDocker(calls),
        endpoint: null,
        jobs: fakeJobs(100 * 1024 * 1024, calls),
        ledger: UpgradeLedger.in(dir),
        launch: async () => {
          calls.push('launch');
          throw new Error('not in this test');
        },
        emitProgress: (e) => events.push(e),
        emitPull: () => undefined,
        signal: new AbortController().signal,
      },
      'u1',
      { container: 'ai-lab', image: 'exasol/ai-lab:6.2.0', pull: true, timeoutSeconds: 30 },
    );
    await expect(run).rejects.toMatchObject({ code: 'DISK_FULL', message: expect.stringMatching(/needs about 5\d\d MB, but \/backups has only 105 MB free/) });
    await expect(run).rejects.toMatchObject({ hint: expect.stringMatching(/Nothing was stopped or changed/) });
    expect(calls).toEqual([]);
    expect(events.at(-1)).toMatchObject({ step: 'check', status: 'failed' });
    expect(await UpgradeLedger.in(dir).list()).toEqual([]);
  });
});

describe('the ledger', () => {
  it('is written 0600 and read back through its schema; a damaged file reads as empty', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-upgrade-ledger-'));
    dirs.push(dir);
    const ledger = UpgradeLedger.in(dir);
    const entry = {
      id: 'u1',
      name: 'ai-lab',
      newContainerId: null,
      newImage: 'exasol/ai-lab:6.2.0',
      oldContainerId: 'old-id',
      oldImage: 'exasol/ai-lab:6.1.0',
      keptAs: 'ai-lab-before-upgrade-6.1.0-20261206-010203',
      oldWasRunning: true,
      volume: 'nb',
      backupFile: '/backups/nb.tgz',
      state: 'starting' as const,
      startedAt: '2026-12-06T01:02:03.000Z',
      volumeFingerprint: 'fp',
    };
    await ledger.put(entry);
    const file = path.join(dir, 'upgrades.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await ledger.find('ai-lab')).toEqual(entry);
    expect(await ledger.find(entry.keptAs)).toEqual(entry);
    fs.writeFileSync(file, '{"formatVersion":1,"upgrades":[{"id":1}]}');
    expect(await ledger.list()).toEqual([]);
  });
});
