import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatSftpTarget, parseSftpTarget, sftpUrl } from '../../shared/sftpTarget';
import { checkHostKey, fingerprintOf, knownHostName, keyTypeOf, patternsMatch } from '../../electron/services/offsite/knownHosts';
import { remoteCandidates, type RemoteBackup } from '../../electron/services/offsite/remoteRetention';
import { isOurPartial, safeResumePoint } from '../../electron/services/offsite/sftpUpload';
import { applyRetention } from '../../electron/services/backups/retention';
import { manifestOf } from '../support/manifest';

describe('--sftp targets', () => {
  it('parses user@host:port/folder, the default port, sftp:// and IPv6', () => {
    expect(parseSftpTarget('backup@nas.local:2222/srv/ailab/')).toEqual({ user: 'backup', host: 'nas.local', port: 2222, path: '/srv/ailab', keyFile: null });
    expect(parseSftpTarget('backup@nas.local/srv')).toMatchObject({ port: 22, path: '/srv' });
    expect(parseSftpTarget('backup@nas.local:/srv')).toMatchObject({ port: 22, path: '/srv' });
    expect(parseSftpTarget('sftp://me@10.0.0.2:22/', '/k/id')).toEqual({ user: 'me', host: '10.0.0.2', port: 22, path: '/', keyFile: '/k/id' });
    expect(parseSftpTarget('me@[::1]:2200/b')).toMatchObject({ host: '::1', port: 2200, path: '/b' });
  });

  it('refuses what is not one, saying what is wrong', () => {
    expect(() => parseSftpTarget('nas.local:22/srv')).toThrow(/name the user/);
    expect(() => parseSftpTarget('me@nas.local:22')).toThrow(/absolute path/);
    expect(() => parseSftpTarget('me@nas.local:70000/x')).toThrow(/port must be 1-65535/);
    expect(() => parseSftpTarget('me@nas.local:22backups')).toThrow(/absolute path/);
    expect(() => parseSftpTarget('me;rm@nas:22/x')).toThrow(/user name/);
    expect(() => parseSftpTarget('me@na s:22/x')).toThrow(/host name/);
  });

  it('formats back to the same form', () => {
    const t = parseSftpTarget('me@[::1]:2200/b');
    expect(formatSftpTarget(t)).toBe('me@[::1]:2200/b');
    expect(sftpUrl(parseSftpTarget('me@h/srv'), 'x.tgz')).toBe('sftp://me@h:22/srv/x.tgz');
    expect(sftpUrl(parseSftpTarget('me@h/'), 'x.tgz')).toBe('sftp://me@h:22/x.tgz');
  });
});

// A wire-format ssh-ed25519 key blob: string "ssh-ed25519", string <32 bytes>.
function blob(seed: number): Buffer {
  const type = Buffer.from('ssh-ed25519');
  const key = Buffer.alloc(32, seed);
  const b = Buffer.alloc(4 + type.length + 4 + 32);
  b.writeUInt32BE(type.length, 0);
  type.copy(b, 4);
  b.writeUInt32BE(32, 4 + type.length);
  key.copy(b, 8 + type.length);
  return b;
}
const hashed = (name: string, salt = Buffer.alloc(20, 7)) => `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;

describe('known_hosts', () => {
  const key = blob(1);
  const other = blob(2);
  const line = (host: string, k = key) => `${host} ssh-ed25519 ${k.toString('base64')}`;

  it('names hosts as OpenSSH does: bare on port 22, [host]:port otherwise', () => {
    expect(knownHostName('nas', 22)).toBe('nas');
    expect(knownHostName('nas', 2222)).toBe('[nas]:2222');
    expect(keyTypeOf(key)).toBe('ssh-ed25519');
    expect(fingerprintOf(key)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('matches patterns: lists, wildcards, negation, hashed names', () => {
    expect(patternsMatch('a,nas,b', 'nas')).toBe(true);
    expect(patternsMatch('NAS', 'nas')).toBe(true);
    expect(patternsMatch('*.lan,!evil.lan', 'nas.lan')).toBe(true);
    expect(patternsMatch('*.lan,!evil.lan', 'evil.lan')).toBe(false);
    expect(patternsMatch('n?s', 'nas')).toBe(true);
    expect(patternsMatch('nas', '[nas]:2222')).toBe(false);
    expect(patternsMatch('[nas]:2222', '[nas]:2222')).toBe(true);
    expect(patternsMatch(hashed('[nas]:2222'), '[nas]:2222')).toBe(true);
    expect(patternsMatch(hashed('[nas]:2222'), 'nas')).toBe(false);
  });

  it('says known, unknown or changed, naming the file and line', () => {
    const user = { file: '/home/u/.ssh/known_hosts', text: `# mine\n${line('nas')}\n${line(hashed('[box]:2222'), other)}\n` };
    const app = { file: '/data/known_hosts', text: `${line('[box]:2200')}\n` };
    expect(checkHostKey([user, app], 'nas', 22, key)).toMatchObject({ status: 'known', knownHostsFile: user.file, line: 2 });
    expect(checkHostKey([user, app], 'box', 2200, key)).toMatchObject({ status: 'known', knownHostsFile: app.file, line: 1, host: 'box:2200' });
    expect(checkHostKey([user, app], 'nas', 2222, key)).toMatchObject({ status: 'unknown', knownHostsFile: null, fingerprint: fingerprintOf(key) });
    const changed = checkHostKey([user, app], 'box', 2222, key);
    expect(changed).toMatchObject({ status: 'changed', knownHostsFile: user.file, line: 3 });
    expect(changed.message).toMatch(/HAS CHANGED.*\/home\/u\/\.ssh\/known_hosts line 3/);
  });

  it('refuses a @revoked key and skips @cert-authority lines', () => {
    const text = `@cert-authority *.lan ssh-ed25519 ${other.toString('base64')}\n@revoked * ssh-ed25519 ${key.toString('base64')}\n${line('nas.lan')}\n`;
    expect(checkHostKey([{ file: 'k', text }], 'nas.lan', 22, key)).toMatchObject({ status: 'changed', line: 2 });
    expect(checkHostKey([{ file: 'k', text: `@cert-authority *.lan ssh-ed25519 ${other.toString('base64')}\n` }], 'x.lan', 22, key).status).toBe('unknown');
  });
});

