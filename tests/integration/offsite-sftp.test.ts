import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppError } from '../../shared/contract/errors';
import { pruneRemote } from '../../electron/services/offsite/remoteRetention';
import { openSftp, probeHostKey, trustHostKey, type OffsiteConfig } from '../../electron/services/offsite/sftpSession';
import { uploadBackup } from '../../electron/services/offsite/sftpUpload';
import { manifestOf } from '../support/manifest';
import { cuttingProxy, sshdAvailable, startSshd, type TestSshd } from '../support/sshd';

/**
 * The offsite module against a real OpenSSH server (started here, on a loopback port, with throwaway
 * keys): uploads, remote retention, host keys, a refused login, a closed port, a cut connection.
 */
if (!sshdAvailable()) {
  // Loud, not silent: CI installs openssh-server (.ci/run); a developer without it sees why.
  console.warn('\n*** offsite-sftp: /usr/sbin/sshd is missing: these SFTP tests are SKIPPED. apt-get install openssh-server ***\n');
}

let sshd: TestSshd;
let work: string;

function config(over: Partial<OffsiteConfig> = {}): OffsiteConfig {
  return {
    knownHostsFiles: [sshd.knownHosts, path.join(work, 'app_known_hosts')],
    appKnownHosts: path.join(work, 'app_known_hosts'),
    agentSocket: undefined,
    timeoutMs: 5000,
    ...over,
  };
}

/** A backup and its sidecar as a plan run leaves them: `bytes` of random data named like ours. */
function fakeBackup(volume: string, at: string, bytes: number): string {
  const name = `${volume}-${at.replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}.tgz`;
  const file = path.join(work, name);
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 65536) data.writeUInt32BE((i * 2654435761) >>> 0, i);
  fs.writeFileSync(file, data, { mode: 0o600 });
  const manifest = manifestOf(volume, `${at}Z`, bytes, { sha256: createHash('sha256').update(data).digest('hex') });
  fs.writeFileSync(`${file}.json`, JSON.stringify(manifest), { mode: 0o600 });
  return file;
}

const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const remoteNames = () => fs.readdirSync(sshd.remoteDir).sort();

beforeAll(async () => {
  if (!sshdAvailable()) return;
  sshd = await startSshd();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-offsite-'));
});

