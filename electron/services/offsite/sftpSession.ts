import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client, ConnectConfig, SFTPWrapper } from 'ssh2';
import { AppError } from '../../../shared/contract/errors';
import type { SftpHostCheck, SftpTarget } from '../../../shared/contract/plans';
import { formatSftpTarget, sftpHostPort } from '../../../shared/sftpTarget';
import { appendKnownHost, checkHostKey, readKnownHosts } from './knownHosts';

/**
 * One SSH connection with its SFTP channel, after the host key was checked against known_hosts and
 * the user logged in with a key (a key file, or the SSH agent). Every failure becomes an AppError whose
 * code says what kind (see README.md); `retryable` on its details says whether another connection may
 * get further (a dropped or refused connection), as opposed to a refusal that will not change.
 */

export interface OffsiteConfig {
  /** known_hosts files read, in order; the first one is the user's (~/.ssh/known_hosts), read only. */
  knownHostsFiles: string[];
  /** The app's own known_hosts (in the data folder): where accepted keys are added. Also read. */
  appKnownHosts: string;
  /** The agent's socket (SSH_AUTH_SOCK), or undefined. */
  agentSocket: string | undefined;
  /** Handshake timeout, ms (default 15 s). */
  timeoutMs?: number;
}

/**
 * The default: ~/.ssh/known_hosts (AILAB_SSH_KNOWN_HOSTS replaces it; empty: none) plus
 * `<dataDir>/known_hosts`; the agent at SSH_AUTH_SOCK (on Windows, else OpenSSH's agent pipe).
 */
export function defaultOffsiteConfig(dataDir: string, env: NodeJS.ProcessEnv): OffsiteConfig {
  const user = env.AILAB_SSH_KNOWN_HOSTS ?? path.join(os.homedir(), '.ssh', 'known_hosts');
  const appKnownHosts = path.join(dataDir, 'known_hosts');
  // Windows' OpenSSH agent listens on a named pipe and sets no SSH_AUTH_SOCK.
  const agentSocket = env.SSH_AUTH_SOCK || (process.platform === 'win32' ? String.raw`\\.\pipe\openssh-ssh-agent` : undefined);
  return { knownHostsFiles: [...(user === '' ? [] : [user]), appKnownHosts], appKnownHosts, agentSocket };
}

export interface SftpSession {
  sftp: SFTPWrapper;
  hostKey: SftpHostCheck;
  /** Aborts when the connection is lost (ssh2 leaves calls made on a dead channel unanswered). */
  signal: AbortSignal;
  /** `p`, or a retryable REMOTE_UNREACHABLE as soon as the connection is lost. */
  guard<T>(p: Promise<T>): Promise<T>;
  /** Closes the connection (idempotent). */
  end(): void;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);

/** A connection-level failure (worth another connection) as an AppError, or null when `err` is not one. */
export function connectionError(err: unknown, target: SftpTarget): AppError | null {
  if (err instanceof AppError) return err.details?.retryable === true ? err : null;
  const e = err as (Error & { code?: unknown; level?: string }) | undefined;
  const where = sftpHostPort(target);
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new AppError('REMOTE_UNREACHABLE', `The SFTP host ${target.host} is not known to DNS (${code}).`, {
      hint: 'Check the host name in the plan (--sftp user@host:port/folder).',
      details: { retryable: true, host: where },
    });
  if (code === 'ECONNREFUSED')
    return new AppError('REMOTE_UNREACHABLE', `Nothing accepts SSH connections at ${where} (connection refused).`, {
      hint: 'Check the port and that the SSH server runs there.',
      details: { retryable: true, host: where },
    });
  if (
    NETWORK_CODES.has(code) ||
    e?.level === 'client-socket' ||
    e?.level === 'client-timeout' ||
    /timed out|not connected|no response|connection lost|closed/i.test(e?.message ?? '')
  ) {
    return new AppError('REMOTE_UNREACHABLE', `The connection to ${where} failed: ${e?.message ?? String(err)}.`, {
      hint: 'Check the network and that the server is up; the plan tries again at its next run.',
      details: { retryable: true, host: where },
    });
  }
  return null;
}

async function keyFromFile(keyFile: string): Promise<Buffer> {
  try {
    return await fs.readFile(keyFile);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new AppError('FILE_NOT_FOUND', `The SSH key file ${keyFile} does not exist.`, {
        hint: 'Give the private key with --sftp-key FILE, or leave it out to use the SSH agent.',
        details: { path: keyFile },
      });
    throw new AppError('PERMISSION_DENIED', `The SSH key file ${keyFile} cannot be read (${code ?? (err as Error).message}).`, {
      hint: 'Check its permissions.',
      details: { path: keyFile },
    });
  }
}