describe('retention on the SFTP server', () => {
  const ours = (name: string, at: string, size = 10): RemoteBackup => ({ name, size, isFile: true, manifest: manifestOf('v', at, size) });

  it('weighs only our backups of the volume; a foreign, changed or linked file is kept with its reason', () => {
    const files: RemoteBackup[] = [
      ours('v-20261203-020000.tgz', '2026-12-03T02:00:00Z'),
      ours('v-20261202-020000.tgz', '2026-12-02T02:00:00Z'),
      ours('v-20261201-020000.tgz', '2026-12-01T02:00:00Z'),
      { ...ours('v-20261130-020000.tgz', '2026-11-30T02:00:00Z'), size: 11 },
      { ...ours('v-20261129-020000.tgz', '2026-11-29T02:00:00Z'), isFile: false },
      { name: 'v-old.tgz', size: 5, isFile: true, manifest: null },
      { name: 'w-20261201-020000.tgz', size: 10, isFile: true, manifest: manifestOf('w', '2026-12-01T02:00:00Z', 10) },
      ours('v-20261203-020000.tgz.partial-0123456789ab', '2026-12-03T02:00:00Z'),
    ];
    const decisions = applyRetention(remoteCandidates(files, 'v'), { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 }, { utc: true });
    expect(decisions.map((d) => [d.file, d.action, d.reasons[0]])).toEqual([
      ['v-20261203-020000.tgz', 'keep', 'newest verified backup'],
      ['v-20261202-020000.tgz', 'delete', 'no rule keeps it'],
      ['v-20261201-020000.tgz', 'delete', 'no rule keeps it'],
      ['v-20261130-020000.tgz', 'keep', 'not ours: 11 bytes, its sidecar describes 10'],
      ['v-20261129-020000.tgz', 'keep', 'not ours: not a regular file'],
      ['v-old.tgz', 'keep', 'not ours: no sidecar'],
    ]);
  });

  it('knows its own partials by name, per volume', () => {
    const partials = ['v-20261203-020000.tgz', 'v-20261203-020000.tgz.json', 'v-20261203-020000-2.tgz', 'v.x-20261203-020000.tgz', 'notes.txt'].map(
      (n) => `${n}.partial-0123456789ab`,
    );
    expect(partials.filter((n) => isOurPartial(n, 'v'))).toEqual(partials.slice(0, 3));
    expect(partials.filter((n) => isOurPartial(n, 'w'))).toEqual([]);
  });

  it('resumes a cut upload only from bytes that are certainly on the server', () => {
    const MiB = 1024 * 1024;
    expect(safeResumePoint(0)).toBe(0);
    expect(safeResumePoint(3 * MiB + 5)).toBe(0);
    expect(safeResumePoint(10 * MiB + 5)).toBe(6 * MiB);
    expect(safeResumePoint(10 * MiB)).toBe(6 * MiB);
  });
});
