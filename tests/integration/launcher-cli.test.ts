import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import type { AiLabContainer, LaunchOutcome } from '../../shared/contract/launcher';
import { ailabInProcess as cli } from '../support/cli';
import { docker, uniqueName } from '../support/docker';
import { AI_LAB_FIXTURES } from '../support/fixtures';
import { testResources } from '../support/resources';
import { freePort, holdPort, httpGet } from './launcher-support';

let home: string;
const savedHome = process.env.AILAB_DESKTOP_HOME;
const res = testResources('cli-vol');

beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-launch-cli-'));
  process.env.AILAB_DESKTOP_HOME = home;
});

afterAll(async () => {
  await res.removeAll();
  if (savedHome === undefined) delete process.env.AILAB_DESKTOP_HOME;
  else process.env.AILAB_DESKTOP_HOME = savedHome;
  fs.rmSync(home, { recursive: true, force: true });
});

describe('ailab launch / status / logs / stop', () => {
  it('launches, waits for Jupyter, prints the URL and login hint; status, logs and stop work on it', async () => {
    const volume = await res.volume();
    const name = uniqueName('cli-ailab');
    res.containers.push(name);
    const port = await freePort();
    const r = await cli('launch', '--volume', volume, '--image', AI_LAB_FIXTURES.sandbox.image, '--port', String(port), '--name', name, '--timeout', '30');
    expect(r.err).toMatch(/Waiting for Jupyter/);
    expect(r.code).toBe(EXIT.OK);
    expect(r.out).toContain(`AI-Lab is ready: http://127.0.0.1:${port}/`);
    expect(r.out).toMatch(/Log in with/);
    expect(r.out).toContain(`${volume} at /root/notebooks`);
    expect((await httpGet(`http://127.0.0.1:${port}/api`)).status).toBe(200);

    const table = await cli('status');
    expect(table.code).toBe(EXIT.OK);
    const line = table.out.split('\n').find((l) => l.startsWith(name));
    expect(line).toMatch(new RegExp(`^${name}\\s+running\\s+0\\.1\\.0\\s+${volume}\\s+http://127\\.0\\.0\\.1:${port}/\\s+\\d+s$`));
    const json = JSON.parse((await cli('status', '--json')).out) as AiLabContainer[];
    expect(json.find((c) => c.name === name)?.url).toBe(`http://127.0.0.1:${port}/`);

    const logs = await cli('logs', name, '--tail', '50');
    expect(logs.code).toBe(EXIT.OK);
    // The stand-in logs to stderr, like Jupyter.
    expect(logs.err).toMatch(/Jupyter Server \S+ is running at:/);

    // Launching again under the same name: exit 5 and the way to start it instead.
    const again = await cli('launch', '--volume', volume, '--image', AI_LAB_FIXTURES.sandbox.image, '--port', String(await freePort()), '--name', name);
    expect(again.code).toBe(EXIT.CONFLICT);
    expect(again.err).toContain(`A container named "${name}" already exists`);
    expect(again.err).toContain(`--start-existing`);

    const stopped = await cli('stop', name);
    expect(stopped.code).toBe(EXIT.OK);
    expect(stopped.out).toBe(`Stopped ${name}.\n`);
    expect((await docker.getContainer(name).inspect()).State.Running).toBe(false);
    // Stopping it again says so instead of "Stopped".
    expect(await cli('stop', name)).toMatchObject({ code: EXIT.OK, out: `${name} is already stopped: nothing to stop.\n` });

    const restarted = await cli(
      'launch',
      '--volume',
      volume,
      '--image',
      AI_LAB_FIXTURES.sandbox.image,
      '--name',
      name,
      '--start-existing',
      '--json',
      '--timeout',
      '30',
    );
    expect(restarted.code).toBe(EXIT.OK);
    const outcome = JSON.parse(restarted.out) as LaunchOutcome;
    expect(outcome).toMatchObject({ reused: true, url: `http://127.0.0.1:${port}/`, containerName: name });
    expect((await cli('stop', name)).code).toBe(EXIT.OK);
  });

  it('exits 5 on a taken port and suggests the next free one', async () => {
    const volume = await res.volume();
    const port = await freePort();
    const server = await holdPort(port);
    try {
      const name = uniqueName('cli-port');
      res.containers.push(name);
      const r = await cli('launch', '--volume', volume, '--image', AI_LAB_FIXTURES.aiLab6.image, '--port', String(port), '--name', name);
      expect(r.code).toBe(EXIT.CONFLICT);
      expect(r.err).toMatch(/Error: Port \d+ is in use on this computer/);
      expect(r.err).toMatch(/Try: ailab launch --port \d+/);
    } finally {
      await new Promise((res) => server.close(res));
    }
  });

  it('exits 1 with the timeout explained when Jupyter never answers', async () => {
    const volume = await res.volume();
    const name = uniqueName('cli-never');
    res.containers.push(name);
    const r = await cli(
      'launch',
      '--volume',
      volume,
      '--image',
      AI_LAB_FIXTURES.neverReady.image,
      '--port',
      String(await freePort()),
      '--name',
      name,
      '--timeout',
      '2',
    );
    expect(r.code).toBe(EXIT.FAILURE);
    expect(r.err).toContain(`Error: Jupyter in container "${name}" did not become ready within 2 s.`);
    expect(r.err).toMatch(/Last lines of the container log:\n {2}\| /);
  });

  it('asks for a volume, and for a name when several containers could be meant', async () => {
    const noVolume = await cli('launch');
    expect(noVolume.code).toBe(EXIT.USAGE);
    expect(noVolume.err).toMatch(/--volume/);
    expect((await cli('logs', 'no-such-ailab-container')).code).toBe(EXIT.NOT_FOUND);
    expect((await cli('launch', '--port', 'abc', '--volume', 'x1')).code).toBe(EXIT.USAGE);
  });
});
