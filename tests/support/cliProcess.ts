import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach } from 'vitest';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type AilabProcess = (args: string[], opts?: { onStdout?: (text: string, child: ChildProcess) => void }) => Promise<CliRun>;

/**
 * `ailab` as a user runs it: the built bundle `cli()` in its own process with AILAB_DESKTOP_HOME
 * `home()`, stdout and stderr captured; `onStdout` sees the output so far (to send Ctrl+C mid-job).
 * A test that times out leaves its CLI running, holding Docker attach streams: each is killed after its test.
 */
export function ailabProcess(cli: () => string, home: () => string): AilabProcess {
  const running = new Set<ChildProcess>();
  afterEach(() => {
    for (const child of running) child.kill('SIGKILL');
    running.clear();
  });
  return (args, opts = {}) =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [cli(), ...args], { env: { ...process.env, AILAB_DESKTOP_HOME: home() }, stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        opts.onStdout?.(stdout, child);
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => {
        running.delete(child);
        resolve({ code, stdout, stderr });
      });
    });
}

/** `--json` output: one event object per line. */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
