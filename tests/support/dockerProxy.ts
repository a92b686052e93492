import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ENGINE_SOCKET } from './docker';

export interface DockerProxy {
  /** Point DOCKER_HOST at `unix://${socketPath}`. */
  socketPath: string;
  /** Starts forwarding: Docker "appears". Does nothing when already on. */
  on(): Promise<void>;
  /** Stops listening and cuts every open connection: Docker "goes away". */
  off(): Promise<void>;
  /** Connections accepted so far, over every on(). */
  connections(): number;
  /** off(), and removes the folder the socket was made in. */
  dispose(): Promise<void>;
}

/**
 * A unix socket that forwards to the shared dockerd and can be switched off and on: lets a test make
 * Docker vanish and come back for one app or connection without touching the engine other tests use.
 * Without `socketPath` the socket goes in a new temporary folder.
 */
export function dockerProxy(socketPath?: string, target = ENGINE_SOCKET): DockerProxy {
  const dir = socketPath ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-sock-'));
  const sockPath = socketPath ?? path.join(dir as string, 'docker.sock');
  const open = new Set<net.Socket>();
  let server: net.Server | null = null;
  let total = 0;

  const off = async (): Promise<void> => {
    const s = server;
    server = null;
    if (s) {
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const c of open) c.destroy();
      open.clear();
      await closed;
    }
    fs.rmSync(sockPath, { force: true });
  };

  return {
    socketPath: sockPath,
    connections: () => total,
    off,
    async on() {
      if (server) return;
      const s = net.createServer((client) => {
        total++;
        const upstream = net.connect(target);
        open.add(client).add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          open.delete(client);
          open.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream).pipe(client);
      });
      // A socket file left by an earlier run would make listen() fail with EADDRINUSE.
      fs.rmSync(sockPath, { force: true });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(sockPath, () => resolve());
      });
      server = s;
    },
    async dispose() {
      await off();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