afterAll(async () => {
  await sshd?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!sshdAvailable())('SFTP copies against a real sshd', () => {
  it('uploads a backup and its sidecar under their final names, 0600, and removes leftover partials of the volume', async () => {
    const leftover = path.join(sshd.remoteDir, 'vol-a-20261201-000000.tgz.partial-0123456789ab');
    const foreign = path.join(sshd.remoteDir, 'notes.txt.partial-0123456789ab');
    fs.writeFileSync(leftover, 'half');
    fs.writeFileSync(foreign, 'not ours');
    const file = fakeBackup('vol-a', '2026-12-01T02:00:00', 3 * 1024 * 1024 + 17);
    const up = await uploadBackup(sshd.target(), config(), file, 'vol-a');
    expect(up).toMatchObject({ attempts: 1, resumedFrom: 0, bytes: 3 * 1024 * 1024 + 17, removedPartials: [leftover] });
    const remote = path.join(sshd.remoteDir, path.basename(file));
    expect(up.remoteFile).toBe(remote);
    expect(sha(remote)).toBe(sha(file));
    expect(fs.readFileSync(`${remote}.json`, 'utf8')).toBe(fs.readFileSync(`${file}.json`, 'utf8'));
    expect(fs.statSync(remote).mode & 0o777).toBe(0o600);
    expect(remoteNames()).toEqual(['notes.txt.partial-0123456789ab', 'vol-a-20261201-020000.tgz', 'vol-a-20261201-020000.tgz.json']);
    fs.rmSync(foreign);
  });

  it('applies retention on the server to our backups of the volume only, keeping the newest', async () => {
    // Earlier uploads, put in place directly (the server is this machine), and one through SFTP.
    for (const f of [
      fakeBackup('vol-a', '2026-12-02T02:00:00', 1000),
      fakeBackup('vol-a', '2026-12-03T02:00:00', 1000),
      fakeBackup('vol-b', '2026-12-01T03:00:00', 1000),
    ]) {
      fs.copyFileSync(f, path.join(sshd.remoteDir, path.basename(f)));
      fs.copyFileSync(`${f}.json`, path.join(sshd.remoteDir, `${path.basename(f)}.json`));
    }
    await uploadBackup(sshd.target(), config(), fakeBackup('vol-a', '2026-12-04T02:00:00', 1000), 'vol-a');
    fs.writeFileSync(path.join(sshd.remoteDir, 'vol-a-20200101-000000.tgz'), "another tool's archive, named like ours");
    // A sidecar that no longer describes its file: not ours any more.
    fs.appendFileSync(path.join(sshd.remoteDir, 'vol-a-20261202-020000.tgz'), 'changed');
    const session = await openSftp(sshd.target(), config());
    try {
      const r = await pruneRemote(session.sftp, sshd.remoteDir, 'vol-a', { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }, { utc: true });
      expect(r.failures).toEqual([]);
      expect(r.deleted.map((f) => path.basename(f)).sort()).toEqual(['vol-a-20261201-020000.tgz', 'vol-a-20261203-020000.tgz']);
      expect(r.decisions.find((d) => d.file === 'vol-a-20261204-020000.tgz')?.reasons).toContain('newest verified backup');
      expect(r.decisions.find((d) => d.file === 'vol-a-20261202-020000.tgz')?.reasons[0]).toMatch(/^not ours: 1007 bytes/);
    } finally {
      session.end();
    }
    expect(remoteNames()).toEqual([
      'vol-a-20200101-000000.tgz',
      'vol-a-20261202-020000.tgz',
      'vol-a-20261202-020000.tgz.json',
      'vol-a-20261204-020000.tgz',
      'vol-a-20261204-020000.tgz.json',
      'vol-b-20261201-030000.tgz',
      'vol-b-20261201-030000.tgz.json',
    ]);
  });

  it('refuses an unknown host key with its fingerprint, and trusts it only when the fingerprint still matches', async () => {
    const cfg = config({
      knownHostsFiles: [path.join(work, 'empty_known_hosts'), path.join(work, 'trust_known_hosts')],
      appKnownHosts: path.join(work, 'trust_known_hosts'),
    });
    const { check } = await probeHostKey(sshd.target(), cfg);
    const expected = fs.readFileSync(sshd.hostKeyPub, 'utf8').split(/\s+/)[1] ?? '';
    expect(check).toMatchObject({
      status: 'unknown',
      keyType: 'ssh-ed25519',
      fingerprint: `SHA256:${createHash('sha256').update(Buffer.from(expected, 'base64')).digest('base64').replace(/=+$/, '')}`,
    });
    await expect(uploadBackup(sshd.target(), cfg, fakeBackup('vol-c', '2026-12-01T02:00:00', 100), 'vol-c')).rejects.toMatchObject({
      code: 'HOST_KEY_UNKNOWN',
    });
    await expect(trustHostKey(sshd.target(), 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', cfg)).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED' });
    const trusted = await trustHostKey(sshd.target(), check.fingerprint, cfg);
    expect(trusted).toMatchObject({ status: 'known', knownHostsFile: path.join(work, 'trust_known_hosts'), line: 1 });
    expect(fs.statSync(path.join(work, 'trust_known_hosts')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(work, 'trust_known_hosts'), 'utf8')).toBe(`[127.0.0.1]:${sshd.port} ssh-ed25519 ${expected}\n`);
  });

  it('refuses a changed host key loudly, naming the known_hosts file and line', async () => {
    const stale = path.join(work, 'stale_known_hosts');
    // A hashed entry, as Debian's HashKnownHosts writes them, holding another key for this host:port.
    fs.writeFileSync(stale, `# comment\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherOtherOtherOtherOtherOtherOtherOther\n`);
    const wrong = fs.readFileSync(sshd.userKey + '.pub', 'utf8').split(/\s+/)[1] ?? '';
    const { createHmac, randomBytes } = await import('node:crypto');
    const salt = randomBytes(20);
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(`[127.0.0.1]:${sshd.port}`).digest('base64')}`;
    fs.appendFileSync(stale, `${hashed} ssh-ed25519 ${wrong}\n`);
    const cfg = config({ knownHostsFiles: [stale] });
    const err = (await uploadBackup(sshd.target(), cfg, fakeBackup('vol-c', '2026-12-01T02:00:00', 100), 'vol-c').catch((e: unknown) => e)) as AppError;
    expect(err.code).toBe('HOST_KEY_CHANGED');
    expect(err.message).toMatch(/HAS CHANGED/);
    expect(err.message).toContain(`${stale} line 3`);
    expect(err.hint).toContain(`delete line 3 of ${stale}`);
  });

  it('says so when the server refuses the key', async () => {
    const err = (await uploadBackup(sshd.target({ keyFile: sshd.wrongKey }), config(), fakeBackup('vol-c', '2026-12-01T02:00:00', 100), 'vol-c').catch(
      (e: unknown) => e,
    )) as AppError;
    expect(err.code).toBe('REMOTE_AUTH_FAILED');
    expect(err.message).toContain(`the key ${sshd.wrongKey} is not accepted for user ${sshd.user}`);
    expect(err.hint).toMatch(/authorized_keys/);
  });

  it('says so when nothing listens on the port, after its retries', async () => {
    const retries: number[] = [];
    const target = sshd.target({ port: 1 });
    const err = (await uploadBackup(target, config(), fakeBackup('vol-c', '2026-12-01T02:00:00', 100), 'vol-c', {
      attempts: 2,
      backoffMs: [10],
      onRetry: (n) => retries.push(n),
    }).catch((e: unknown) => e)) as AppError;
    expect(err.code).toBe('REMOTE_UNREACHABLE');
    expect(err.message).toMatch(/Nothing accepts SSH connections at 127\.0\.0\.1:1 \(connection refused\) after 2 attempts/);
    expect(retries).toEqual([1]);
  });

  it('says so when the remote folder is missing', async () => {
    const err = (await uploadBackup(sshd.target({ path: `${sshd.remoteDir}/nope` }), config(), fakeBackup('vol-c', '2026-12-01T02:00:00', 100), 'vol-c').catch(
      (e: unknown) => e,
    )) as AppError;
    expect(err.code).toBe('FILE_NOT_FOUND');
    expect(err.message).toContain(`The folder ${sshd.remoteDir}/nope does not exist`);
  });

  it('resumes after the connection is cut mid-upload, and never shows a partial file under the final name', async () => {
    const file = fakeBackup('vol-d', '2026-12-01T02:00:00', 12 * 1024 * 1024);
    const proxy = await cuttingProxy(sshd.port, { afterBytes: 8 * 1024 * 1024, cuts: 1 });
    const seen: string[] = [];
    try {
      const up = await uploadBackup(sshd.target({ port: proxy.port }), config(), file, 'vol-d', {
        backoffMs: [10],
        onRetry: (n, e) => {
          seen.push(`${n} ${e.code}`);
          // Between the attempts: a partial, never the final name.
          const names = remoteNames().filter((f) => f.startsWith('vol-d-'));
          seen.push(...names.map((f) => f.replace(/[0-9a-f]{12}$/, 'X')));
        },
        acceptNewHostKey: true,
      });
      expect(proxy.cutsDone).toBe(1);
      expect(up.attempts).toBe(2);
      // Resumed, not restarted: from a chunk boundary a few chunks before what the server had.
      expect(up.resumedFrom).toBeGreaterThanOrEqual(2 * 1024 * 1024);
      expect(up.resumedFrom % (1024 * 1024)).toBe(0);
      expect(sha(path.join(sshd.remoteDir, path.basename(file)))).toBe(sha(file));
    } finally {
      await proxy.close();
    }
    expect(seen).toEqual(['1 REMOTE_UNREACHABLE', 'vol-d-20261201-020000.tgz.partial-X']);
    expect(remoteNames().filter((f) => f.startsWith('vol-d-'))).toEqual(['vol-d-20261201-020000.tgz', 'vol-d-20261201-020000.tgz.json']);
  });

  it('fails cleanly when every attempt is cut: no file under the final name, the partial removed', async () => {
    const file = fakeBackup('vol-e', '2026-12-01T02:00:00', 4 * 1024 * 1024);
    // Cuts the three upload attempts; the fourth connection (the clean-up) gets through.
    const proxy = await cuttingProxy(sshd.port, { afterBytes: 1024 * 1024, cuts: 3 });
    try {
      const err = (await uploadBackup(sshd.target({ port: proxy.port }), config(), file, 'vol-e', {
        attempts: 3,
        backoffMs: [10],
        acceptNewHostKey: true,
      }).catch((e: unknown) => e)) as AppError;
      expect(err.code).toBe('REMOTE_UNREACHABLE');
      expect(err.message).toMatch(/after 3 attempts\. Nothing is under the final name on the server\.$/);
      expect(proxy.cutsDone).toBe(3);
    } finally {
      await proxy.close();
    }
    expect(remoteNames().filter((f) => f.startsWith('vol-e-'))).toEqual([]);
  });
});
