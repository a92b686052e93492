// The Exasol DB volume (issue 18), against the real engine: recognised in the list with its container
// (a stand-in: db_container_DemoDb from the GNU tar fixture, sleeping, with the volume at /exa), its
// removal refused without the typed name (service and CLI), its backup stopping the DB container and
// starting it again; and the SCS stat per volume.
//
// db_container_DemoDb_volume is a fixed, real name: this file creates it only when absent (a leftover
// of an earlier run, labelled as a test's, is removed first; anyone else's is never touched) and
// removes it at the end. The tests below run one after the other and depend on that order.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXASOL_DB_CONTAINER, EXASOL_DB_LABEL, EXASOL_DB_VOLUME, SCS_FILE } from '../../shared/ailab';
import { ailabInProcess, buildPrivateCli, cliHome } from '../support/cli';
import { coreTestEnv, type CoreTestEnv } from '../support/core';
import { docker, removeContainerQuietly, removeVolumeQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { GNU_TAR_IMAGE } from '../support/fixtures';
import { runInVolume } from '../support/volumeShell';

const TEST_KEY = Object.keys(TEST_LABEL)[0] as string;

let t: CoreTestEnv;
let out: string;
let other: string;
cliHome('dbguard', { helperImage: GNU_TAR_IMAGE });

/** The fixed names, made here only when free (or held by a leftover of this very test). */
async function claim(): Promise<void> {
  const vol = await docker
    .getVolume(EXASOL_DB_VOLUME)
    .inspect()
    .catch(() => null);
  if (vol && !(vol.Labels ?? {})[TEST_KEY]) throw new Error(`${EXASOL_DB_VOLUME} exists and is not a test's: refusing to touch it.`);
  const c = await docker
    .getContainer(EXASOL_DB_CONTAINER)
    .inspect()
    .catch(() => null);
  if (c && !(c.Config.Labels ?? {})[TEST_KEY]) throw new Error(`${EXASOL_DB_CONTAINER} exists and is not a test's: refusing to touch it.`);
  await removeContainerQuietly(EXASOL_DB_CONTAINER);
  await removeVolumeQuietly(EXASOL_DB_VOLUME);
}

async function release(): Promise<void> {
  await removeContainerQuietly(EXASOL_DB_CONTAINER);
  const vol = await docker
    .getVolume(EXASOL_DB_VOLUME)
    .inspect()
    .catch(() => null);
  if (vol && (vol.Labels ?? {})[TEST_KEY]) await removeVolumeQuietly(EXASOL_DB_VOLUME);
}

/** The stand-in DB: its data in the volume, the container sleeping (stopped at once: SIGKILL). */
async function startDb(): Promise<string> {
  await docker.createVolume({ Name: EXASOL_DB_VOLUME, Labels: { ...TEST_LABEL } });
  await runInVolume(EXASOL_DB_VOLUME, 'mkdir -p /volume/data && head -c 200000 /dev/urandom > /volume/data/db.bin');
  const c = await docker.createContainer({
    name: EXASOL_DB_CONTAINER,
    Image: GNU_TAR_IMAGE,
    Cmd: ['sleep', '600'],
    Labels: { ...TEST_LABEL },
    StopSignal: 'SIGKILL',
    HostConfig: { Mounts: [{ Type: 'volume', Source: EXASOL_DB_VOLUME, Target: '/exa' }], NetworkMode: 'none' },
  });
  await c.start();
  return c.id;
}

async function running(name: string): Promise<boolean> {
  return (await docker.getContainer(name).inspect()).State.Running;
}

beforeAll(async () => {
  await claim();
  t = await coreTestEnv('dbguard');
  await t.core.settings.update({ helperImage: GNU_TAR_IMAGE });
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-dbguard-out-'));
  await startDb();
  // Recognised by the volume it mounts, whatever its name.
  other = uniqueName('dbguard-reader');
  await t.container(EXASOL_DB_VOLUME, { name: other, target: '/exa' });
}, 120_000);

afterAll(async () => {
  await t?.cleanup();
  await release();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

describe('the Exasol DB volume', () => {
  it('is labelled "Exasol database data" with the containers that mount it and its size', async () => {
    const list = await t.ok('listVolumes');
    const db = list.find((v) => v.name === EXASOL_DB_VOLUME);
    expect(db?.exasolDb).toEqual({ label: EXASOL_DB_LABEL, containers: [EXASOL_DB_CONTAINER, other], running: true });
    expect(db?.containers.find((c) => c.name === EXASOL_DB_CONTAINER)?.mountPath).toBe('/exa');
    const plain = await t.volume();
    expect((await t.ok('inspectVolume', plain)).exasolDb).toBeNull();
    const sizes = await t.ok('getVolumeSizes');
    expect(sizes.sizes[EXASOL_DB_VOLUME]?.size).toBeGreaterThanOrEqual(200_000);
    const ls = await ailabInProcess('volumes', 'ls', '--no-size');
    expect(ls.out).toMatch(new RegExp(`${EXASOL_DB_VOLUME} .*${EXASOL_DB_LABEL} \\(${EXASOL_DB_CONTAINER}, ${other}\\)`));
  });

  it('the service refuses its removal without the typed name (CONFIRMATION_REQUIRED), whatever else is confirmed', async () => {
    const none = await t.fails('removeVolume', EXASOL_DB_VOLUME, { removeStoppedContainers: true });
    expect(none.code).toBe('CONFIRMATION_REQUIRED');
    expect(none.hint).toMatch(/--confirm-name db_container_DemoDb_volume/);
    const wrong = await t.fails('removeVolume', EXASOL_DB_VOLUME, { confirmName: 'db_container_DemoDb' });
    expect(wrong.code).toBe('CONFIRMATION_REQUIRED');
    expect(wrong.message).toMatch(/does not match/);
    // Confirmed, it is still only a volume: in use by a running container it is refused as any other.
    const inUse = await t.fails('removeVolume', EXASOL_DB_VOLUME, { confirmName: EXASOL_DB_VOLUME });
    expect(inUse.code).toBe('VOLUME_IN_USE');
    expect(await running(EXASOL_DB_CONTAINER)).toBe(true);
  });

  it('CLI: `volumes rm NAME --yes` refuses, naming --confirm-name NAME (text and --json)', async () => {
    const r = await ailabInProcess('volumes', 'rm', EXASOL_DB_VOLUME, '--yes');
    expect(r.code).toBe(6);
    expect(r.err).toMatch(/Type its name to confirm/);
    expect(r.err).toMatch(/--confirm-name db_container_DemoDb_volume/);
    expect(r.err).toMatch(/--yes alone is not enough/);
    const j = await ailabInProcess('volumes', 'rm', EXASOL_DB_VOLUME, '--yes', '--json');
    expect(j.code).toBe(6);
    const outcomes = JSON.parse(j.out) as Array<{ volume: string; ok: boolean; error?: { code: string; hint?: string } }>;
    expect(outcomes).toEqual([
      expect.objectContaining({ volume: EXASOL_DB_VOLUME, ok: false, error: expect.objectContaining({ code: 'CONFIRMATION_REQUIRED' }) }),
    ]);
    expect(outcomes[0]?.error?.hint).toMatch(/--confirm-name db_container_DemoDb_volume/);
    // Other volumes need no name typed.
    const plain = await t.volume();
    expect((await ailabInProcess('volumes', 'rm', plain, '--yes')).code).toBe(0);
    expect((await ailabInProcess('volumes', 'inspect', EXASOL_DB_VOLUME)).code).toBe(0);
  });

  it('CLI on a terminal: the name typed at the prompt confirms (a wrong one is refused)', async () => {
    const cli = await buildPrivateCli('dbguard');
    try {
      const typed = (name: string) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          // `script` gives the CLI a terminal, so it prompts; what is written to its stdin is typed there.
          const p = spawn('script', ['-qec', `${process.execPath} ${cli} volumes rm ${EXASOL_DB_VOLUME} --yes`, '/dev/null'], {
            env: { ...process.env },
            stdio: ['pipe', 'pipe', 'pipe'],
          });
          let out = '';
          p.stdout.on('data', (b: Buffer) => {
            out += b.toString();
            if (out.includes('Type its name to remove it:') && !p.stdin.writableEnded) p.stdin.write(`${name}\n`);
          });
          p.on('close', (code) => resolve({ code, out }));
          setTimeout(() => p.kill(), 20_000).unref();
        });
      const wrong = await typed('db_container_DemoDb');
      expect(wrong.out).toMatch(/does not match/);
      expect(wrong.code).toBe(6);
      // The right name passes the guard; the running DB container still holds the volume (never stopped by rm).
      const right = await typed(EXASOL_DB_VOLUME);
      expect(right.out).toMatch(/in use by container/);
      expect(right.code).toBe(5);
    } finally {
      fs.rmSync(path.dirname(cli), { recursive: true, force: true });
    }
  });

  it('backup: the plan recommends stopping the DB and says why; stopped for the backup, running again after', async () => {
    const plan = await t.ok('prepareBackup', EXASOL_DB_VOLUME);
    expect(plan.stopFirst?.why).toMatch(/may not start again/);
    expect([...(plan.stopFirst?.containers ?? [])].sort()).toEqual([EXASOL_DB_CONTAINER, other].sort());
    const plainPlan = await t.ok('prepareBackup', await t.volume());
    expect(plainPlan.stopFirst).toBeNull();

    const job = await t.ok('startBackup', { volume: EXASOL_DB_VOLUME, dir: out, fileName: 'db.tgz', stopContainers: true, overwrite: false });
    const done = await t.core.jobs.manager.wait(job.id);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.stoppedContainers.map((c) => c.name)).toEqual([EXASOL_DB_CONTAINER]);
    expect(done.warnings).toEqual([]);
    expect(await running(EXASOL_DB_CONTAINER)).toBe(true);
  });

  it('CLI backup without --stop-containers warns (text and a JSON warning event); with it, the DB runs again after', async () => {
    const r = await ailabInProcess('backup', EXASOL_DB_VOLUME, '--out', path.join(out, 'cli.tgz'));
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /Warning: db_container_DemoDb_volume holds AI-Lab's Exasol database and db_container_DemoDb is running\. .*may not start again.*--stop-containers/,
    );
    expect(r.err).toMatch(/Warning: The Exasol database in db_container_DemoDb_volume was copied while db_container_DemoDb ran/);
    const j = await ailabInProcess('backup', EXASOL_DB_VOLUME, '--out', path.join(out, 'cli-json.tgz'), '--json');
    expect(j.code).toBe(0);
    const events = j.out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { event: string; containers?: string[] });
    expect(events[0]).toMatchObject({ event: 'warning', containers: [EXASOL_DB_CONTAINER] });
    const s = await ailabInProcess('backup', EXASOL_DB_VOLUME, '--out', path.join(out, 'cli-stop.tgz'), '--stop-containers');
    expect(s.code, s.err).toBe(0);
    expect(s.err).not.toMatch(/Warning/);
    expect(await running(EXASOL_DB_CONTAINER)).toBe(true);
  });

  it('CLI: --confirm-name removes it once its containers are gone (running ones are never stopped by rm)', async () => {
    const running1 = await ailabInProcess('volumes', 'rm', EXASOL_DB_VOLUME, '--confirm-name', EXASOL_DB_VOLUME, '--force');
    expect(running1.code).toBe(5);
    await docker.getContainer(EXASOL_DB_CONTAINER).stop();
    const r = await ailabInProcess('volumes', 'rm', EXASOL_DB_VOLUME, '--confirm-name', EXASOL_DB_VOLUME, '--force');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/Removed volume db_container_DemoDb_volume/);
    expect(
      await docker
        .getVolume(EXASOL_DB_VOLUME)
        .inspect()
        .catch(() => null),
    ).toBeNull();
  });
});