/**
 * Connects, checks the host key, logs in, opens SFTP. `acceptNewHostKey`: an unknown host key is added
 * to the app's known_hosts (the CLI's --accept-new-host-key); without it an unknown key is refused
 * (HOST_KEY_UNKNOWN). A changed key is always refused (HOST_KEY_CHANGED), naming the file and line.
 */
export async function openSftp(target: SftpTarget, config: OffsiteConfig, opts: { acceptNewHostKey?: boolean } = {}): Promise<SftpSession> {
  const sources = await readKnownHosts(config.knownHostsFiles);
  const privateKey = target.keyFile === null ? undefined : await keyFromFile(target.keyFile);
  if (!privateKey && !config.agentSocket)
    throw new AppError(
      'REMOTE_AUTH_FAILED',
      `No SSH key to log in to ${formatSftpTarget(target)} with: no key file in the plan and no SSH agent (SSH_AUTH_SOCK is not set).`,
      {
        hint: 'Give the private key with --sftp-key FILE, or start ssh-agent and ssh-add the key before the scheduler starts.',
      },
    );
  const client = await newClient();
  let verdict: SftpHostCheck | null = null;
  let refused: AppError | null = null;
  let accepted: Buffer | null = null;
  const connectConfig: ConnectConfig = {
    host: target.host,
    port: target.port,
    username: target.user,
    privateKey,
    agent: config.agentSocket,
    readyTimeout: config.timeoutMs ?? 15_000,
    keepaliveInterval: 10_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer): boolean => {
      verdict = checkHostKey(sources, target.host, target.port, key);
      if (verdict.status === 'known') return true;
      if (verdict.status === 'unknown' && opts.acceptNewHostKey) {
        accepted = key;
        return true;
      }
      refused = hostKeyError(verdict, config);
      return false;
    },
  };
  const ended = () => {
    try {
      client.end();
    } catch {
      // already closed
    }
  };
  const lost = new AbortController();
  let lostError: Error | null = null;
  let onFail: ((err: Error) => void) | null = null;
  // One listener for the connection's whole life: an 'error' without one would be thrown.
  client.on('error', (err: Error) => {
    lostError ??= err;
    onFail?.(err);
    lost.abort();
  });
  client.on('close', () => {
    onFail?.(new Error('connection closed during the handshake'));
    lost.abort();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      onFail = reject;
      client.once('ready', () => {
        onFail = null;
        resolve();
      });
      try {
        client.connect(connectConfig);
      } catch (err) {
        reject(err);
      }
    });
  } catch (err) {
    ended();
    if (refused) throw refused;
    const e = err as Error & { level?: string };
    if (e.level === 'client-authentication')
      throw new AppError(
        'REMOTE_AUTH_FAILED',
        `${formatSftpTarget(target)} refused the login: ${target.keyFile === null ? 'no key in the SSH agent' : `the key ${target.keyFile}`} is not accepted for user ${target.user}.`,
        {
          hint: `Add the public key to ~${target.user}/.ssh/authorized_keys on the server, or give another key with --sftp-key.`,
        },
      );
    if (/passphrase|encrypted/i.test(e.message))
      throw new AppError('REMOTE_AUTH_FAILED', `The SSH key ${target.keyFile ?? ''} is protected by a passphrase, which a scheduled run cannot type.`, {
        hint: 'Load it into ssh-agent (ssh-add) and leave out --sftp-key, or use a key without passphrase kept 0600.',
      });
    if (/Cannot parse privateKey|Unsupported key format/i.test(e.message))
      throw new AppError('INVALID_ARGUMENT', `The SSH key file ${target.keyFile ?? ''} is not a private key this app reads (${e.message}).`, {
        hint: 'Give an OpenSSH or PEM private key.',
      });
    throw (
      connectionError(err, target) ??
      new AppError('REMOTE_UNREACHABLE', `SSH to ${sftpHostPort(target)} failed: ${e.message}.`, { details: { retryable: true } })
    );
  }
  if (accepted) await appendKnownHost(config.appKnownHosts, target.host, target.port, accepted);
  const hostKey = verdict as SftpHostCheck | null;
  let sftp: SFTPWrapper;
  try {
    sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
  } catch (err) {
    ended();
    throw (
      connectionError(err, target) ??
      new AppError('INTERNAL', `${sftpHostPort(target)} has no SFTP service: ${(err as Error).message}.`, {
        hint: 'Enable the sftp subsystem in the server sshd_config.',
      })
    );
  }
  // A fatal SFTP protocol error is emitted on the channel: counted as a lost connection, never thrown.
  sftp.on('error', (err: Error) => {
    lostError ??= err;
    lost.abort();
  });
  const guard = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const dropped = () =>
        reject(
          connectionError(lostError ?? new Error('connection lost'), target) ??
            new AppError('REMOTE_UNREACHABLE', `The connection to ${sftpHostPort(target)} was lost: ${lostError?.message ?? 'closed'}.`, {
              details: { retryable: true },
            }),
        );
      if (lost.signal.aborted) return dropped();
      lost.signal.addEventListener('abort', dropped, { once: true });
      p.then(resolve, reject).finally(() => lost.signal.removeEventListener('abort', dropped));
    });
  return {
    sftp,
    signal: lost.signal,
    guard,
    hostKey: hostKey ?? { host: sftpHostPort(target), status: 'known', keyType: 'unknown', fingerprint: '', knownHostsFile: null, line: null, message: '' },
    end: ended,
  };
}

