import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import type { PendingUpgrade, UpgradeFinished, UpgradeOutcome } from '../../shared/contract/launcher';
import { ailabInProcess as cli } from '../support/cli';
import { docker, uniqueName } from '../support/docker';
import { AI_LAB_FIXTURES, GNU_TAR_IMAGE } from '../support/fixtures';
import { testResources } from '../support/resources';
import { freePort } from './launcher-support';

let home: string;
let backups: string;
const savedHome = process.env.AILAB_DESKTOP_HOME;
const res = testResources('cli-upgrade');

beforeAll(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-upgrade-cli-'));
  backups = path.join(home, 'backups');
  fs.mkdirSync(backups);
  process.env.AILAB_DESKTOP_HOME = home;
});

afterAll(async () => {
  const left = await docker.listContainers({ all: true });
  for (const c of left)
    if (c.Names.some((n) => n.includes('cli-upgrade-')))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  await res.removeAll();
  if (savedHome === undefined) delete process.env.AILAB_DESKTOP_HOME;
  else process.env.AILAB_DESKTOP_HOME = savedHome;
  fs.rmSync(home, { recursive: true, force: true });
});

async function running(name: string): Promise<boolean | null> {
  try {
    return (await docker.getContainer(name).inspect()).State.Running;
  } catch {
    return null;
  }
}

describe('ailab upgrade', () => {
  it('refuses without --yes when nobody can confirm, refuses a non-AI-Lab image; upgrades with --json; --pending, --rollback', async () => {
    const volume = await res.volume();
    const name = uniqueName('cli-upgrade');
    res.containers.push(name);
    const port = await freePort();
    const launched = await cli(
      'launch',
      '--volume',
      volume,
      '--image',
      AI_LAB_FIXTURES.aiLab6.image,
      '--port',
      String(port),
      '--name',
      name,
      '--timeout',
      '30',
    );
    expect(launched.code).toBe(EXIT.OK);

    const noYes = await cli('upgrade', name, '--image', AI_LAB_FIXTURES.aiLab62.image);
    expect(noYes.code).toBe(EXIT.USAGE);
    expect(noYes.err).toMatch(/needs confirmation: add --yes/);

    const notAiLab = await cli('upgrade', name, '--image', GNU_TAR_IMAGE, '--yes', '--json');
    expect(notAiLab.code).toBe(EXIT.INVALID_INPUT);
    const envelope = JSON.parse(notAiLab.out || notAiLab.err) as { ok: false; error: { code: string; message: string } };
    expect(envelope.error.code).toBe('INVALID_ARGUMENT');
    expect(envelope.error.message).toMatch(/is not an AI-Lab image/);
    expect(await running(name)).toBe(true);

    const up = await cli('upgrade', name, '--image', AI_LAB_FIXTURES.aiLab62.image, '--yes', '--json', '--backup-dir', backups, '--timeout', '60');
    expect(up.err).toMatch(/Backed up and verified/);
    expect(up.code).toBe(EXIT.OK);
    const outcome = JSON.parse(up.out) as UpgradeOutcome;
    expect(outcome.upgrade).toMatchObject({ name, newImage: AI_LAB_FIXTURES.aiLab62.image, oldImage: AI_LAB_FIXTURES.aiLab6.image, state: 'ready' });
    expect(outcome.url).toBe(`http://127.0.0.1:${port}/`);
    res.containers.push(outcome.upgrade.keptAs);

    const pending = JSON.parse((await cli('upgrade', '--pending', '--json')).out) as PendingUpgrade[];
    expect(pending.map((p) => p.name)).toEqual([name]);
    const text = await cli('upgrade', '--pending');
    expect(text.out).toContain(`old container kept as "${outcome.upgrade.keptAs}"`);

    // CONTAINER may be left out when exactly one upgrade waits.
    const back = await cli('upgrade', '--rollback', '--json');
    expect(back.code).toBe(EXIT.OK);
    const finished = JSON.parse(back.out) as UpgradeFinished;
    expect(finished).toMatchObject({ action: 'rolled-back', name, volumeRestored: true, oldStarted: true });
    expect(await running(name)).toBe(true);
    expect((await docker.getContainer(name).inspect()).Config.Image).toBe(AI_LAB_FIXTURES.aiLab6.image);
    expect(await running(outcome.upgrade.keptAs)).toBeNull();

    const none = await cli('upgrade', '--keep');
    expect(none.code).toBe(EXIT.NOT_FOUND);
    expect(none.err).toMatch(/No upgrade is waiting/);
  });

  it('upgrades the only AI-Lab container when none is named, and --keep finishes it (text output)', async () => {
    const list = JSON.parse((await cli('status', '--json')).out) as Array<{ name: string }>;
    const volume = await res.volume();
    const name = uniqueName('cli-upgrade');
    res.containers.push(name);
    expect(
      (await cli('launch', '--volume', volume, '--image', AI_LAB_FIXTURES.aiLab1.image, '--port', String(await freePort()), '--name', name, '--timeout', '30'))
        .code,
    ).toBe(EXIT.OK);
    if (list.length > 0) {
      // Other AI-Lab containers exist on this engine (other tests): the name is required then.
      const ambiguous = await cli('upgrade', '--image', AI_LAB_FIXTURES.aiLab6.image, '--yes');
      expect(ambiguous.code).toBe(EXIT.USAGE);
      expect(ambiguous.err).toMatch(/name the one to upgrade/);
    }
    const up = await cli('upgrade', name, '--image', AI_LAB_FIXTURES.aiLab6.image, '--yes', '--backup-dir', backups, '--timeout', '60');
    expect(up.code).toBe(EXIT.OK);
    expect(up.err).toMatch(/The notebooks folder moves from \/root\/notebooks to \/home\/jupyter\/notebooks/);
    expect(up.out).toMatch(/AI-Lab .*6\.1\.0 is ready: http:\/\/127\.0\.0\.1:\d+\//);
    expect(up.out).toContain(`ailab upgrade --keep ${name}`);
    const keep = await cli('upgrade', '--keep', name);
    expect(keep.code).toBe(EXIT.OK);
    expect(keep.out).toMatch(/was removed\. The backup from before the upgrade stays at/);
  });
});
