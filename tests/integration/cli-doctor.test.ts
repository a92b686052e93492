import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../support/build';
import { runBuiltCli } from '../support/cli';
import { docker, ENGINE_SOCKET, uniqueName } from '../support/docker';
import { writeDockerContext } from '../support/dockerContext';

let tmp: string;

/** The built CLI in a clean env: its own settings folder, HOME and docker config. */
const ailab = (args: string[], env: NodeJS.ProcessEnv = {}, settings: Record<string, unknown> = {}) => runBuiltCli(args, { env, settings });

/** An image tag that exists on this engine, if any (the fixtures' ubuntu:latest usually). */
async function someLocalImage(): Promise<string | null> {
  const images = await docker.listImages();
  for (const i of images) for (const tag of i.RepoTags ?? []) if (tag !== '<none>:<none>') return tag;
  return null;
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-cli-doctor-'));
  // It tests the bundle users run; `npm test` has built it already.
  ensureBuilt('cli');
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
    writeDockerContext(configDir, 'ailab-int', { Host: `unix://${ENGINE_SOCKET}`, SkipTLSVerify: false });
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
