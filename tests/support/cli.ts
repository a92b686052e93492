import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';
import { runCli } from '../../electron/cli/main';
import { bundlePath, ensureBuilt } from './build';
import { ENGINE_SOCKET, useTestEngine } from './docker';

/**
 * For a file of ailabInProcess() tests: its own settings folder (AILAB_DESKTOP_HOME) holding
 * `settings`, the test engine, and the folder removed at the end. Returns the folder's path.
 */
export function cliHome(prefix: string, settings: Record<string, unknown>): () => string {
  let home = '';
  beforeAll(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), `ailab-${prefix}-`));
    process.env.AILAB_DESKTOP_HOME = home;
    useTestEngine();
    fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify(settings));
  });
  afterAll(() => {
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });
  return () => home;
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/**
 * `ailab ...argv` run in this process (the same code path as the bundle, without building it), with
 * what it prints captured. It reads AILAB_DESKTOP_HOME and DOCKER_HOST from process.env.
 */
export async function ailabInProcess(...argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t), tty: false });
  return { code, out, err };
}

/**
 * A private build of the CLI in .tmp/<prefix>…/ailab.cjs, so a test that runs it as a process runs
 * the code under test and not whatever dist/ holds. The caller removes its folder.
 */
export async function buildPrivateCli(prefix: string): Promise<string> {
  const root = path.resolve(__dirname, '..', '..');
  fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
  const cli = path.join(fs.mkdtempSync(path.join(root, '.tmp', prefix)), 'ailab.cjs');
  // As scripts/build.mjs bundles the CLI: one CommonJS file for Node 20, the packages left to node_modules.
  const asBuilt = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'warning' } as const;
  await build({ ...asBuilt, absWorkingDir: root, entryPoints: ['electron/cli/main.ts'], outfile: cli });
  return cli;
}

export interface BuiltCliResult {
  /** null when it was killed (timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the built dist/cli/ailab.cjs (building it first when it is missing) in a clean env: its own
 * HOME, docker config and settings folder holding `settings`, and only the variables in `env`.
 */
export async function runBuiltCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; settings?: Record<string, unknown>; timeoutMs?: number } = {},
): Promise<BuiltCliResult> {
  ensureBuilt('cli');
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-cli-run-'));
  try {
    fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify(opts.settings ?? {}));
    const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, DOCKER_CONFIG: path.join(home, 'docker-config'), AILAB_DESKTOP_HOME: home };
    if (process.env.AILAB_TEST_DOCKER_SOCKET) base.DOCKER_HOST = `unix://${ENGINE_SOCKET}`;
    const t0 = Date.now();
    return await new Promise((resolve) => {
      execFile(process.execPath, [bundlePath('cli'), ...args], { env: { ...base, ...opts.env }, timeout: opts.timeoutMs ?? 20_000 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - t0 });
      });
    });
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
