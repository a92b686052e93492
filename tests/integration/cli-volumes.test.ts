import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import { VOLUME_NAME_RULE } from '../../shared/contract/validation';
import { ailabInProcess as ailab, cliHome } from '../support/cli';
import { docker, TEST_LABEL, uniqueName, useTestEngine } from '../support/docker';
import { GNU_TAR_IMAGE } from '../support/fixtures';
import { fillVolume, testResources } from '../support/resources';

const TEST_LABEL_ARG = Object.entries(TEST_LABEL).map(([k, v]) => `${k}=${v}`)[0] as string;
const res = testResources('cli-vol');
cliHome('cli-vol', { helperImage: GNU_TAR_IMAGE });

const newContainer = async (volume: string, running: boolean) => (await res.container(volume, { running })).name;

afterAll(() => res.removeAll());

describe('ailab volumes', () => {
  it('documents its subcommands and exit codes', async () => {
    const r = await ailab('volumes', '--help');
    expect(r.code).toBe(EXIT.OK);
    for (const word of ['ls', 'create NAME', 'rm NAME', '--force', 'inspect NAME', 'ls-files NAME [PATH]', '--json', 'Exit codes', '5    conflict']) {
      expect(r.out).toContain(word);
    }
  });

  it('creates a volume with labels, and lists it as a table and as JSON', async () => {
    const name = uniqueName('cli-vol-new');
    res.volumes.push(name);
    const created = await ailab('volumes', 'create', name, '--label', TEST_LABEL_ARG, '--label', 'purpose=notebooks');
    expect(created).toMatchObject({ code: EXIT.OK, out: `Created volume ${name}\n` });
    expect((await docker.getVolume(name).inspect()).Labels).toMatchObject({ purpose: 'notebooks' });

    const table = await ailab('volumes');
    expect(table.code, table.err).toBe(EXIT.OK);
    expect(table.out.split('\n')[0]).toMatch(/^NAME\s+DRIVER\s+CREATED\s+SIZE\s+USED BY/);
    expect(table.out).toMatch(new RegExp(`^${name}\\s+local\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\s+0 B\\s+-.*purpose=notebooks`, 'm'));

    const json = await ailab('volumes', 'ls', '--json', '--no-size');
    expect(json.code).toBe(EXIT.OK);
    const list = JSON.parse(json.out) as Array<{ name: string; labels: Record<string, string>; containers: unknown[] }>;
    expect(list.find((v) => v.name === name)).toMatchObject({ labels: { purpose: 'notebooks' }, containers: [] });
  });

  it('refuses a taken name (exit 5) and an invalid one with the rule (exit 6), in text and JSON', async () => {
    const name = await res.volume();
    const dup = await ailab('volumes', 'create', name);
    expect(dup.code).toBe(EXIT.CONFLICT);
    expect(dup.err).toContain(`A volume named "${name}" already exists.`);

    const bad = await ailab('volumes', 'create', 'my notebooks');
    expect(bad.code).toBe(EXIT.INVALID_INPUT);
    expect(bad.err).toContain(VOLUME_NAME_RULE);

    // After `create` a word with a dash can only be the name: the rule, not node's option parser.
    const dash = await ailab('volumes', 'create', '-bad');
    expect(dash.code).toBe(EXIT.INVALID_INPUT);
    expect(dash.err).toContain(VOLUME_NAME_RULE);
    expect(dash.err).not.toMatch(/Unknown option|terminator/);
    const badJson = await ailab('volumes', 'create', '-x', '--json');
    expect(badJson.code).toBe(EXIT.INVALID_INPUT);
    expect(JSON.parse(badJson.out)).toMatchObject({ ok: false, error: { code: 'VOLUME_NAME_INVALID' }, exitCode: EXIT.INVALID_INPUT });
    // A real option still is one.
    expect((await ailab('volumes', 'create', '--label', 'a=b')).code).toBe(EXIT.USAGE);
    const viaDashDash = await ailab('volumes', 'create', '--json', '--', '.x');
    expect(viaDashDash.code).toBe(EXIT.INVALID_INPUT);
    expect(JSON.parse(viaDashDash.out)).toMatchObject({ ok: false, error: { code: 'VOLUME_NAME_INVALID' } });
  });

  it('inspects a volume and its containers; a missing one exits 4', async () => {
    const name = await res.volume();
    const cname = await newContainer(name, false);
    const text = await ailab('volumes', 'inspect', name);
    expect(text.code).toBe(EXIT.OK);
    expect(text.out).toMatch(new RegExp(`^Name:\\s+${name}$`, 'm'));
    expect(text.out).toContain(`${cname} (created) at /data`);
    const json = JSON.parse((await ailab('volumes', 'inspect', name, '--json')).out) as { name: string; containers: Array<{ name: string }> };
    expect(json.name).toBe(name);
    expect(json.containers.map((c) => c.name)).toEqual([cname]);
    const missing = await ailab('volumes', 'inspect', uniqueName('cli-vol-missing'));
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(missing.err).toMatch(/There is no volume named cli-vol-missing/);
  });

  it('lists the files of a folder', async () => {
    const name = await res.volume();
    await fillVolume(name, [
      { name: 'notebooks', type: 'directory', mode: 0o700, uid: 1001 },
      { name: 'notebooks/start.ipynb', uid: 1001, content: '{}' },
    ]);
    const root = await ailab('volumes', 'ls-files', name);
    expect(root.code).toBe(EXIT.OK);
    expect(root.out).toMatch(/^drwx------\s+1001:1001\s+-\s+\S+ \S+\s+notebooks\/$/m);
    const sub = JSON.parse((await ailab('volumes', 'ls-files', name, 'notebooks', '--json')).out) as {
      path: string;
      entries: Array<{ name: string; size: number }>;
    };
    expect(sub.path).toBe('notebooks');
    expect(sub.entries).toEqual([expect.objectContaining({ name: 'start.ipynb', size: 2 })]);
    const escape = await ailab('volumes', 'ls-files', name, '../..');
    expect(escape.code).toBe(EXIT.INVALID_INPUT);
  });

  it('rm: refuses a volume in use (exit 5), --force removes stopped containers but never stops running ones', async () => {
    const busy = await res.volume();
    const running = await newContainer(busy, true);
    const r1 = await ailab('volumes', 'rm', busy, '--force');
    expect(r1.code).toBe(EXIT.CONFLICT);
    expect(r1.err).toContain(running);
    expect(r1.err).toMatch(/never stops a running container/);
    expect((await docker.getContainer(running).inspect()).State.Running).toBe(true);

    const idle = await res.volume();
    const stopped = await newContainer(idle, false);
    const r2 = await ailab('volumes', 'rm', idle);
    expect(r2.code).toBe(EXIT.CONFLICT);
    expect(r2.err).toContain(stopped);
    expect(r2.err).toContain('--force');
    const r3 = await ailab('volumes', 'rm', idle, '--force');
    expect(r3.code).toBe(EXIT.OK);
    expect(r3.out).toContain(`Removed stopped container ${stopped}`);
    expect(r3.out).toContain(`Removed volume ${idle}`);
    await expect(docker.getVolume(idle).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('rm several: removes what it can, reports the rest, exits with the first failure', async () => {
    const a = await res.volume();
    const missing = uniqueName('cli-vol-missing');
    const r = await ailab('volumes', 'rm', a, missing, '--json');
    expect(r.code).toBe(EXIT.NOT_FOUND);
    const outcomes = JSON.parse(r.out) as Array<{ volume: string; ok: boolean; error?: { code: string } }>;
    expect(outcomes).toEqual([
      expect.objectContaining({ volume: a, ok: true }),
      expect.objectContaining({ volume: missing, ok: false, error: expect.objectContaining({ code: 'VOLUME_NOT_FOUND' }) }),
    ]);
  });

  it('usage errors exit 2; an unreachable Docker exits 3', async () => {
    expect((await ailab('volumes', 'frobnicate')).code).toBe(EXIT.USAGE);
    expect((await ailab('volumes', 'ls', '--force')).code).toBe(EXIT.USAGE);
    process.env.DOCKER_HOST = 'unix:///nonexistent.sock';
    try {
      const r = await ailab('volumes', 'ls');
      expect(r.code).toBe(EXIT.DOCKER_UNREACHABLE);
      expect(r.err).toMatch(/Docker/);
    } finally {
      useTestEngine();
    }
  });
});
