import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../shared/ailab';
import type { TransferResult } from '../../shared/contract/volumeOps';
import { runBuiltCli as runCli, type BuiltCliResult } from '../support/cli';
import { docker, removeVolumeQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { writeDockerContext } from '../support/dockerContext';
import { startSecondEngine, type SecondEngine } from '../support/secondEngine';
import { sshClientHome, startSshd, type TestSshd } from '../support/sshd';
import { createVolume, inVolume, jobsHarness, ourHelpers, removeTestVolumes, RICH_CONTENT, treeOf, type JobsHarness } from './jobs-support';

/**
 * ssh:// engines through a real OpenSSH server (Debian's sshd on loopback, throwaway keys), whose
 * sessions run the real `docker system dial-stdio` against the second engine (sshd's SetEnv
 * DOCKER_HOST), as on a server: the built CLI is the client, with a HOME holding the user's key and
 * known_hosts the way a person's would. The volume made on the second engine alone tells which
 * engine answered.
 */

let second: SecondEngine;
let sshd: TestSshd;
let onSecond = '';
let onFirst = '';
/** The server's host key fingerprint as OpenSSH prints it: the oracle for the refusal messages. */
let fingerprint = '';
const homes: string[] = [];

/**
 * The built CLI with a longer leash than the default 20 s: docker-modem opens one ssh connection per
 * API call (6 for `volumes ls`, counted in sshd's log), each a few seconds on a busy 2-core machine.
 */
function runBuiltCli(args: string[], opts: { env: NodeJS.ProcessEnv }): Promise<BuiltCliResult> {
  return runCli(args, { ...opts, timeoutMs: 90_000 });
}

function home(opts: Parameters<typeof sshClientHome>[1] = {}): string {
  const h = sshClientHome(sshd, opts);
  homes.push(h);
  return h;
}

function volumeNames(r: BuiltCliResult): string[] {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { name: string }[]).map((v) => v.name);
}

interface JsonError {
  ok: false;
  error: { code: string; message: string; hint?: string; details?: Record<string, unknown> };
  exitCode: number;
}

function jsonError(r: BuiltCliResult): JsonError {
  expect(r.code).not.toBe(0);
  const out = JSON.parse(r.stdout) as JsonError;
  expect(out.exitCode).toBe(r.code);
  return out;
}

