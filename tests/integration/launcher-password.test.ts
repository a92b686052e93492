import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import { buildPrivateCli } from '../support/cli';
import { docker, uniqueName } from '../support/docker';
import { AI_LAB_FIXTURES } from '../support/fixtures';
import { testResources } from '../support/resources';
import { freePort } from './launcher-support';

// `ailab launch` as a process: the Jupyter password reaches the container without ever being in the
// CLI's command line, which every user of the machine can read (/proc/<pid>/cmdline, ps).

let cli: string;
let home: string;
const res = testResources('cli-pw');

beforeAll(async () => {
  cli = await buildPrivateCli('launcher-password-');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-launch-pw-'));
});

afterAll(async () => {
  await res.removeAll();
  for (const d of [home, cli && path.dirname(cli)]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

interface Launched {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What `ps` shows of the CLI while it ran. */
  cmdline: string;
}

function launch(args: string[], opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<Launched> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'launch', ...args], {
      env: { ...process.env, AILAB_DESKTOP_HOME: home, ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const cmdline = fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0').join(' ');
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.end(opts.stdin ?? '');
    child.on('exit', (code) => resolve({ code, stdout, stderr, cmdline }));
  });
}

async function containerEnv(name: string): Promise<string[]> {
  return (await docker.getContainer(name).inspect()).Config.Env ?? [];
}

async function launchArgs(): Promise<{ name: string; args: string[] }> {
  const name = uniqueName('cli-pw');
  res.containers.push(name);
  const volume = await res.volume();
  return { name, args: ['--volume', volume, '--image', AI_LAB_FIXTURES.aiLab6.image, '--port', String(await freePort()), '--name', name, '--timeout', '30'] };
}

describe('ailab launch and the Jupyter password', () => {
  it('reads it from standard input with --password-stdin: in the container, never in the command line', async () => {
    const pw = `stdin-${uniqueName('pw')}`;
    const { name, args } = await launchArgs();
    const r = await launch([...args, '--password-stdin'], { stdin: `${pw}\n` });
    expect(r.stderr).not.toContain('--password puts');
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.cmdline).toContain('--password-stdin');
    expect(r.cmdline).not.toContain(pw);
    expect(`${r.stdout}${r.stderr}`).not.toContain(pw);
    expect(await containerEnv(name)).toContain(`JUPYTER_PASSWORD=${pw}`);
  });

  it('reads it from AILAB_JUPYTER_PASSWORD', async () => {
    const pw = `env-${uniqueName('pw')}`;
    const { name, args } = await launchArgs();
    const r = await launch(args, { env: { AILAB_JUPYTER_PASSWORD: pw } });
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.cmdline).not.toContain(pw);
    expect(await containerEnv(name)).toContain(`JUPYTER_PASSWORD=${pw}`);
  });

  it('still takes --password, and says why not to', async () => {
    const pw = `argv-${uniqueName('pw')}`;
    const { name, args } = await launchArgs();
    const r = await launch([...args, '--password', pw]);
    expect(r.code, r.stderr).toBe(EXIT.OK);
    expect(r.stderr).toContain('Warning: --password puts the password in the command line, which every user of this computer can read (ps).');
    expect(await containerEnv(name)).toContain(`JUPYTER_PASSWORD=${pw}`);
  });

  it('refuses an empty password on standard input before anything is created', async () => {
    const { name, args } = await launchArgs();
    const r = await launch([...args, '--password-stdin'], { stdin: '\n' });
    expect(r.code).toBe(EXIT.USAGE);
    expect(r.stderr).toContain('ailab: --password-stdin read an empty password.');
    await expect(docker.getContainer(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
