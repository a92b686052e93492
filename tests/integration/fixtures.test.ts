import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeContainerQuietly, removeVolumeQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import {
  AI_LAB_FIXTURES,
  ALIAS_IMAGES,
  FIXTURE_HASH_LABEL,
  FIXTURE_IMAGES,
  FIXTURE_LABEL,
  fixtureHash,
  GNU_TAR_IMAGE,
  JUPYTER_READY_LINE,
  UBUNTU_ALIAS,
  type AiLabFixture,
} from '../support/fixtures';

const execFileAsync = promisify(execFile);

const containers: string[] = [];
const volumes: string[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  for (const c of containers) await removeContainerQuietly(c);
  for (const v of volumes) await removeVolumeQuietly(v);
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

async function newVolume(): Promise<string> {
  const name = uniqueName('fixtures-test');
  await docker.createVolume({ Name: name, Labels: TEST_LABEL });
  volumes.push(name);
  return name;
}

/** Docker's multiplexed log format (no TTY): 8-byte headers, stream 1 = stdout, 2 = stderr. */
function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    const chunk = buf.subarray(i + 8, i + 8 + size);
    (buf[i] === 2 ? err : out).push(chunk);
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

async function logsOf(container: Docker.Container): Promise<{ stdout: string; stderr: string }> {
  const buf = await container.logs({ stdout: true, stderr: true, follow: false });
  return demux(buf);
}

/** Runs a command in a fresh container to completion, like `docker run --rm`. */
async function run(image: string, cmd: string[], binds: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const name = uniqueName('fixtures-run');
  containers.push(name);
  const container = await docker.createContainer({
    name,
    Image: image,
    Cmd: cmd,
    Labels: TEST_LABEL,
    HostConfig: { Binds: binds, NetworkMode: 'none' },
  });
  await container.start();
  const { StatusCode } = (await container.wait()) as { StatusCode: number };
  const logs = await logsOf(container);
  await container.remove({ force: true, v: true });
  return { code: StatusCode, ...logs };
}

async function startAiLab(fixture: AiLabFixture, volume: string): Promise<{ container: Docker.Container; hostPort: number }> {
  const name = uniqueName('fixtures-ailab');
  containers.push(name);
  const portKey = `${fixture.port}/tcp`;
  const container = await docker.createContainer({
    name,
    Image: fixture.image,
    Labels: TEST_LABEL,
    ExposedPorts: { [portKey]: {} },
    HostConfig: {
      Mounts: [{ Type: 'volume', Source: volume, Target: fixture.notebooks }],
      // Empty HostPort: Docker picks a free port on the host.
      PortBindings: { [portKey]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
    },
  });
  await container.start();
  const info = await container.inspect();
  const hostPort = Number(info.NetworkSettings.Ports[portKey]?.[0]?.HostPort);
  expect(hostPort).toBeGreaterThan(0);
  return { container, hostPort };
}

async function waitForLog(container: Docker.Container, pattern: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout, stderr } = await logsOf(container);
    const all = stdout + stderr;
    if (pattern.test(all)) return all;
    if (Date.now() > deadline) throw new Error(`no log line matching ${pattern} within ${timeoutMs} ms:\n${all}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Stops the container and says whether it honoured SIGTERM: after the 10 s grace period the engine
 * sends SIGKILL, which leaves exit code 137. (A wall-clock bound would be flaky on a loaded 2-core CI.)
 */
async function stopGracefully(container: Docker.Container): Promise<{ killed: boolean; exitCode: number }> {
  await container.stop({ t: 10 });
  const exitCode = (await container.inspect()).State.ExitCode;
  return { killed: exitCode === 137, exitCode };
}

describe('fixture images', () => {
  it('all exist, labelled as fixtures of the current script version', async () => {
    const hash = await fixtureHash();
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    for (const name of FIXTURE_IMAGES) {
      const info = await docker.getImage(name).inspect();
      expect(info.Config.Labels?.[FIXTURE_LABEL], name).toBe('1');
      expect(info.Config.Labels?.[FIXTURE_HASH_LABEL], name).toBe(hash);
    }
    for (const name of ALIAS_IMAGES) {
      // Either our alias (then the same image as the fixture) or a real image the script left alone.
      const info = await docker.getImage(name).inspect();
      if (info.Config.Labels?.[FIXTURE_LABEL] !== '1') continue;
      const fixture = name === UBUNTU_ALIAS ? GNU_TAR_IMAGE : Object.values(AI_LAB_FIXTURES).find((f) => f.alias === name)?.image;
      expect(fixture, name).toBeDefined();
      expect(info.Id, name).toBe((await docker.getImage(fixture as string).inspect()).Id);
    }
  });

  it.each(Object.entries(AI_LAB_FIXTURES))('%s declares its port, notebooks volume and env like the real image', async (_key, f) => {
    const info = await docker.getImage(f.image).inspect();
    expect(Object.keys(info.Config.ExposedPorts ?? {})).toEqual([`${f.port}/tcp`]);
    expect(Object.keys(info.Config.Volumes ?? {})).toEqual([f.notebooks]);
    const env = info.Config.Env ?? [];
    if (f.notebooksEnv) expect(env).toContain(`NOTEBOOKS=${f.notebooks}`);
    else expect(env.some((e) => e.startsWith('NOTEBOOKS='))).toBe(false);
  });

  it('the GNU tar image has GNU tar and gzip', async () => {
    const tar = await run(GNU_TAR_IMAGE, ['tar', '--version']);
    expect(tar.code).toBe(0);
    expect(tar.stdout).toMatch(/^tar \(GNU tar\) \d+\.\d+/);
    const gzip = await run(GNU_TAR_IMAGE, ['gzip', '--version']);
    expect(gzip.code).toBe(0);
    expect(gzip.stdout).toMatch(/^gzip \d/);
  });

  it("runs the seed's backup and restore commands unchanged under the ubuntu name", async () => {
    const source = await newVolume();
    const target = await newVolume();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-fixtures-'));
    tempDirs.push(dir);
    const setup = await run(
      UBUNTU_ALIAS,
      [
        'sh',
        '-c',
        'mkdir /volume/sub && printf hello > /volume/sub/a.txt && chown 1001:1001 /volume/sub/a.txt && chmod 640 /volume/sub/a.txt && ln -s sub/a.txt /volume/link',
      ],
      [`${source}:/volume`],
    );
    expect(setup.code, setup.stderr).toBe(0);

    const backup = await run(UBUNTU_ALIAS, ['tar', '-C', '/volume', '-czvf', '/dest/backup.tgz', '.'], [`${source}:/volume`, `${dir}:/dest`]);
    expect(backup.code, backup.stderr).toBe(0);
    const { stdout: listing } = await execFileAsync('tar', ['tvf', path.join(dir, 'backup.tgz')]);
    expect(listing).toMatch(/-rw-r----- 1001\/1001\s+5 .* \.\/sub\/a\.txt/);
    expect(listing).toMatch(/\.\/link -> sub\/a\.txt/);

    const restore = await run(UBUNTU_ALIAS, ['tar', '-C', '/volume', '-xvf', '/dest/backup.tgz'], [`${target}:/volume`, `${dir}:/dest`]);
    expect(restore.code, restore.stderr).toBe(0);
    const check = await run(GNU_TAR_IMAGE, ['sh', '-c', 'stat -c "%u:%g %a" /volume/sub/a.txt && cat /volume/link'], [`${target}:/volume`]);
    expect(check.stdout).toBe('1001:1001 640\nhello');
  });
});

describe('AI-Lab stand-in', () => {
  const f = AI_LAB_FIXTURES.aiLab6;
  let container: Docker.Container;
  let hostPort: number;
  let volume: string;
  let logs: string;

  beforeAll(async () => {
    volume = await newVolume();
    // An existing start.ipynb must survive the start (the entrypoint never overwrites).
    const seeded = await run(
      GNU_TAR_IMAGE,
      ['sh', '-c', 'printf "my own" > /nb/start.ipynb && printf "hello from the volume" > /nb/hello.txt'],
      [`${volume}:/nb`],
    );
    expect(seeded.code, seeded.stderr).toBe(0);
    ({ container, hostPort } = await startAiLab(f, volume));
    // The banner is the last line the entrypoint prints once listening, after the ready line.
    logs = await waitForLog(container, /has been started successfully/, 20_000);
  });

  it('logs the "is running at" line and the started-successfully banner once listening', () => {
    expect(logs).toMatch(/\[I \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} ServerApp\] Jupyter Server 2\.14\.0 is running at:\n.*http:\/\/\S+:49494\/lab/);
    expect(logs).toMatch(/Server for Jupyter has been started successfully/);
  });

  it('answers GET /api with the server version', async () => {
    const res = await fetch(`http://127.0.0.1:${hostPort}/api`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ version: '2.14.0' });
  });

  it('serves files of the notebooks volume under /files/, keeps existing ones and adds missing defaults', async () => {
    const own = await fetch(`http://127.0.0.1:${hostPort}/files/hello.txt`);
    expect(own.status).toBe(200);
    expect(await own.text()).toBe('hello from the volume');
    expect(await (await fetch(`http://127.0.0.1:${hostPort}/files/start.ipynb`)).text()).toBe('my own');
    const added = await fetch(`http://127.0.0.1:${hostPort}/files/tutorials/welcome.ipynb`);
    expect(added.status).toBe(200);
    expect(JSON.parse(await added.text())).toMatchObject({ nbformat: 4 });
    expect((await fetch(`http://127.0.0.1:${hostPort}/files/missing.txt`)).status).toBe(404);
  });

  it('chowns the notebooks folder to jupyter (uid 1001) like AI-Lab 2.0.0 and later', async () => {
    const owners = await run(GNU_TAR_IMAGE, ['stat', '-c', '%u:%g %n', '/nb/hello.txt', '/nb/tutorials/welcome.ipynb'], [`${volume}:/nb`]);
    expect(owners.stdout.trim().split('\n')).toEqual(['1001:1001 /nb/hello.txt', '1001:1001 /nb/tutorials/welcome.ipynb']);
  });

  it('stops on SIGTERM (docker stop) without being killed', async () => {
    expect(await stopGracefully(container)).toMatchObject({ killed: false });
    expect((await container.inspect()).State.Running).toBe(false);
  });
});