describe('the SCS per volume', () => {
  it('volumeScs: present with size, owner, mode and time (and sha256 when asked); absent elsewhere; fast', async () => {
    const v = await t.volume();
    await runInVolume(
      v,
      `printf 'scs' > /volume/${SCS_FILE} && chown 1001:1001 /volume/${SCS_FILE} && chmod 600 /volume/${SCS_FILE} && touch -d @1700000000 /volume/${SCS_FILE}`,
    );
    const started = Date.now();
    const scs = await t.ok('volumeScs', v, false);
    const ms = Date.now() - started;
    expect(scs).toEqual({
      volume: v,
      present: true,
      size: 3,
      modifiedAt: new Date(1700000000_000).toISOString(),
      uid: 1001,
      gid: 1001,
      mode: '600',
      sha256: null,
    });
    // One create and one remove of a never-started helper: well under a second here.
    expect(ms).toBeLessThan(3000);
    console.log(`volumeScs took ${ms} ms`);
    const hashed = await t.ok('volumeScs', v, true);
    expect(hashed.sha256).toBe(createHash('sha256').update('scs').digest('hex'));
    const empty = await t.volume();
    expect(await t.ok('volumeScs', empty, false)).toMatchObject({ present: false, modifiedAt: null });
    expect((await t.fails('volumeScs', 'no-such-volume-dbguard', false)).code).toBe('VOLUME_NOT_FOUND');
    const cli = await ailabInProcess('volumes', 'inspect', v);
    expect(cli.out).toMatch(new RegExp(`SCS: +${SCS_FILE}, 3 B, changed .*owner 1001:1001, mode 600`));
  });
});