beforeAll(async () => {
  second = await startSecondEngine();
  sshd = await startSshd('ailab-docker-ssh-', { dockerHost: second.host });
  fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', sshd.hostKeyPub], { encoding: 'utf8' }).split(' ')[1] ?? '';
  expect(fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  onSecond = uniqueName('ailab-ssh-second');
  onFirst = uniqueName('ailab-ssh-first');
  await second.docker.createVolume({ Name: onSecond, Labels: TEST_LABEL });
  await docker.createVolume({ Name: onFirst, Labels: TEST_LABEL });
});

afterAll(async () => {
  await second?.docker
    .getVolume(onSecond)
    .remove()
    .catch(() => undefined);
  if (onFirst) await removeVolumeQuietly(onFirst);
  await sshd?.stop();
  await second?.stop();
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
});

describe('ssh:// engines through a real sshd running docker system dial-stdio', () => {
  it("DOCKER_HOST=ssh://user@127.0.0.1:PORT lists the far engine's volumes and not the local engine's", async () => {
    const names = volumeNames(await runBuiltCli(['volumes', 'ls', '--json'], { env: { HOME: home(), DOCKER_HOST: sshd.dockerUrl } }));
    expect(names).toContain(onSecond);
    expect(names).not.toContain(onFirst);
    // Every name listed is one the second engine has.
    const far = (await second.docker.listVolumes()).Volumes.map((v) => v.Name).sort();
    expect([...names].sort()).toEqual(far);
  });

  it('a hashed known_hosts (ssh-keygen -H, HashKnownHosts yes) is read too', async () => {
    const h = home();
    const file = path.join(h, '.ssh', 'known_hosts');
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^\|1\|/);
    expect(volumeNames(await runBuiltCli(['volumes', 'ls', '--json'], { env: { HOME: h, DOCKER_HOST: sshd.dockerUrl } }))).toContain(onSecond);
  });

  it('a docker context with Host ssh://…, chosen by DOCKER_CONTEXT or --context, reaches the same engine', async () => {
    const h = home();
    const configDir = path.join(h, 'docker-config');
    writeDockerContext(configDir, 'over-ssh', { Host: sshd.dockerUrl, SkipTLSVerify: false });
    const viaEnv = await runBuiltCli(['volumes', 'ls', '--json'], { env: { HOME: h, DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'over-ssh' } });
    expect(volumeNames(viaEnv)).toContain(onSecond);
    expect(volumeNames(viaEnv)).not.toContain(onFirst);
    const viaFlag = await runBuiltCli(['--context', 'over-ssh', 'volumes', 'ls', '--json'], { env: { HOME: h, DOCKER_CONFIG: configDir } });
    expect(volumeNames(viaFlag)).toContain(onSecond);
  });

  it('refuses a host key that is in no known_hosts, naming its fingerprint and how to trust it', async () => {
    const h = home({ knownHosts: false });
    const r = await runBuiltCli(['volumes', 'ls', '--json'], { env: { HOME: h, DOCKER_HOST: sshd.dockerUrl } });
    const { error } = jsonError(r);
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.message).toContain(
      `Refused the Docker engine ${sshd.dockerUrl}: its SSH host key is unknown. It offers ssh-ed25519 ${fingerprint}, which is in none of the known_hosts files (there is no ${path.join(h, '.ssh', 'known_hosts')}).`,
    );
    expect(error.hint).toContain(`\`ssh -p ${sshd.port} ${sshd.user}@127.0.0.1\` once from a terminal`);
    expect(error.hint).toContain(`\`ssh-keyscan -p ${sshd.port} 127.0.0.1 >> ${path.join(h, '.ssh', 'known_hosts')}\``);
    expect(error.details).toMatchObject({ host: `127.0.0.1:${sshd.port}`, keyType: 'ssh-ed25519', fingerprint, status: 'unknown' });

    // The way the hint says: ssh-keyscan's line, with the fingerprint it shows compared first, lets it in.
    const scanned = execFileSync('ssh-keyscan', ['-p', String(sshd.port), '-t', 'ed25519', '127.0.0.1'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(execFileSync('ssh-keygen', ['-l', '-f', '-'], { input: scanned, encoding: 'utf8' })).toContain(fingerprint);
    fs.appendFileSync(path.join(h, '.ssh', 'known_hosts'), scanned);
    expect(volumeNames(await runBuiltCli(['volumes', 'ls', '--json'], { env: { HOME: h, DOCKER_HOST: sshd.dockerUrl } }))).toContain(onSecond);
  });

  it('says it plainly on a terminal too', async () => {
    const r = await runBuiltCli(['volumes', 'ls'], { env: { HOME: home({ knownHosts: false }), DOCKER_HOST: sshd.dockerUrl } });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      new RegExp(
        `^Error: Refused the Docker engine ssh://${sshd.user}@127\\.0\\.0\\.1:${sshd.port}: its SSH host key is unknown\\. It offers ssh-ed25519 ${escape(fingerprint)}, `,
      ),
    );
    expect(r.stderr).toContain('Check that fingerprint');
  });

  it('refuses a changed host key, naming the known_hosts line, and offers no way to accept it', async () => {
    // known_hosts holds another key for [127.0.0.1]:PORT, as after a reinstall or with a man in the middle.
    const [type, oldKey] = fs.readFileSync(`${sshd.wrongKey}.pub`, 'utf8').trim().split(/\s+/);
    const h = home({ knownHosts: `# servers\n[127.0.0.1]:${sshd.port} ${type} ${oldKey}\n` });
    const { error } = jsonError(await runBuiltCli(['volumes', 'ls', '--json'], { env: { HOME: h, DOCKER_HOST: sshd.dockerUrl } }));
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.message).toContain(
      `THE HOST KEY OF 127.0.0.1:${sshd.port} HAS CHANGED: it now offers ssh-ed25519 ${fingerprint}, but ${path.join(h, '.ssh', 'known_hosts')} line 2 holds another key for it.`,
    );
    expect(error.hint).toMatch(/^Do not connect until you know why\./);
    expect(error.hint).not.toMatch(/answer yes|ssh-keyscan/);
  });

  it('refuses a user key the server does not accept, saying what to check', async () => {
    const h = home({ wrongKey: true });
    const { error, exitCode } = jsonError(await runBuiltCli(['volumes', 'ls', '--json'], { env: { HOME: h, DOCKER_HOST: sshd.dockerUrl } }));
    expect(exitCode).toBe(3);
    expect(error.code).toBe('DOCKER_UNREACHABLE');
    expect(error.message).toBe(
      `SSH login to ${sshd.user}@127.0.0.1:${sshd.port} failed (set by DOCKER_HOST): All configured authentication methods failed. It offered the key ${path.join(h, '.ssh', 'id_ed25519')}.`,
    );
    expect(error.hint).toBe(
      `Add your public key to ~${sshd.user}/.ssh/authorized_keys on the server, or load the right key into ssh-agent (\`ssh-add\`, with SSH_AUTH_SOCK set); \`ssh -p ${sshd.port} ${sshd.user}@127.0.0.1 docker version\` must work from a terminal.`,
    );
  });

  it('no key at all: says that none was offered', async () => {
    const h = home();
    fs.rmSync(path.join(h, '.ssh', 'id_ed25519'));
    const { error } = jsonError(await runBuiltCli(['volumes', 'ls', '--json'], { env: { HOME: h, DOCKER_HOST: sshd.dockerUrl } }));
    expect(error.code).toBe('DOCKER_UNREACHABLE');
    expect(error.message).toContain('No key was offered: SSH_AUTH_SOCK names no ssh-agent and there is no ~/.ssh/id_ed25519, id_ecdsa or id_rsa.');
  });

  it('an sshd that is not running: unreachable, with the address and what to check', async () => {
    const gone = await startSshd('ailab-docker-ssh-gone-', { dockerHost: second.host });
    const h = sshClientHome(gone);
    homes.push(h);
    await gone.stop();
    const { error, exitCode } = jsonError(await runBuiltCli(['volumes', 'ls', '--json'], { env: { HOME: h, DOCKER_HOST: gone.dockerUrl } }));
    expect(exitCode).toBe(3);
    expect(error.code).toBe('DOCKER_UNREACHABLE');
    expect(error.message).toBe(
      `Cannot open an SSH connection to ${gone.user}@127.0.0.1:${gone.port} (set by DOCKER_HOST): connect ECONNREFUSED 127.0.0.1:${gone.port}.`,
    );
    expect(error.hint).toContain(`ssh -p ${gone.port} ${gone.user}@127.0.0.1`);
  });

  it('a server whose docker CLI cannot reach its engine: says so, and which command to try there', async () => {
    const lost = await startSshd('ailab-docker-ssh-noengine-', { dockerHost: 'unix:///nonexistent/ailab/docker.sock' });
    try {
      const h = sshClientHome(lost);
      homes.push(h);
      const { error, exitCode } = jsonError(await runBuiltCli(['volumes', 'ls', '--json', '--no-size'], { env: { HOME: h, DOCKER_HOST: lost.dockerUrl } }));
      expect(exitCode).toBe(3);
      expect(error.code).toBe('DOCKER_UNREACHABLE');
      expect(error.message).toBe(`Docker over SSH at ${lost.dockerUrl} (set by DOCKER_HOST) failed: socket hang up.`);
      expect(error.hint).toBe(
        `Check that \`ssh -p ${lost.port} ${lost.user}@127.0.0.1 docker system dial-stdio\` starts (the remote host needs the docker CLI and access to its engine).`,
      );
    } finally {
      await lost.stop();
    }
  });
});