describe.each([AI_LAB_FIXTURES.aiLab1, AI_LAB_FIXTURES.sandbox])('older stand-in $image', (f) => {
  it(`becomes ready on port ${f.port} with ${f.notebooks} and stays root-owned`, async () => {
    const volume = await newVolume();
    const { container, hostPort } = await startAiLab(f, volume);
    await waitForLog(container, JUPYTER_READY_LINE, 20_000);
    const res = await fetch(`http://127.0.0.1:${hostPort}/files/start.ipynb`);
    expect(res.status).toBe(200);
    expect(await stopGracefully(container)).toMatchObject({ killed: false });
    const owners = await run(GNU_TAR_IMAGE, ['stat', '-c', '%u', '/nb/start.ipynb'], [`${volume}:/nb`]);
    expect(owners.stdout.trim()).toBe('0');
  });
});

describe('never-ready stand-in', () => {
  it('runs but never listens nor logs the ready line, and still stops promptly', async () => {
    const f = AI_LAB_FIXTURES.neverReady;
    const volume = await newVolume();
    const { container, hostPort } = await startAiLab(f, volume);
    await new Promise((r) => setTimeout(r, 3000));
    expect((await container.inspect()).State.Running).toBe(true);
    const { stdout, stderr } = await logsOf(container);
    expect(stdout + stderr).not.toMatch(JUPYTER_READY_LINE);
    await expect(fetch(`http://127.0.0.1:${hostPort}/api`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
    expect(await stopGracefully(container)).toMatchObject({ killed: false });
  });
});
