import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import { PlansService, type Clock, type SchedulerEvent } from '../../electron/services/plans/plansService';
import type { Plan, PlanList } from '../../shared/contract/plans';
import { ailabInProcess as ailab, cliHome } from '../support/cli';
import { planFor } from '../support/plans';
import { sshdAvailable, startSshd, type TestSshd } from '../support/sshd';
import { at, collect, FakeClock, plansOn } from './plans-support';
import { createVolume, inVolume, jobsHarness, removeTestVolumes, SEED_IMAGE, tempDir, type JobsHarness } from './jobs-support';

/**
 * Plans with a copy off the machine, end to end: the real engine backs up, a real sshd (started here)
 * receives, the clock is injected. Then the CLI as a person uses it: an unknown host key refused
 * without --accept-new-host-key and trusted with it, a changed one refused naming the line to fix.
 */
if (!sshdAvailable()) console.warn('\n*** plans-sftp: /usr/sbin/sshd is missing: these tests are SKIPPED. apt-get install openssh-server ***\n');

const cliHomeDir = cliHome('plans-sftp-cli', { helperImage: SEED_IMAGE });
const prevTz = process.env.TZ;
const prevKnownHosts = process.env.AILAB_SSH_KNOWN_HOSTS;
let h: JobsHarness;
let sshd: TestSshd;
let volume: string;
let dir: string;

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

function plansWith(clock: Clock): PlansService {
  return plansOn(h, clock, {
    offsite: {
      config: { knownHostsFiles: [sshd.knownHosts], appKnownHosts: path.join(h.core.dataDir, 'known_hosts'), agentSocket: undefined, timeoutMs: 5000 },
      upload: { attempts: 2, backoffMs: [10] },
      utc: true,
    },
  });
}

const plan = (over: Partial<Plan> = {}): Plan => planFor(volume, dir, { sftp: sshd.target(), ...over });

/** The test sshd's folder (or `sub` below it) as `ailab plans set --sftp` takes it. */
const sshdFolder = (sub = '') => `${sshd.user}@127.0.0.1:${sshd.port}${sshd.remoteDir}${sub}`;

/** `ailab plans set` of the test volume, daily into `dir`, then the copy's options. */
const setPlan = (...copy: string[]) => ailab('plans', 'set', volume, '--to', dir, '--every', '1d', ...copy);

/** Where the CLI keeps the host keys it was told to trust. */
const cliKnownHosts = () => path.join(cliHomeDir(), 'known_hosts');

beforeAll(async () => {
  if (!sshdAvailable()) return;
  process.env.TZ = 'UTC';
  // The CLI in this process must not read the machine's ~/.ssh/known_hosts.
  process.env.AILAB_SSH_KNOWN_HOSTS = '';
  sshd = await startSshd();
  h = await jobsHarness({ AILAB_SSH_KNOWN_HOSTS: '' });
  volume = await createVolume('plans-sftp');
  await inVolume(volume, 'set -e; mkdir -p /volume/notebooks; printf "x\\n" > /volume/notebooks/a.ipynb; head -c 200000 /dev/urandom > /volume/blob.bin');
  dir = tempDir('ailab-plans-sftp-');
});