function hostKeyError(v: SftpHostCheck, config: OffsiteConfig): AppError {
  if (v.status === 'changed')
    return new AppError('HOST_KEY_CHANGED', v.message, {
      hint: `If the server was reinstalled and you trust the new key, delete line ${v.line ?? '?'} of ${v.knownHostsFile ?? 'known_hosts'} (or: ssh-keygen -R "${v.host.endsWith(':22') ? v.host.slice(0, -3) : v.host.replace(/^(.*):(\d+)$/, '[$1]:$2')}" -f ${v.knownHostsFile ?? '~/.ssh/known_hosts'}), then accept the new key.`,
      details: { ...v },
    });
  return new AppError('HOST_KEY_UNKNOWN', `${v.message} It is in none of ${config.knownHostsFiles.join(', ')}.`, {
    hint: `Check that fingerprint with the server's administrator (on the server: ssh-keygen -lf /etc/ssh/ssh_host_${v.keyType.replace(/^ssh-|-.*$/g, '')}_key.pub), then accept it: in the app, or with --accept-new-host-key.`,
    details: { ...v },
  });
}

/** ssh2 costs ~30 ms to load; every CLI command would pay it, though only plans with an SFTP copy use it. */
async function newClient(): Promise<Client> {
  const ssh2 = await import('ssh2');
  return new ssh2.Client();
}

/** The host key as known_hosts sees it, without logging in (the handshake stops at the key). */
export async function probeHostKey(target: SftpTarget, config: OffsiteConfig): Promise<{ check: SftpHostCheck; key: Buffer }> {
  const sources = await readKnownHosts(config.knownHostsFiles);
  const client = await newClient();
  let seen: Buffer | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      // `on`, not `once`: a second 'error' without a listener would be thrown and end the process.
      client.on('error', (err) => (seen ? resolve() : reject(err)));
      client.once('close', () => (seen ? resolve() : reject(new Error('connection closed before the server showed its key'))));
      client.connect({
        host: target.host,
        port: target.port,
        username: target.user,
        readyTimeout: config.timeoutMs ?? 15_000,
        hostVerifier: (key: Buffer) => {
          seen = key;
          return false; // stop here: no login needed to see the key
        },
      });
    });
  } catch (err) {
    throw connectionError(err, target) ?? new AppError('REMOTE_UNREACHABLE', `SSH to ${sftpHostPort(target)} failed: ${(err as Error).message}.`);
  } finally {
    try {
      client.end();
    } catch {
      // closed
    }
  }
  const key = seen as Buffer | null;
  if (!key) throw new AppError('REMOTE_UNREACHABLE', `${sftpHostPort(target)} did not show a host key.`);
  return { check: checkHostKey(sources, target.host, target.port, key), key };
}

/** Adds the key to the app's known_hosts when the server still shows `fingerprint` (what the user accepted). */
export async function trustHostKey(target: SftpTarget, fingerprint: string, config: OffsiteConfig): Promise<SftpHostCheck> {
  const { check, key } = await probeHostKey(target, config);
  if (check.status === 'known') return check;
  if (check.status === 'changed') throw hostKeyError(check, config);
  if (check.fingerprint !== fingerprint)
    throw new AppError('HOST_KEY_CHANGED', `${check.host} now shows ${check.fingerprint}, not the ${fingerprint} that was accepted: nothing was trusted.`, {
      hint: 'Check the host again; someone may be intercepting the connection.',
      details: { ...check },
    });
  await appendKnownHost(config.appKnownHosts, target.host, target.port, key);
  return (await probeHostKey(target, config)).check;
}
