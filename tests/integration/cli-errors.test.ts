import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../electron/cli/exitCodes';
import { ailabInProcess as ailab, cliHome, type CliResult } from '../support/cli';
import { uniqueName } from '../support/docker';
import { GNU_TAR_IMAGE } from '../support/fixtures';
import { testResources } from '../support/resources';

// Issue 12: every command that takes --json prints its error as one JSON object on stdout, with the
// code and the exit code it has without --json; and without it, the error says each thing once.
const res = testResources('cli-errors');
const home = cliHome('cli-errors', { helperImage: GNU_TAR_IMAGE });

afterAll(() => res.removeAll());

/** The one JSON object a failed --json command prints, checked against the exit code. */
function jsonError(r: CliResult, code: string, exitCode: number): { ok: false; error: { code: string; message: string; hint?: string }; exitCode: number } {
  expect(r.code).toBe(exitCode);
  expect(r.err).toBe('');
  const lines = r.out.trim().split('\n');
  const last = JSON.parse(lines[lines.length - 1] as string) as { ok: false; error: { code: string; message: string; hint?: string }; exitCode: number };
  expect(last).toMatchObject({ ok: false, error: { code }, exitCode });
  return last;
}

describe('ailab --json errors', () => {
  it('backup: a missing volume, and a missing argument', async () => {
    const missing = uniqueName('cli-nope');
    const e = jsonError(await ailab('backup', missing, '--json'), 'VOLUME_NOT_FOUND', EXIT.NOT_FOUND);
    expect(e.error.message).toBe(`There is no volume named ${missing}.`);
    // A backup has nothing to restore: the hint does not suggest one.
    expect(e.error.hint).not.toMatch(/restore/i);
    jsonError(await ailab('backup', '--json'), 'USAGE', EXIT.USAGE);
  });

  it('restore: a missing file, a taken volume without --mode, and a merge without --yes', async () => {
    jsonError(await ailab('restore', path.join(home(), 'nope.tgz'), 'x-vol', '--json'), 'FILE_NOT_FOUND', EXIT.NOT_FOUND);
    const volume = await res.volume();
    const archive = path.join(home(), 'small.tar');
    fs.mkdirSync(path.join(home(), 'content'));
    fs.writeFileSync(path.join(home(), 'content', 'a.txt'), 'a');
    execFileSync('tar', ['-cf', archive, '-C', path.join(home(), 'content'), '.']);
    const exists = await ailab('restore', archive, volume, '--json');
    // The plan comes first (a JSON line), then the error as the last line.
    expect(JSON.parse(exists.out.split('\n')[0] as string)).toMatchObject({ event: 'plan' });
    jsonError(exists, 'VOLUME_EXISTS', EXIT.CONFLICT);
    const merge = jsonError(await ailab('restore', archive, volume, '--mode', 'merge', '--json'), 'USAGE', EXIT.USAGE);
    expect(merge.error.message).toMatch(/needs confirmation: add --yes/);
  });

  it('launch, volumes, an unknown command', async () => {
    jsonError(await ailab('launch', '--volume', 'x-vol', '--name', 'bad name!', '--json'), 'INVALID_ARGUMENT', EXIT.INVALID_INPUT);
    jsonError(await ailab('launch', '--port', '99999', '--volume', 'x-vol', '--json'), 'USAGE', EXIT.USAGE);
    jsonError(await ailab('volumes', 'inspect', uniqueName('cli-nope'), '--json'), 'VOLUME_NOT_FOUND', EXIT.NOT_FOUND);
    jsonError(await ailab('frobnicate', '--json'), 'USAGE', EXIT.USAGE);
  });

  it('without --json: text on stderr, the same exit code, each sentence once', async () => {
    const missing = uniqueName('cli-nope');
    const r = await ailab('backup', missing);
    expect(r).toMatchObject({ code: EXIT.NOT_FOUND, out: '' });
    expect(r.err).toBe(`Error: There is no volume named ${missing}.\n  Check the name: the volume list (or \`ailab volumes\`) shows the volumes there are.\n`);
    const corrupt = path.join(home(), 'corrupt.tgz');
    fs.writeFileSync(corrupt, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), Buffer.alloc(40, 7)]));
    const bad = await ailab('restore', corrupt, uniqueName('cli-new'));
    expect(bad.code).toBe(EXIT.INVALID_INPUT);
    expect(bad.err.match(/Nothing was changed\./g)).toHaveLength(1);
  });
});
