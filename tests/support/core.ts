import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { ArgsOf, MethodName, ResultOf } from '../../shared/contract';
import type { ApiErrorPayload, Result } from '../../shared/contract/errors';
import { invokeHandler } from '../../shared/contract/invoke';
import { createCore, type Core } from '../../electron/services/createCore';
import { createHandlers } from '../../electron/services/handlers';
import { useTestEngine } from './docker';
import { testResources, type TestResources } from './resources';
import { waitUntil } from './wait';

type Args<M extends MethodName> = ArgsOf<M> extends unknown[] ? ArgsOf<M> : never;

/**
 * A real core (real engine, real event stream) with its own settings folder, whose browser opener
 * only records what it is given, plus the resources a test makes (removed by cleanup()).
 */
export interface CoreTestEnv extends TestResources {
  core: Core;
  handlers: ReturnType<typeof createHandlers>;
  opened: string[];
  home: string;
  /** Calls a contract method the way IPC and the WebSocket server do: validated, enveloped. */
  call<M extends MethodName>(method: M, ...args: Args<M>): Promise<Result<ResultOf<M>>>;
  /** call(), throwing when it fails. */
  ok<M extends MethodName>(method: M, ...args: Args<M>): Promise<ResultOf<M>>;
  /** call(), throwing when it succeeds; the error otherwise. */
  fails<M extends MethodName>(method: M, ...args: Args<M>): Promise<ApiErrorPayload>;
  cleanup(): Promise<void>;
}

/**
 * Resolves once the core is connected to the test engine: the default socket, or AILAB_TEST_DOCKER_SOCKET
 * (a private dockerd per checkout); the caller's DOCKER_HOST and DOCKER_CONTEXT are ignored.
 */
export async function coreTestEnv(prefix: string): Promise<CoreTestEnv> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `ailab-${prefix}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, AILAB_DESKTOP_HOME: home };
  useTestEngine(env);
  const opened: string[] = [];
  const core = await createCore({
    mode: 'browser',
    openExternal: async (url) => {
      opened.push(url);
    },
    env,
  });
  const handlers = createHandlers(core);
  await waitUntil(() => core.docker.status().state === 'connected', 20_000);
  expect(core.docker.status().state).toBe('connected');
  const call = async <M extends MethodName>(method: M, ...args: Args<M>) => (await invokeHandler(handlers, method, args)) as Result<ResultOf<M>>;
  const resources = testResources(prefix);
  return {
    ...resources,
    core,
    handlers,
    opened,
    home,
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
      await resources.removeAll();
      await core.shutdown();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
