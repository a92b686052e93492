import { createHmac, generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/contract/errors';
import { createDockerClient } from '../../electron/services/docker/client';
import { engineKnownHostsFiles, hostKeyGuard, type SshEngineAddress } from '../../electron/services/docker/sshHostKey';
import { fingerprintOf } from '../../electron/services/offsite/knownHosts';

/** An ed25519 public key in ssh wire format (string "ssh-ed25519", string key), as a server offers it. */
function hostKeyBlob(): Buffer {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const raw = Buffer.from(jwk.x ?? '', 'base64url');
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]);
}

const hashed = (name: string, salt = Buffer.alloc(20, 9)) => `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
const line = (patterns: string, key: Buffer, marker = '') => `${marker ? `${marker} ` : ''}${patterns} ssh-ed25519 ${key.toString('base64')}`;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-hostkey-unit-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
function knownHosts(text: string): string {
  const file = path.join(tmp, `known_hosts.${++n}`);
  fs.writeFileSync(file, text);
  return file;
}

/** The guard's answer and refusal for `key` offered by `a`, with `files` as known_hosts. */
async function check(a: SshEngineAddress, files: string[], key: Buffer): Promise<{ ok: boolean; refusal: AppError | null }> {
  const guard = hostKeyGuard(a, files);
  const ok = await new Promise<boolean>((resolve) => guard.verify(key, resolve));
  return { ok, refusal: guard.refusal() };
}

const server: SshEngineAddress = { host: '127.0.0.1', port: 2222, username: 'ops' };

describe('engineKnownHostsFiles', () => {
  it("reads the user's files, the system's, then the app's own, like OpenSSH plus the SFTP dialog's store", () => {
    expect(engineKnownHostsFiles({ HOME: '/h', AILAB_DESKTOP_HOME: '/data' }, '/h', 'linux')).toEqual([
      '/h/.ssh/known_hosts',
      '/h/.ssh/known_hosts2',
      '/etc/ssh/ssh_known_hosts',
      '/etc/ssh/ssh_known_hosts2',
      '/data/known_hosts',
    ]);
  });

  it('AILAB_SSH_KNOWN_HOSTS replaces the user files (empty: none), as for the SFTP copies', () => {
    expect(engineKnownHostsFiles({ AILAB_SSH_KNOWN_HOSTS: '/k', AILAB_DESKTOP_HOME: '/data' }, '/h', 'linux')[0]).toBe('/k');
    expect(engineKnownHostsFiles({ AILAB_SSH_KNOWN_HOSTS: '', AILAB_DESKTOP_HOME: '/data' }, '/h', 'linux')).toEqual([
      '/etc/ssh/ssh_known_hosts',
      '/etc/ssh/ssh_known_hosts2',
      '/data/known_hosts',
    ]);
  });
});

describe('hostKeyGuard', () => {
  const key = hostKeyBlob();
  const other = hostKeyBlob();

  it('accepts a key listed for [host]:port, plainly or hashed (HashKnownHosts yes), in any of the files', async () => {
    expect((await check(server, [knownHosts(line('[127.0.0.1]:2222', key))], key)).ok).toBe(true);
    expect((await check(server, [knownHosts(`${line('nas', other)}\n${line(hashed('[127.0.0.1]:2222'), key)}\n`)], key)).ok).toBe(true);
    const missing = path.join(tmp, 'does-not-exist');
    expect((await check(server, [missing, knownHosts(line('[127.0.0.1]:2222', key))], key)).ok).toBe(true);
    // Port 22 is written without brackets.
    expect((await check({ ...server, port: 22 }, [knownHosts(line(hashed('127.0.0.1'), key))], key)).ok).toBe(true);
  });

  it('refuses an unknown key with host, type and fingerprint, and says how to trust it', async () => {
    const files = [knownHosts(line('[127.0.0.1]:2200', key)), path.join(tmp, 'app_known_hosts')];
    const { ok, refusal } = await check(server, files, key);
    expect(ok).toBe(false);
    expect(refusal?.code).toBe('HOST_KEY_UNKNOWN');
    expect(refusal?.message).toBe(
      // Only the files that exist are named; details list all.
      `Refused the Docker engine ssh://ops@127.0.0.1:2222: its SSH host key is unknown. It offers ssh-ed25519 ${fingerprintOf(key)}, which is in none of ${files[0]}.`,
    );
    expect(refusal?.details).toMatchObject({
      host: '127.0.0.1:2222',
      keyType: 'ssh-ed25519',
      fingerprint: fingerprintOf(key),
      status: 'unknown',
      knownHostsFiles: files,
    });
    expect(refusal?.hint).toContain('`ssh -p 2222 ops@127.0.0.1` once from a terminal');
    expect(refusal?.hint).toContain(`\`ssh-keyscan -p 2222 127.0.0.1 >> ${files[0]}\``);
    expect(refusal?.hint).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  });

  it('on port 22 the commands have no -p', async () => {
    const { refusal } = await check({ ...server, port: 22 }, [knownHosts('')], key);
    expect(refusal?.hint).toContain('`ssh ops@127.0.0.1` once');
    expect(refusal?.hint).toContain('`ssh-keyscan 127.0.0.1 >> ');
  });

  it('refuses a changed key, naming the file and line, and never offers to accept it', async () => {
    const file = knownHosts(`# servers\n${line('[127.0.0.1]:2222', other)}\n`);
    const { ok, refusal } = await check(server, [file], key);
    expect(ok).toBe(false);
    expect(refusal?.code).toBe('HOST_KEY_CHANGED');
    expect(refusal?.message).toContain(
      `THE HOST KEY OF 127.0.0.1:2222 HAS CHANGED: it now offers ssh-ed25519 ${fingerprintOf(key)}, but ${file} line 2 holds another key`,
    );
    expect(refusal?.hint).toMatch(/^Do not connect until you know why\./);
    expect(refusal?.hint).toContain(`ssh-keygen -R "[127.0.0.1]:2222" -f ${file}`);
    expect(refusal?.hint).not.toMatch(/answer yes|ssh-keyscan/);
    expect(refusal?.details).toMatchObject({ status: 'changed', knownHostsFile: file, line: 2 });
  });

  it('refuses a @revoked key even when another line lists it as known', async () => {
    const file = knownHosts(`${line('[127.0.0.1]:2222', key)}\n${line('*', key, '@revoked')}\n`);
    const { ok, refusal } = await check(server, [file], key);
    expect(ok).toBe(false);
    expect(refusal?.code).toBe('HOST_KEY_CHANGED');
    expect(refusal?.message).toContain('@revoked');
    expect(refusal?.hint).toContain('revoked on purpose');
  });

  it('refuses when a known_hosts file cannot be read, rather than accepting unseen', async () => {
    const dir = path.join(tmp, 'a-folder');
    fs.mkdirSync(dir);
    const { ok, refusal } = await check(server, [dir], key);
    expect(ok).toBe(false);
    expect(refusal?.code).toBe('HOST_KEY_UNKNOWN');
    expect(refusal?.message).toMatch(/^Cannot check the SSH host key of \[127\.0\.0\.1\]:2222: /);
  });

  it('reads the files afresh on each connection: a key trusted from a terminal counts at the next retry', async () => {
    const file = knownHosts('');
    const guard = hostKeyGuard(server, [file]);
    expect(await new Promise<boolean>((r) => guard.verify(key, r))).toBe(false);
    expect(guard.refusal()?.code).toBe('HOST_KEY_UNKNOWN');
    fs.appendFileSync(file, `${line('[127.0.0.1]:2222', key)}\n`);
    expect(await new Promise<boolean>((r) => guard.verify(key, r))).toBe(true);
    expect(guard.refusal()).toBeNull();
  });
});

describe('createDockerClient for ssh://', () => {
  it('gives ssh2 a host verifier (ssh2 accepts any host key without one)', () => {
    const docker = createDockerClient({ kind: 'ssh', host: '127.0.0.1', port: 2222, username: 'ops' }, { env: {}, homedir: tmp, knownHostsFiles: [] });
    const modem = docker.modem as { sshOptions?: { hostVerifier?: unknown } };
    expect(typeof modem.sshOptions?.hostVerifier).toBe('function');
  });
});
