import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import type { SftpHostCheck } from '../../../shared/contract/plans';
import { checkHostKey, knownHostName, readKnownHosts } from '../offsite/knownHosts';
import { userDataDir } from '../settings/paths';

/**
 * Host-key checking for ssh:// engines, as OpenSSH's StrictHostKeyChecking=yes does it: the key the
 * server offers must be in a known_hosts file; an unknown key is refused with its fingerprint and how to
 * trust it, a changed or @revoked one is refused with no way round it in the app. ssh2 (which
 * docker-modem uses) accepts any host key unless it is given a hostVerifier: measured with a real sshd
 * and no known_hosts at all, the engine connected. The files are parsed by offsite/knownHosts.ts, the
 * same reader the SFTP copies use.
 */

/**
 * The files read, in OpenSSH's order: the user's (~/.ssh/known_hosts, known_hosts2), the system's
 * (/etc/ssh/ssh_known_hosts, 2), then the app's own (where the SFTP host-key dialog adds keys). The
 * user's home is the one the env names, like the ssh keys'; AILAB_SSH_KNOWN_HOSTS replaces the user's
 * files (empty: none), as for the SFTP copies.
 */
export function engineKnownHostsFiles(env: NodeJS.ProcessEnv, home: string, platform: NodeJS.Platform = process.platform): string[] {
  const override = env.AILAB_SSH_KNOWN_HOSTS;
  const user = override !== undefined ? (override === '' ? [] : [override]) : [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2')];
  const system = platform === 'win32' ? [] : ['/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
  return [...user, ...system, path.join(userDataDir(env, platform), 'known_hosts')];
}

export interface SshEngineAddress {
  host: string;
  port: number;
  /** Empty when neither the address nor USER names one (ssh then uses the local user's name). */
  username: string;
}

function who(a: SshEngineAddress): string {
  return a.username ? `${a.username}@` : '';
}

/** ssh's own spelling of the host for -p and ssh-keygen -R, e.g. `[127.0.0.1]:2222` or `server`. */
function keygenName(a: SshEngineAddress): string {
  return knownHostName(a.host, a.port);
}

function sshLogin(a: SshEngineAddress): string {
  return `ssh ${a.port === 22 ? '' : `-p ${a.port} `}${who(a)}${a.host}`;
}

/**
 * The refusal for a host key that is not `known`, naming the host, key type and SHA256 fingerprint.
 * `files` are the known_hosts files looked in (the first is where the hint appends); `present` those
 * that exist, which the message names (all five would bury the fingerprint); details keep all.
 */
export function hostKeyRefusal(v: SftpHostCheck, a: SshEngineAddress, files: string[], present: string[] = files): AppError {
  const details = {
    host: v.host,
    keyType: v.keyType,
    fingerprint: v.fingerprint,
    status: v.status,
    knownHostsFile: v.knownHostsFile,
    line: v.line,
    knownHostsFiles: files,
  };
  const engine = `ssh://${who(a)}${v.host}`;
  if (v.status === 'changed') {
    const revoked = /@revoked/.test(v.message);
    return new AppError('HOST_KEY_CHANGED', `Docker engine ${engine}: ${v.message}`, {
      hint: revoked
        ? `That key was revoked on purpose in ${v.knownHostsFile ?? 'known_hosts'}: do not use this host until its administrator has given it a new key.`
        : `Do not connect until you know why. Ask the server's administrator whether it was reinstalled and which key it has now (on the server: ssh-keygen -lf /etc/ssh/ssh_host_${keyFileKind(v.keyType)}_key.pub). Only if it shows ${v.fingerprint}: remove the old entry with \`ssh-keygen -R "${keygenName(a)}" -f ${v.knownHostsFile ?? '~/.ssh/known_hosts'}\`, then add the new key as for a new host.`,
      details,
    });
  }
  const userFile = files[0] ?? '~/.ssh/known_hosts';
  const scan = `ssh-keyscan ${a.port === 22 ? '' : `-p ${a.port} `}${a.host}`;
  return new AppError(
    'HOST_KEY_UNKNOWN',
    `Refused the Docker engine ${engine}: its SSH host key is unknown. It offers ${v.keyType} ${v.fingerprint}, which is in none of ${present.length > 0 ? present.join(', ') : `the known_hosts files (there is no ${userFile})`}.`,
    {
      hint: `Check that fingerprint with the server's administrator (on the server: ssh-keygen -lf /etc/ssh/ssh_host_${keyFileKind(v.keyType)}_key.pub). If it matches, trust it: run \`${sshLogin(a)}\` once from a terminal and answer yes, or \`${scan} >> ${userFile}\` (\`${scan} | ssh-keygen -lf -\` shows the fingerprint first). Then try again.`,
      details,
    },
  );
}

/** ssh-keygen's file name part for a key type: ssh-ed25519 → ed25519, ecdsa-sha2-nistp256 → ecdsa. */
function keyFileKind(keyType: string): string {
  if (keyType.startsWith('ecdsa-')) return 'ecdsa';
  return keyType.replace(/^ssh-/, '');
}

/**
 * What createDockerClient hands to ssh2 for one engine: `verify` is ssh2's hostVerifier (callback form,
 * so known_hosts is read afresh on each connection: a key trusted from a terminal counts at the next
 * retry), and `refusal` the AppError of the last key it refused, which the client puts in place of
 * ssh2's bare "Host denied (verification failed)".
 */
export interface HostKeyGuard {
  verify(key: Buffer, done: (ok: boolean) => void): void;
  refusal(): AppError | null;
}

export function hostKeyGuard(a: SshEngineAddress, files: string[]): HostKeyGuard {
  let last: AppError | null = null;
  return {
    verify(key, done) {
      readKnownHosts(files).then(
        (sources) => {
          const verdict = checkHostKey(sources, a.host, a.port, key);
          if (verdict.status === 'known') {
            last = null;
            return done(true);
          }
          last = hostKeyRefusal(
            verdict,
            a,
            files,
            sources.map((src) => src.file),
          );
          done(false);
        },
        (err: unknown) => {
          // An unreadable known_hosts (permissions) must not turn into "accept": refuse and say why.
          last = new AppError('HOST_KEY_UNKNOWN', `Cannot check the SSH host key of ${keygenName(a)}: ${(err as Error).message}.`, {
            hint: `Make the known_hosts files readable: ${files.join(', ')}.`,
          });
          done(false);
        },
      );
    },
    refusal: () => last,
  };
}

/** ssh2's error when a hostVerifier said no (kex.js, "Host denied (verification failed)"). */
export function isHostDenied(err: unknown): boolean {
  return err instanceof Error && /^Host denied/.test(err.message);
}