afterAll(async () => {
  if (prevTz === undefined) delete process.env.TZ;
  else process.env.TZ = prevTz;
  if (prevKnownHosts === undefined) delete process.env.AILAB_SSH_KNOWN_HOSTS;
  else process.env.AILAB_SSH_KNOWN_HOSTS = prevKnownHosts;
  await h?.close();
  await sshd?.stop();
  await removeTestVolumes();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!sshdAvailable())('plans with an SFTP copy', () => {
  it('a simulated day: each good backup uploaded, retention applied on both sides, the copy recorded', async () => {
    // Another tool's archive on the server, named like ours: never touched.
    fs.writeFileSync(path.join(sshd.remoteDir, `${volume}-20200101-000000.tgz`), 'foreign');
    const clock = new FakeClock(at('2026-12-04T22:00:00'));
    const plans = plansWith(clock);
    await plans.set(plan());
    clock.end = at('2026-12-05T11:00:00');
    const events: SchedulerEvent[] = [];
    await plans.run({ signal: clock.stop.signal, emit: collect(events) });
    const runs = events.flatMap((e) => (e.event === 'run-finished' ? [e.run] : []));
    expect(runs.map((r) => [new Date(r.startedAt).toISOString().slice(0, 16), r.status, r.copy?.status])).toEqual([
      ['2026-12-04T22:00', 'succeeded', 'succeeded'],
      ['2026-12-05T04:00', 'succeeded', 'succeeded'],
      ['2026-12-05T10:00', 'succeeded', 'succeeded'],
    ]);
    const last = runs[2];
    const name = `${volume}-20261205-100000.tgz`;
    expect(last?.copy).toEqual({
      status: 'succeeded',
      message: `Copied to sftp://${sshdFolder(`/${name}`)}; retention there deleted 1.`,
      remoteFile: `sftp://${sshdFolder(`/${name}`)}`,
      deleted: [path.join(sshd.remoteDir, `${volume}-20261204-220000.tgz`)],
      attempts: 1,
    });
    expect(fs.readdirSync(sshd.remoteDir).sort()).toEqual([
      `${volume}-20200101-000000.tgz`,
      `${volume}-20261205-040000.tgz`,
      `${volume}-20261205-040000.tgz.json`,
      name,
      `${name}.json`,
    ]);
    expect(sha(path.join(sshd.remoteDir, name))).toBe(sha(path.join(dir, name)));
    expect(fs.readFileSync(path.join(sshd.remoteDir, `${name}.json`), 'utf8')).toBe(fs.readFileSync(path.join(dir, `${name}.json`), 'utf8'));
    // The record survives plan-runs.json.
    expect((await plans.list()).plans[0]?.last?.copy).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('a failed upload fails the run with a clear message; the local backup stays, nothing is deleted there', async () => {
    const clock = new FakeClock(at('2026-12-06T00:00:00'));
    const plans = plansWith(clock);
    const remoteBefore = fs.readdirSync(sshd.remoteDir).sort();
    const run = await plans.runPlan(plan({ sftp: sshd.target({ path: `${sshd.remoteDir}/missing` }) }));
    expect(run).toMatchObject({
      status: 'failed',
      file: path.join(dir, `${volume}-20261206-000000.tgz`),
      copy: { status: 'failed', remoteFile: null, deleted: [] },
    });
    expect(run.message).toMatch(new RegExp(`^The copy to sftp://.*/missing failed: The folder ${sshd.remoteDir}/missing does not exist`));
    expect(run.message).toMatch(/The local backup is kept: backed up to/);
    expect(fs.existsSync(path.join(dir, `${volume}-20261206-000000.tgz`))).toBe(true);
    expect(fs.readdirSync(sshd.remoteDir).sort()).toEqual(remoteBefore);
    expect((await plans.list()).plans[0]?.health.state).toBe('failing');
  });
});

describe.skipIf(!sshdAvailable())('ailab plans set --sftp', () => {
  it('refuses an unknown host key without --accept-new-host-key, showing its fingerprint', async () => {
    const r = await setPlan('--sftp', sshdFolder(), '--sftp-key', sshd.userKey);
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.err).toMatch(new RegExp(`127\\.0\\.0\\.1:${sshd.port} is not in known_hosts\\. It offers the key ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}\\.`));
    expect(r.err).toMatch(/--accept-new-host-key/);
    const json = await setPlan('--sftp', sshdFolder(), '--json');
    expect(JSON.parse(json.out)).toMatchObject({ ok: false, error: { code: 'HOST_KEY_UNKNOWN' }, exitCode: EXIT.FAILURE });
    expect(fs.existsSync(cliKnownHosts())).toBe(false);
  });

  it('trusts it with --accept-new-host-key, saves the plan and lists the copy', async () => {
    const r = await setPlan('--sftp', sshdFolder(), '--sftp-key', sshd.userKey, '--accept-new-host-key');
    expect(r.code, r.err).toBe(EXIT.OK);
    expect(r.out).toContain(`Trusted 127.0.0.1:${sshd.port}: ssh-ed25519 SHA256:`);
    expect(fs.statSync(cliKnownHosts()).mode & 0o777).toBe(0o600);
    const ls = await ailab('plans', 'ls');
    expect(ls.out).toMatch(/COPY TO/);
    expect(ls.out).toContain(`sftp://${sshdFolder()}`);
    const json = JSON.parse((await ailab('plans', 'ls', '--json')).out) as PlanList;
    expect(json.plans[0]?.plan.sftp).toEqual({ host: '127.0.0.1', port: sshd.port, user: sshd.user, path: sshd.remoteDir, keyFile: sshd.userKey });
  });

  it('checks the login and the folder when the plan is set, not at the first run', async () => {
    const missing = await setPlan('--sftp', sshdFolder('/missing'), '--sftp-key', sshd.userKey);
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(missing.err).toContain(`The folder ${sshd.remoteDir}/missing does not exist on ${sshd.user}@127.0.0.1:${sshd.port}.`);
    expect(missing.err).toContain(`mkdir -p ${sshd.remoteDir}/missing`);
    const wrong = await setPlan('--sftp', sshdFolder(), '--sftp-key', sshd.wrongKey, '--json');
    expect(JSON.parse(wrong.out)).toMatchObject({
      ok: false,
      error: { code: 'REMOTE_AUTH_FAILED', hint: expect.stringMatching(/authorized_keys/) },
      exitCode: EXIT.FAILURE,
    });
    const closed = await setPlan('--sftp', `${sshd.user}@127.0.0.1:1/x`);
    expect(closed.code).toBe(EXIT.FAILURE);
    expect(closed.err).toContain('Nothing accepts SSH connections at 127.0.0.1:1 (connection refused).');
    // The plan saved before is unchanged by the refusals.
    const json = JSON.parse((await ailab('plans', 'ls', '--json')).out) as PlanList;
    expect(json.plans[0]?.plan.sftp?.keyFile).toBe(sshd.userKey);
    // No probe file left in the folder.
    expect(fs.readdirSync(sshd.remoteDir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('refuses a changed host key loudly, naming the file and line to fix; a run fails the same way', async () => {
    await sshd.restart({ newHostKey: true });
    const r = await setPlan('--sftp', sshdFolder(), '--sftp-key', sshd.userKey, '--accept-new-host-key');
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.err).toMatch(new RegExp(`THE HOST KEY OF 127\\.0\\.0\\.1:${sshd.port} HAS CHANGED`));
    expect(r.err).toContain(`delete line 1 of ${cliKnownHosts()}`);
    const once = await ailab('plans', 'run', '--once');
    expect(once.code).toBe(EXIT.FAILURE);
    expect(once.out).toMatch(/failed: The copy to sftp:\/\/.* failed: THE HOST KEY OF .* HAS CHANGED/);
  });
});
