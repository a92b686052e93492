import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, uniqueName } from '../support/docker';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli', 'ailab.cjs');
const ENGINE_SOCKET = process.env.AILAB_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock';

let tmp: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI with a clean env: its own settings folder, HOME and docker config. */
function ailab(args: string[], env: NodeJS.ProcessEnv = {}, settings: Record<string, unknown> = {}): Promise<Run> {
  const home = fs.mkdtempSync(path.join(tmp, 'run-'));
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify(settings));
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, DOCKER_CONFIG: path.join(home, 'docker-config'), AILAB_DESKTOP_HOME: home };
  if (process.env.AILAB_TEST_DOCKER_SOCKET) base.DOCKER_HOST = `unix://${ENGINE_SOCKET}`;
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...base, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ code, stdout, stderr, ms: Date.now() - t0 });
    });
  });
}

/** An image tag that exists on this engine, if any (the fixtures' ubuntu:latest usually). */
async function someLocalImage(): Promise<string | null> {
  const images = await docker.listImages();
  for (const i of images) for (const tag of i.RepoTags ?? []) if (tag !== '<none>:<none>') return tag;
  return null;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-cli-doctor-'));
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--only=node'], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
}, 180_000);

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('ailab doctor', () => {
  it('prints the endpoint and where it came from, the engine, and which images are there (exit 0)', async () => {
    const version = await docker.version();
    const present = await someLocalImage();
    const missing = `ailab-test-missing/${uniqueName('img')}`;
    const r = await ailab(['doctor'], {}, { helperImage: present ?? 'ubuntu', aiLabImage: missing, aiLabVersion: '9.9.9' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`endpoint\\s+unix://${ENGINE_SOCKET.replace(/[/.]/g, '\\$&')}`));
    if (!process.env.AILAB_TEST_DOCKER_SOCKET) expect(r.stdout).toMatch(/from\s+the default socket/);
    expect(r.stdout).toMatch(new RegExp(`engine\\s+${version.Version.replace(/[.+]/g, '\\$&')} \\(API ${version.ApiVersion.replace('.', '\\.')}\\)`));
    expect(r.stdout).toMatch(new RegExp(`os\\s+${version.Os}/${version.Arch}`));
    expect(r.stdout).toMatch(new RegExp(`${missing}:9\\.9\\.9\\s+missing`));
    expect(r.stdout).toContain(`Run \`docker pull ${missing}:9.9.9\``);
    if (present) expect(r.stdout).toMatch(new RegExp(`${present.replace(/[.+/]/g, '\\$&')}\\s+present`));
  });

  it('--json gives the same facts for scripts', async () => {
    const missing = `ailab-test-missing/${uniqueName('helper')}`;
    const r = await ailab(['doctor', '--json'], {}, { helperImage: missing });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      docker: { state: string; endpoint: { url: string }; engineVersion: string };
      images: Array<{ role: string; reference: string; present: boolean; warning: string | null }>;
      warnings: string[];
    };
    expect(report.docker.state).toBe('connected');
    expect(report.docker.endpoint.url).toBe(`unix://${ENGINE_SOCKET}`);
    expect(report.docker.engineVersion).toBe((await docker.version()).Version);
    expect(report.images.map((i) => i.role)).toEqual(['helper', 'ai-lab']);
    expect(report.images[0]).toMatchObject({ reference: missing, present: false });
    expect(report.images[1]?.reference).toBe('exasol/ai-lab:latest');
    expect(report.warnings.some((w) => w.includes(`docker pull ${missing}`))).toBe(true);
  });

  it('follows DOCKER_CONTEXT to a context and says so', async () => {
    const configDir = path.join(tmp, 'ctx-config');
    const hash = createHash('sha256').update('ailab-int').digest('hex');
    fs.mkdirSync(path.join(configDir, 'contexts', 'meta', hash), { recursive: true });
    fs.writeFileSync(
      path.join(configDir, 'contexts', 'meta', hash, 'meta.json'),
      JSON.stringify({ Name: 'ailab-int', Metadata: {}, Endpoints: { docker: { Host: `unix://${ENGINE_SOCKET}`, SkipTLSVerify: false } } }),
    );
    const r = await ailab(['doctor'], { DOCKER_HOST: '', DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'ailab-int' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/from\s+docker context "ailab-int" \(DOCKER_CONTEXT\)/);
  });

  it('exits 3 and says what is wrong and what to do when Docker is not there', async () => {
    const r = await ailab(['doctor'], { DOCKER_HOST: 'unix:///nonexistent.sock' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('Error: Docker is not running: no socket at /nonexistent.sock (set by DOCKER_HOST).');
    expect(r.stderr).toContain('Start Docker Desktop or dockerd, or check DOCKER_HOST / `docker context ls`.');
    expect(r.stdout).toMatch(/endpoint\s+unix:\/\/\/nonexistent\.sock/);
    // One attempt, no retry loop holding the process open.
    expect(r.ms).toBeLessThan(5000);
  });

  it('exits 3 with a JSON report too, so scripts can read why', async () => {
    const r = await ailab(['doctor', '--json'], { DOCKER_HOST: 'unix:///nonexistent.sock' });
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as { docker: { state: string; error: { code: string } } };
    expect(report.docker).toMatchObject({ state: 'unreachable', error: { code: 'DOCKER_UNREACHABLE' } });
  });

  it('exits 3 on a malformed DOCKER_HOST instead of crashing', async () => {
    const r = await ailab(['doctor'], { DOCKER_HOST: 'tcp://host:notaport' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('DOCKER_HOST=tcp://host:notaport is not a valid address: port "notaport" is not a number.');
    expect(r.stderr).not.toMatch(/at .*\.cjs:\d+/);
  });
});