describe('ailab volumes transfer to a context whose host is ssh:// (the real sshd in front of the second engine)', () => {
  let h: JobsHarness;
  let stranger: TestSshd;
  let source = '';
  let sshHome = '';
  let configDir = '';
  const arrived: string[] = [];

  const secondHelpers = async () => (await second.docker.listContainers({ all: true, filters: { label: [LABELS.job] } })).map((c) => c.Id);
  const secondHas = (name: string) =>
    second.docker
      .getVolume(name)
      .inspect()
      .then(
        () => true,
        () => false,
      );

  beforeAll(async () => {
    sshHome = home();
    configDir = path.join(sshHome, 'docker-config');
    writeDockerContext(configDir, 'over-ssh', { Host: sshd.dockerUrl, SkipTLSVerify: false });
    // Another server in front of the same engine, whose host key the user's known_hosts does not hold.
    stranger = await startSshd('ailab-docker-ssh-stranger-', { dockerHost: second.host });
    writeDockerContext(configDir, 'stranger', { Host: stranger.dockerUrl, SkipTLSVerify: false });
    // The app as the user runs it: HOME with the key and known_hosts, no ssh-agent.
    h = await jobsHarness({ DOCKER_CONFIG: configDir, HOME: sshHome, SSH_AUTH_SOCK: '' });
    source = await createVolume('ailab-ssh-xfer-src');
    await inVolume(source, RICH_CONTENT);
  }, 120_000);

  afterAll(async () => {
    for (const n of arrived)
      await second?.docker
        .getVolume(n)
        .remove({ force: true })
        .catch(() => undefined);
    await h?.close();
    await stranger?.stop();
    await removeTestVolumes();
  });

  it('moves the volume over ssh, exact: owners, modes, times, symlinks, hard links, content', async () => {
    const before = await treeOf(source);
    const as = uniqueName('ailab-ssh-xfer');
    arrived.push(as);
    const job = await h.core.volumeOps.transfer({ volume: source, toContext: 'over-ssh', as });
    const done = await h.finish(job);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    const r = done.result as TransferResult;
    expect(r.toEngine).toBe(sshd.dockerUrl);
    expect(r.verified).toBe(true);
    expect(r.createdVolume).toBe(true);
    const there = await treeOf(as, second.docker);
    expect(there).toEqual(before);
    // What the comparison covers, spelled out: a hard link pair, symlinks, owners and modes made by RICH_CONTENT.
    expect(there['./data/table-hardlink.csv']?.links).toBe('./data/table-hardlink.csv|./data/table.csv');
    expect(there['./venv/bin/python']).toMatchObject({ type: 'l', link: '/usr/bin/python3', uid: '1001' });
    expect(there['./data/blob.bin']).toMatchObject({ uid: '1234', gid: '5678' });
    expect(there['./data']?.mode).toBe('2775');
    expect(await treeOf(source)).toEqual(before);
    expect(await ourHelpers(h)).toEqual([]);
    expect(await secondHelpers()).toEqual([]);
  }, 300_000);

  it('refuses a target whose ssh host key is unknown before anything moves', async () => {
    const fingerprintOfStranger = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', stranger.hostKeyPub], { encoding: 'utf8' }).split(' ')[1] ?? '';
    const as = uniqueName('ailab-ssh-xfer-stranger');
    arrived.push(as);
    const imagesBefore = (await second.docker.listImages()).map((i) => i.Id).sort();
    await expect(h.core.volumeOps.transfer({ volume: source, toContext: 'stranger', as })).rejects.toMatchObject({
      code: 'HOST_KEY_UNKNOWN',
      message: expect.stringContaining(`its SSH host key is unknown. It offers ssh-ed25519 ${fingerprintOfStranger}`) as unknown,
    });
    expect(await secondHas(as)).toBe(false);
    expect(await secondHelpers()).toEqual([]);
    expect((await second.docker.listImages()).map((i) => i.Id).sort()).toEqual(imagesBefore);
    expect(await ourHelpers(h)).toEqual([]);
  });

  it('ailab volumes transfer --to-context to that server: refused with the fingerprint, exit 1, nothing there', async () => {
    const fingerprintOfStranger = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', stranger.hostKeyPub], { encoding: 'utf8' }).split(' ')[1] ?? '';
    const as = uniqueName('ailab-ssh-xfer-cli');
    arrived.push(as);
    const r = await runBuiltCli(['volumes', 'transfer', source, '--to-context', 'stranger', '--as', as], { env: { HOME: sshHome, DOCKER_CONFIG: configDir } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Error: The target engine stranger (${stranger.dockerUrl}) was refused: Refused the Docker engine ${stranger.dockerUrl}: its SSH host key is unknown.`,
    );
    expect(r.stderr).toContain(fingerprintOfStranger);
    expect(r.stderr).toContain(`ssh-keyscan -p ${stranger.port} 127.0.0.1 >> ${path.join(sshHome, '.ssh', 'known_hosts')}`);
    await expect(second.docker.getVolume(as).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
