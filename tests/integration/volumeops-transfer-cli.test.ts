import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import { ailabInProcess as ailab, cliHome } from '../support/cli';
import { TEST_LABEL, uniqueName } from '../support/docker';
import { startSecondEngine, withContexts, type SecondEngine } from '../support/secondEngine';
import { createVolume, inVolume, removeTestVolumes, RICH_CONTENT, SEED_IMAGE, treeOf } from './jobs-support';

/** `ailab volumes transfer` against a second real dockerd (the `xfer` context of a DOCKER_CONFIG of its own). */
cliHome('xfer-cli', { helperImage: SEED_IMAGE });
let second: SecondEngine;
let configDir: string;
let source: string;
const onSecond: string[] = [];
const savedDockerConfig = process.env.DOCKER_CONFIG;

beforeAll(async () => {
  second = await startSecondEngine('xfer', 8);
  configDir = withContexts(fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-xfer-cli-config-')), { xfer: second.host });
  process.env.DOCKER_CONFIG = configDir;
  source = await createVolume('xfer-cli');
  await inVolume(source, RICH_CONTENT);
}, 120_000);

afterAll(async () => {
  for (const n of onSecond)
    await second?.docker
      .getVolume(n)
      .remove({ force: true })
      .catch(() => undefined);
  await second?.stop();
  await removeTestVolumes();
  if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = savedDockerConfig;
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
});

function target(): string {
  const n = uniqueName('xfer-cli-to');
  onSecond.push(n);
  return n;
}

describe('ailab volumes transfer', () => {
  it('documents itself in the help', async () => {
    const r = await ailab('volumes', '--help');
    for (const word of ['transfer VOLUME --to-context CTX [--as NAME] [--mode new|replace|merge]', '--to-context', '--as NAME']) expect(r.out).toContain(word);
  });

  it('transfers, says where to and that it was verified; the copy is exact', async () => {
    const as = target();
    const r = await ailab('volumes', 'transfer', source, '--to-context', 'xfer', '--as', as);
    expect(r.code, r.err).toBe(EXIT.OK);
    expect(r.out).toContain(`Transferred ${source} to ${as} on xfer (${second.host}), verified on arrival.`);
    expect(await treeOf(as, second.docker)).toEqual(await treeOf(source));
  }, 120_000);

  it('--json ends with the result', async () => {
    const as = target();
    const r = await ailab('volumes', 'transfer', source, '--to-context', 'xfer', '--as', as, '--json');
    expect(r.code, r.err).toBe(EXIT.OK);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines[lines.length - 1] as { event?: string; job?: { result?: Record<string, unknown> }; result?: Record<string, unknown> };
    const result = last.job?.result ?? last.result;
    expect(result).toMatchObject({
      kind: 'transfer',
      volume: source,
      as,
      toContext: 'xfer',
      toEngine: second.host,
      mode: 'new',
      verified: true,
      createdVolume: true,
    });
  }, 120_000);

  it('refuses a taken name (exit 5), an unknown context naming the known ones (exit 6), and a missing option (exit 2)', async () => {
    const as = target();
    await second.docker.createVolume({ Name: as, Labels: TEST_LABEL });
    const taken = await ailab('volumes', 'transfer', source, '--to-context', 'xfer', '--as', as);
    expect(taken.code).toBe(EXIT.CONFLICT);
    expect(taken.err).toContain(`A volume named ${as} already exists on xfer (${second.host})`);
    const unknown = await ailab('volumes', 'transfer', source, '--to-context', 'nowhere');
    expect(unknown.code).toBe(EXIT.INVALID_INPUT);
    expect(unknown.err).toContain('There is no docker context "nowhere". Known contexts: default, xfer.');
    const missing = await ailab('volumes', 'transfer', source);
    expect(missing.code).toBe(EXIT.USAGE);
    expect(missing.err).toContain('--to-context CTX');
  }, 60_000);
});
