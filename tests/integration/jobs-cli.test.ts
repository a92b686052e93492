import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPrivateCli } from '../support/cli';
import { ailabProcess, jsonLines } from '../support/cliProcess';
import { docker, uniqueName } from '../support/docker';
import { createVolume, inVolume, newVolumeName, removeTestVolumes, RICH_CONTENT, tempDir, trackVolume, treeOf } from './jobs-support';

let cli: string;
let home: string;
let out: string;
let source: string;

beforeAll(async () => {
  cli = await buildPrivateCli('jobs-cli-');
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-jobs-cli-home-'));
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ helperImage: 'ubuntu' }));
  out = tempDir();
  source = await createVolume('jobs-cli-src');
  await inVolume(source, RICH_CONTENT);
});

afterAll(async () => {
  await removeTestVolumes();
  for (const d of [home, out, cli && path.dirname(cli)]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

const ailab = ailabProcess(
  () => cli,
  () => home,
);

describe('ailab backup / restore', () => {
  it('backs up with --json event lines ending in the result and the peak memory', async () => {
    const file = path.join(out, 'cli.tgz');
    const r = await ailab(['backup', source, '--out', file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout);
    expect(events.some((e) => e.event === 'progress' && e.phase === 'packing')).toBe(true);
    expect(events.some((e) => e.event === 'log' && (e.lines as string[]).includes('./venv/bin/python'))).toBe(true);
    const last = events[events.length - 1] as { event: string; status: string; result: { file: string; entries: number; sha256: string }; maxRssKb: number };
    expect(last).toMatchObject({ event: 'finished', status: 'succeeded' });
    expect(last.result.file).toBe(file);
    expect(last.maxRssKb).toBeGreaterThan(10_000);
    expect(fs.existsSync(file)).toBe(true);
  });

  it('prints a line per second and a summary when not on a terminal', async () => {
    const r = await ailab(['backup', source, '--out', out, '--engine', 'tar']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Backed up .* to .*\.tgz$/m);
    expect(r.stdout).toMatch(/entries, .* compressed/);
    expect(r.stdout).toMatch(/sha256 [0-9a-f]{64}/);
  });

  it('restores into a new volume, identical to the source', async () => {
    const target = newVolumeName('jobs-cli-new');
    // A copy without its sidecar: the plan is read and printed first (with the sidecar, the app's own
    // backup goes into a new volume in one pass with a one-line plan; see the one-pass test below).
    const copy = path.join(out, 'cli-copy.tgz');
    fs.copyFileSync(path.join(out, 'cli.tgz'), copy);
    const r = await ailab(['restore', copy, target]);
    expect(r.stderr).toBe('');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Archive cli-copy\.tgz: \d+ entries/);
    expect(r.stdout).toMatch(/ai_lab_secure_configuration_storage\.sqlite: restoring it brings back/);
    expect(r.stdout).toContain(`Restored cli-copy.tgz into the new volume ${target}.\n`);
    // Counted alike: the archive's entries, "./" included, and the same number in the volume.
    const [, entries, counted] = /\n {2}([\d,]+) entries, .*; ([\d,]+) counted in the volume\n/.exec(r.stdout) ?? [];
    expect(entries).toMatch(/^[\d,]+$/);
    expect(counted).toBe(entries);
    expect(await treeOf(target)).toEqual(await treeOf(source));
  });

  it('restores its own backup into a new volume in one pass: no plan read first, the same tree', async () => {
    // No labels on the source, so the sidecar has none to lend (labels make the restore check first).
    const plain = trackVolume(uniqueName('jobs-cli-plain'));
    await docker.createVolume({ Name: plain });
    await inVolume(plain, RICH_CONTENT);
    const file = path.join(out, 'plain.tgz');
    expect((await ailab(['backup', plain, '--out', file])).code).toBe(0);
    const target = newVolumeName('jobs-cli-onepass');
    const r = await ailab(['restore', file, target, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const events = jsonLines(r.stdout) as Array<{ event: string; plan?: unknown; onePass?: { manifest: { volume: string } } }>;
    expect(events[0]).toMatchObject({ event: 'plan', plan: null, onePass: { manifest: { volume: plain } } });
    const log = events
      .filter((e) => e.event === 'log')
      .map((e) => JSON.stringify(e))
      .join('\n');
    expect(log).toMatch(/the archive is read once/);
    expect(log).not.toMatch(/Reading the whole archive/);
    expect(await treeOf(target)).toEqual(await treeOf(plain));
    const text = await ailab(['restore', file, newVolumeName('jobs-cli-onepass')]);
    expect(text.stdout).toMatch(new RegExp(`^Backup of volume ${plain}, made .*: [\\d,]+ entries, .*read once with every entry checked on the way\\.$`, 'm'));
  });

  it('needs --mode and --yes for an existing volume when not on a terminal', async () => {
    const noMode = await ailab(['restore', path.join(out, 'cli.tgz'), source]);
    expect(noMode.code).toBe(5);
    expect(noMode.stderr).toMatch(/--mode replace/);
    const noYes = await ailab(['restore', path.join(out, 'cli.tgz'), source, '--mode', 'merge']);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/--yes/);
    const ok = await ailab(['restore', path.join(out, 'cli.tgz'), source, '--mode', 'merge', '--yes', '--json']);
    expect(ok.code).toBe(0);
    expect(jsonLines(ok.stdout)[0]).toMatchObject({ event: 'plan' });
  });

  it('exits with codes that tell failures apart', async () => {
    const bad = path.join(out, 'bad.tgz');
    fs.writeFileSync(bad, 'not an archive');
    const invalid = await ailab(['restore', bad, newVolumeName('jobs-cli-x')]);
    expect(invalid.code).toBe(6);
    expect(invalid.stderr).toMatch(/not a tar or gzip archive/);
    const missing = await ailab(['backup', 'jobs-no-such-volume-xyz']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/no volume named/);
    const usage = await ailab(['backup']);
    expect(usage.code).toBe(2);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('cancels cleanly on %s and exits with 130', async (signal) => {
    const big = await createVolume('jobs-cli-big');
    await inVolume(big, 'for i in 1 2 3 4 5; do head -c 20000000 /dev/urandom > /volume/b$i.bin; done');
    const file = path.join(out, 'interrupted.tgz');
    let sent = false;
    const r = await ailab(['backup', big, '--out', file, '--json'], {
      onStdout: (text, child) => {
        if (!sent && /"phase":"packing","filesDone":[1-9]/.test(text)) {
          sent = true;
          child.kill(signal);
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    const last = jsonLines(r.stdout).pop();
    expect(last).toMatchObject({ event: 'finished', status: 'cancelled' });
    expect(fs.readdirSync(out).filter((n) => n.includes('interrupted'))).toEqual([]);
  });
});
