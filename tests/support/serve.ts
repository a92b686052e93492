import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundlePath, ensureBuilt } from './build';
import { useTestEngine } from './docker';

export interface ServedApp {
  /** The ready-to-open URL the server printed, token included. */
  url: string;
  origin: string;
  token: string;
  home: string;
  output: () => string;
  stop: () => Promise<void>;
}

const ROOT = path.resolve(__dirname, '..', '..');
export const READY_LINE = /AI-Lab Desktop is running at: (http:\/\/127\.0\.0\.1:\d+\/\?token=([A-Za-z0-9_-]+))/;

/**
 * Starts the browser mode (the built dist/server/serve.cjs, built first if missing) on a random port
 * with its own settings folder, and resolves once it prints its URL. `env` overrides e.g. DOCKER_HOST
 * for the unreachable case.
 */
export async function startServedApp(env: NodeJS.ProcessEnv = {}): Promise<ServedApp> {
  ensureBuilt('server', 'renderer');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [bundlePath('server'), '--port', '0', '--no-open'], {
    cwd: ROOT,
    env: { ...useTestEngine({ ...process.env }), AILAB_DESKTOP_HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not print its URL within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = READY_LINE.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
  const parsed = new URL(url);
  return {
    url,
    origin: parsed.origin,
    token: parsed.searchParams.get('token') ?? '',
    home,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
