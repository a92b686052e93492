import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli } from '../support/cli';
import { ailabProcess, jsonLines } from '../support/cliProcess';
import { docker, removeContainerQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { createVolume, inVolume, newVolumeName, removeTestVolumes, RICH_CONTENT, SEED_IMAGE, treeOf, volumeExists } from './jobs-support';

let cli: string;
let home: string;
let source: string;
const containers: string[] = [];

beforeAll(async () => {
  cli = await buildPrivateCli('vops-cli-');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-vops-cli-home-'));
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ helperImage: 'ubuntu' }));
  source = await createVolume('vops-cli-src');
  await inVolume(source, RICH_CONTENT);
}, 120_000);

afterAll(async () => {
  for (const id of containers) await removeContainerQuietly(id);
  await removeTestVolumes();
  for (const d of [home, cli && path.dirname(cli)]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

const ailab = ailabProcess(
  () => cli,
  () => home,
);

describe('ailab volumes clone / rename / empty', () => {
  it('clones with a summary in words, and with --json events ending in the result', async () => {
    const target = newVolumeName('vops-cli-clone');
    const r = await ailab(['volumes', 'clone', source, target]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Cloned ${source} to ${target}, verified entry by entry.`);
    expect(r.stdout).toMatch(/[\d,]+ entries, /);
    expect(await treeOf(target)).toEqual(await treeOf(source));

    const t2 = newVolumeName('vops-cli-clone');
    const j = await ailab(['volumes', 'clone', source, t2, '--json']);
    expect(j.code, j.stderr).toBe(0);
    const events = jsonLines(j.stdout);
    expect(events.some((e) => e.event === 'progress' && e.phase === 'copying')).toBe(true);
    expect(events.some((e) => e.event === 'progress' && e.phase === 'verifying')).toBe(true);
    expect(events.some((e) => e.event === 'log' && (e.lines as string[]).includes('./venv/bin/python'))).toBe(true);
    const last = events[events.length - 1] as { event: string; status: string; result: { kind: string; target: string; verified: boolean } };
    expect(last).toMatchObject({ event: 'finished', status: 'succeeded', result: { kind: 'clone', target: t2, verified: true } });
  });

  it('refuses a taken name (exit 5) and a volume in use for a rename, naming the container', async () => {
    const taken = await ailab(['volumes', 'clone', source, source]);
    expect(taken.code).toBe(5);
    expect(taken.stderr).toContain(`A volume named ${source} already exists`);

    const used = await createVolume('vops-cli-used');
    const c = await docker.createContainer({
      Image: SEED_IMAGE,
      name: uniqueName('vops-cli-user'),
      Cmd: ['true'],
      Labels: { ...TEST_LABEL },
      HostConfig: { Mounts: [{ Type: 'volume', Source: used, Target: '/data' }] },
    });
    containers.push(c.id);
    const name = (await c.inspect()).Name.replace(/^\//, '');
    const r = await ailab(['volumes', 'rename', used, newVolumeName('vops-cli-ren')]);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(name);
    expect(r.stderr).toMatch(/cannot be renamed/);
    expect(await volumeExists(used)).toBe(true);
  });

  it('renames: the new volume has the files, the old one is gone', async () => {
    const old = await createVolume('vops-cli-old');
    await inVolume(old, RICH_CONTENT);
    const before = await treeOf(old);
    const to = newVolumeName('vops-cli-renamed');
    const r = await ailab(['volumes', 'rename', old, to]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Renamed ${old} to ${to} (copied, verified, then the old volume removed).`);
    expect(await volumeExists(old)).toBe(false);
    expect(await treeOf(to)).toEqual(before);
  });

  it('empties only with --yes when not on a terminal, with or without a safety backup', async () => {
    const vol = await createVolume('vops-cli-empty');
    await inVolume(vol, RICH_CONTENT);
    const ask = await ailab(['volumes', 'empty', vol]);
    expect(ask.code).toBe(2);
    expect(ask.stderr).toMatch(/--yes/);
    const r = await ailab(['volumes', 'empty', vol, '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`Emptied ${vol}: [\\d,]+ entries removed`));
    expect(r.stdout).toMatch(/The previous contents are kept in .*\/safety\/.*\.tgz/);
    expect(await inVolume(vol, 'find /volume -mindepth 1 | wc -l')).toBe('0\n');
    await inVolume(vol, 'echo again > /volume/x');
    const none = await ailab(['volumes', 'empty', vol, '--yes', '--no-safety-backup', '--json']);
    expect(none.code, none.stderr).toBe(0);
    const last = jsonLines(none.stdout).pop();
    expect(last).toMatchObject({ event: 'finished', status: 'succeeded', result: { kind: 'empty', removedEntries: 1, safetyBackup: null } });
  });

  it('cancels a clone cleanly on Ctrl+C: exit 130, no target left', async () => {
    const big = await createVolume('vops-cli-big');
    await inVolume(big, 'for i in 1 2 3 4 5 6; do head -c 20000000 /dev/urandom > /volume/b$i.bin; done');
    const target = newVolumeName('vops-cli-int');
    let sent = false;
    const r = await ailab(['volumes', 'clone', big, target, '--json'], {
      onStdout: (text, child) => {
        if (!sent && /"phase":"copying","filesDone":[2-9]/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(jsonLines(r.stdout).pop()).toMatchObject({ event: 'finished', status: 'cancelled' });
    expect(await volumeExists(target)).toBe(false);
  });
});
