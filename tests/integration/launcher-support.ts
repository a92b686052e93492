import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pack } from 'tar-stream';
import { expect } from 'vitest';
import type { ArgsOf, MethodName, ResultOf } from '../../shared/contract';
import type { ApiErrorPayload, Result } from '../../shared/contract/errors';
import { invokeHandler } from '../../shared/contract/invoke';
import type { LaunchOptions } from '../../shared/contract/launcher';
import { createCore, type Core } from '../../electron/services/createCore';
import { createHandlers } from '../../electron/services/handlers';
import { docker, removeContainerQuietly, removeVolumeQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { GNU_TAR_IMAGE } from '../support/fixtures';

/** A real core (real engine, real event stream) whose browser opener only records what it is given. */
export interface LauncherTestEnv {
  core: Core;
  handlers: ReturnType<typeof createHandlers>;
  opened: string[];
  home: string;
  volumes: string[];
  containers: string[];
  call<M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never): Promise<Result<ResultOf<M>>>;
  ok<M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never): Promise<ResultOf<M>>;
  fails<M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never): Promise<ApiErrorPayload>;
  cleanup(): Promise<void>;
}

export async function launcherTestEnv(prefix: string): Promise<LauncherTestEnv> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `ailab-${prefix}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, AILAB_DESKTOP_HOME: home };
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  const opened: string[] = [];
  const core = await createCore({
    mode: 'browser',
    openExternal: async (url) => {
      opened.push(url);
    },
    env,
  });
  const handlers = createHandlers(core);
  const deadline = Date.now() + 20_000;
  while (core.docker.status().state !== 'connected' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(core.docker.status().state).toBe('connected');
  const volumes: string[] = [];
  const containers: string[] = [];
  const call = async <M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never) =>
    (await invokeHandler(handlers, method, args)) as Result<ResultOf<M>>;
  return {
    core,
    handlers,
    opened,
    home,
    volumes,
    containers,
    call,
    async ok(method, ...args) {
      const r = await call(method, ...args);
      if (!r.ok) throw new Error(`${method} failed: ${r.error.code} ${r.error.message} (${r.error.hint ?? ''})`);
      return r.value;
    },
    async fails(method, ...args) {
      const r = await call(method, ...args);
      if (r.ok) throw new Error(`${method} succeeded but should have failed`);
      return r.error;
    },
    async cleanup() {
      for (const c of containers) await removeContainerQuietly(c);
      for (const v of volumes) await removeVolumeQuietly(v);
      await core.shutdown();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A port nobody listens on right now (the kernel's pick), for a container to publish. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const a = s.address();
        s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
      });
    });
    // The kernel's ephemeral range; stay below 65000 so "next free port" suggestions have room.
    if (port > 1024 && port < 65000) return port;
  }
}

/** Holds a port on this machine like a non-container program would. */
export async function holdPort(port: number, host = '127.0.0.1'): Promise<net.Server> {
  const s = net.createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen({ port, host, exclusive: true }, resolve);
  });
  return s;
}

/** A new volume holding `files` (owned by root, mode 644), labelled as a test's. */
export async function volumeWithFiles(t: LauncherTestEnv, files: Record<string, string>): Promise<string> {
  const name = uniqueName('launch-vol');
  await docker.createVolume({ Name: name, Labels: TEST_LABEL });
  t.volumes.push(name);
  const p = pack();
  for (const [file, content] of Object.entries(files)) p.entry({ name: file, mode: 0o644 }, content);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  const c = await docker.createContainer({
    Image: GNU_TAR_IMAGE,
    Cmd: ['true'],
    Labels: TEST_LABEL,
    HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/data' }], NetworkMode: 'none' },
  });
  try {
    await c.putArchive(Buffer.concat(chunks), { path: '/data' });
  } finally {
    await c.remove({ force: true });
  }
  return name;
}

export function launchOptions(t: LauncherTestEnv, o: Partial<LaunchOptions> & Pick<LaunchOptions, 'image' | 'volume' | 'hostPort'>): LaunchOptions {
  const name = o.name ?? uniqueName('ailab-launch');
  t.containers.push(name);
  return {
    createVolume: false,
    name,
    listenIp: '127.0.0.1',
    dockerSocket: false,
    startExisting: false,
    pull: true,
    timeoutSeconds: 30,
    open: false,
    labels: TEST_LABEL,
    ...o,
  };
}

export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

export function waitForBus<T>(subscribe: (listener: (p: T) => void) => () => void, predicate: (p: T) => boolean, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = subscribe((p) => {
      if (predicate(p)) {
        clearTimeout(timer);
        off();
        resolve(p);
      }
    });
  });
}

export { removeContainerQuietly, uniqueName };
