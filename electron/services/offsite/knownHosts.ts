import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SftpHostCheck } from '../../../shared/contract/plans';
import { sftpHostPort } from '../../../shared/sftpTarget';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../core/privateFiles';

/**
 * known_hosts as OpenSSH reads it (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): `[marker] patterns keytype
 * base64 [comment]`. Patterns are comma-separated, with `*` and `?` wildcards and `!` negation, or one
 * hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`; a port other than 22 is written
 * `[host]:port`. `@revoked` lines refuse a key; `@cert-authority` lines are skipped (no certificates).
 * Pure apart from reading and appending the files.
 */

export interface KnownHostsLine {
  file: string;
  /** 1-based, as an editor counts. */
  line: number;
  marker: '@revoked' | '@cert-authority' | null;
  patterns: string;
  keyType: string;
  /** The key blob, base64 as written. */
  key: string;
}

/** The name a host is looked up (and written) under: `host` on port 22, else `[host]:port`. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostsLine[] {
  const out: KnownHostsLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/\s+/);
    let marker: KnownHostsLine['marker'] = null;
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') marker = fields.shift() as '@revoked' | '@cert-authority';
    else if (fields[0]?.startsWith('@')) return; // an unknown marker: OpenSSH ignores the line too
    const [patterns, keyType, key] = fields;
    if (!patterns || !keyType || !key) return;
    out.push({ file, line: i + 1, marker, patterns, keyType, key });
  });
  return out;
}

function wildcardMatch(pattern: string, name: string): boolean {
  // OpenSSH's match_pattern: * any run, ? one character; compared case-insensitively for host names.
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  );
  return re.test(name);
}

function hashedMatch(entry: string, name: string): boolean {
  const parts = entry.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const hash = createHmac('sha1', salt).update(name).digest('base64');
  return hash === parts[3];
}

/** Does a known_hosts patterns field name `name` (already in `[host]:port` form when the port is not 22)? */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatch(patterns, name);
  let matched = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (wildcardMatch(p.slice(1), name)) return false; // a negated match wins over everything
    } else if (wildcardMatch(p, name)) matched = true;
  }
  return matched;
}

/** SHA256:… as `ssh-keygen -l` prints it (base64 without padding). */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a wire-format public key blob starts with (`ssh-ed25519`, `ecdsa-sha2-nistp256`, …). */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return len > 0 && len < 64 && keyBlob.length >= 4 + len ? keyBlob.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

export interface KnownHostsSource {
  file: string;
  text: string;
}

/**
 * The verdict for `keyBlob` offered by host:port. Known when a line for the host carries this key;
 * changed when lines for the host exist but none carries it (or a `@revoked` line names it): the line
 * to fix is the first conflicting one, of the same key type when there is one; unknown when no line
 * names the host.
 */
export function checkHostKey(sources: KnownHostsSource[], host: string, port: number, keyBlob: Buffer): SftpHostCheck {
  const name = knownHostName(host, port);
  const keyType = keyTypeOf(keyBlob);
  const fingerprint = fingerprintOf(keyBlob);
  const key = keyBlob.toString('base64');
  const shown = sftpHostPort({ host, port });
  const lines = sources.flatMap((s) => parseKnownHosts(s.text, s.file)).filter((l) => l.marker !== '@cert-authority' && patternsMatch(l.patterns, name));
  const revoked = lines.find((l) => l.marker === '@revoked' && l.key === key);
  if (revoked) {
    return {
      host: shown,
      status: 'changed',
      keyType,
      fingerprint,
      knownHostsFile: revoked.file,
      line: revoked.line,
      message: `The host key of ${shown} (${keyType} ${fingerprint}) is marked @revoked in ${revoked.file} line ${revoked.line}: refused.`,
    };
  }
  const hostLines = lines.filter((l) => l.marker === null);
  const same = hostLines.find((l) => l.key === key);
  if (same) {
    return {
      host: shown,
      status: 'known',
      keyType,
      fingerprint,
      knownHostsFile: same.file,
      line: same.line,
      message: `${shown} is known (${keyType} ${fingerprint}, ${same.file} line ${same.line}).`,
    };
  }
  if (hostLines.length > 0) {
    const conflict = hostLines.find((l) => l.keyType === keyType) ?? hostLines[0];
    const where = conflict ? `${conflict.file} line ${conflict.line}` : 'known_hosts';
    return {
      host: shown,
      status: 'changed',
      keyType,
      fingerprint,
      knownHostsFile: conflict?.file ?? null,
      line: conflict?.line ?? null,
      message: `THE HOST KEY OF ${shown} HAS CHANGED: it now offers ${keyType} ${fingerprint}, but ${where} holds another key for it. Someone may be intercepting the connection, or the server was reinstalled. Refused.`,
    };
  }
  return {
    host: shown,
    status: 'unknown',
    keyType,
    fingerprint,
    knownHostsFile: null,
    line: null,
    message: `${shown} is not in known_hosts; it offers ${keyType} ${fingerprint}.`,
  };
}

/** Reads each file that exists (a missing file is simply empty). */
export async function readKnownHosts(files: string[]): Promise<KnownHostsSource[]> {
  const out: KnownHostsSource[] = [];
  for (const file of files) {
    try {
      out.push({ file, text: await fs.readFile(file, 'utf8') });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out;
}

/** The line trustSftpHost appends (not hashed: the app's own file, readable by its user alone). */
export function knownHostsLine(host: string, port: number, keyBlob: Buffer): string {
  return `${knownHostName(host, port)} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

/** Appends a line to the app's own known_hosts (created 0600, its folder 0700). */
export async function appendKnownHost(file: string, host: string, port: number, keyBlob: Buffer): Promise<void> {
  await ensurePrivateDir(path.dirname(file));
  const handle = await fs.open(file, 'a+', PRIVATE_FILE_MODE);
  try {
    const { size } = await handle.stat();
    const lead = size > 0 && !(await endsWithNewline(handle, size)) ? '\n' : '';
    await handle.appendFile(`${lead}${knownHostsLine(host, port, keyBlob)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function endsWithNewline(handle: fs.FileHandle, size: number): Promise<boolean> {
  const b = Buffer.alloc(1);
  await handle.read(b, 0, 1, size - 1);
  return b[0] === 0x0a;
}
