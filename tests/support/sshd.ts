import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SftpTarget } from '../../shared/contract/plans';
import { freePort } from './ports';

/**
 * A real OpenSSH server for the SFTP tests and for ssh:// Docker engines: `/usr/sbin/sshd -D -e -f
 * <config>` on a free loopback port, running as the current user, with a throwaway ed25519 host key,
 * its own AuthorizedKeysFile holding a throwaway user key, `Subsystem sftp internal-sftp`, StrictModes
 * no, and its PidFile in its folder. With `dockerHost`, every session gets `DOCKER_HOST` through sshd's
 * own `SetEnv`, so the `docker system dial-stdio` an ssh:// client runs reaches that engine, as on a
 * server whose docker CLI talks to its local dockerd. Nothing of the system's sshd is used or started.
 */

export const SSHD = '/usr/sbin/sshd';

export function sshdAvailable(): boolean {
  return fs.existsSync(SSHD);
}

export interface TestSshd {
  dir: string;
  port: number;
  user: string;
  /** The remote folder the tests upload to (a local folder, since the server is this machine). */
  remoteDir: string;
  /** A private key the server accepts, and one it does not. */
  userKey: string;
  wrongKey: string;
  hostKeyPub: string;
  /** A known_hosts file holding the server's key as `[127.0.0.1]:port`. */
  knownHosts: string;
  /** `ssh://user@127.0.0.1:port`: a DOCKER_HOST or a docker context's Host reaching this server. */
  dockerUrl: string;
  target(over?: Partial<SftpTarget>): SftpTarget;
  /** Starts sshd again (after stop) with a fresh host key when `newHostKey`. */
  restart(opts?: { newHostKey?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

function keygen(file: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file], { stdio: 'ignore' });
}

function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  return new Promise((resolve, reject) => {
    const tryOnce = () => {
      if (child.exitCode !== null) return reject(new Error(`sshd exited (${child.exitCode}): ${log()}`));
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`sshd did not listen on ${port}: ${log()}`));
        else setTimeout(tryOnce, 50);
      });
    };
    tryOnce();
  });
}

export interface SshdOptions {
  /** Set as DOCKER_HOST in every session (`unix:///…/docker.sock`): the engine `docker system dial-stdio` reaches. */
  dockerHost?: string;
}

export async function startSshd(prefix = 'ailab-sshd-', opts: SshdOptions = {}): Promise<TestSshd> {
  if (opts.dockerHost !== undefined && !/^unix:\/\/\/[\w./-]+$/.test(opts.dockerHost))
    throw new Error(`startSshd: dockerHost ${JSON.stringify(opts.dockerHost)} must be unix:///path (it goes into sshd_config)`);
  if (!sshdAvailable()) throw new Error(`${SSHD} is missing: install openssh-server (apt-get install openssh-server); .ci/run does.`);
  // sshd insists on its privilege separation folder even when it never drops privileges.
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const remoteDir = path.join(dir, 'remote');
  fs.mkdirSync(remoteDir);
  const hostKey = path.join(dir, 'host_ed25519');
  const userKey = path.join(dir, 'user_ed25519');
  const wrongKey = path.join(dir, 'wrong_ed25519');
  keygen(hostKey, 'test host');
  keygen(userKey, 'test user');
  keygen(wrongKey, 'not authorized');
  fs.copyFileSync(`${userKey}.pub`, path.join(dir, 'authorized_keys'));
  const port = await freePort();
  const user = os.userInfo().username;
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      ...(opts.dockerHost ? [`SetEnv DOCKER_HOST=${opts.dockerHost}`] : []),
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const knownHosts = path.join(dir, 'known_hosts');
  let child: ChildProcess | null = null;
  let log = '';
  const writeKnownHosts = () => {
    const [type, key] = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/);
    fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${type} ${key}\n`);
  };
  writeKnownHosts();
  const start = async () => {
    log = '';
    const c = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    // sshd -D outlives a test worker that dies (a timeout): take it along.
    const killOnExit = () => c.kill('SIGTERM');
    process.once('exit', killOnExit);
    c.once('exit', () => process.off('exit', killOnExit));
    c.stderr?.on('data', (b: Buffer) => (log += b.toString()));
    await waitForPort(port, c, () => log);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    dir,
    port,
    user,
    remoteDir,
    userKey,
    wrongKey,
    hostKeyPub: `${hostKey}.pub`,
    knownHosts,
    dockerUrl: `ssh://${user}@127.0.0.1:${port}`,
    target: (over = {}) => ({ host: '127.0.0.1', port, user, path: remoteDir, keyFile: userKey, ...over }),
    async restart(opts = {}) {
      await stop();
      if (opts.newHostKey) {
        fs.rmSync(hostKey, { force: true });
        fs.rmSync(`${hostKey}.pub`, { force: true });
        keygen(hostKey, 'test host, reinstalled');
      }
      await start();
    },
    async stop() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A HOME for an ssh client of `sshd`, as a user's would be: `.ssh/id_ed25519` (the user key the server
 * accepts, or its wrong one with `wrongKey`), and `.ssh/known_hosts` holding the server's key unless
 * `knownHosts` is false or gives the file's text. Returns its path; the caller removes it.
 */
export function sshClientHome(sshd: TestSshd, opts: { wrongKey?: boolean; knownHosts?: boolean | string } = {}): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-ssh-client-'));
  const dotSsh = path.join(home, '.ssh');
  fs.mkdirSync(dotSsh, { mode: 0o700 });
  fs.copyFileSync(opts.wrongKey ? sshd.wrongKey : sshd.userKey, path.join(dotSsh, 'id_ed25519'));
  fs.chmodSync(path.join(dotSsh, 'id_ed25519'), 0o600);
  const known = opts.knownHosts ?? true;
  if (known !== false) fs.writeFileSync(path.join(dotSsh, 'known_hosts'), known === true ? fs.readFileSync(sshd.knownHosts, 'utf8') : known);
  return home;
}

/**
 * A TCP relay in front of sshd that cuts the first `cuts` connections after `afterBytes` bytes went from
 * the client to the server: a network that drops mid-upload.
 */
export interface CuttingProxy {
  port: number;
  connections: number;
  cutsDone: number;
  close(): Promise<void>;
}

export async function cuttingProxy(targetPort: number, opts: { afterBytes: number; cuts: number }): Promise<CuttingProxy> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, cutsDone: 0 };
  const server = net.createServer((client) => {
    state.connections++;
    const cut = state.connections <= opts.cuts;
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let sent = 0;
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (b: Buffer) => {
      sent += b.length;
      if (cut && sent > opts.afterBytes) {
        state.cutsDone++;
        kill();
        return;
      }
      upstream.write(b);
    });
    upstream.on('data', (b: Buffer) => client.write(b));
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', kill);
    upstream.on('close', kill);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return {
    port: typeof a === 'object' && a ? a.port : 0,
    get connections() {
      return state.connections;
    },
    get cutsDone() {
      return state.cutsDone;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
