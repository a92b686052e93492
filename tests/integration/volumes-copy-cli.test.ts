import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/cli/main';
import { EXIT } from '../../electron/cli/exitCodes';
import { ailabInProcess as ailab, cliHome } from '../support/cli';
import { GNU_TAR_IMAGE } from '../support/fixtures';
import { testResources } from '../support/resources';
import { inVolume } from './jobs-support';

const res = testResources('cli-cp');
cliHome('cli-cp', { helperImage: GNU_TAR_IMAGE });
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-cli-cp-'));
  dirs.push(d);
  return d;
};

afterAll(async () => {
  await res.removeAll();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function volumeWithNotebooks(): Promise<string> {
  const v = await res.volume();
  await inVolume(v, 'mkdir -p /volume/nb/sub && printf hello > /volume/nb/a.ipynb && printf deep > /volume/nb/sub/d.txt && chown -R 1001:1001 /volume/nb');
  return v;
}

/** The CLI in this process with binary stdin/stdout. */
async function ailabBinary(argv: string[], input?: Buffer): Promise<{ code: number; stdout: Buffer; err: string }> {
  const chunks: Buffer[] = [];
  const binaryOut = new PassThrough();
  binaryOut.on('data', (c: Buffer) => chunks.push(c));
  let err = '';
  const code = await runCli(argv, {
    out: (t) => void chunks.push(Buffer.from(t)),
    err: (t) => void (err += t),
    tty: false,
    binaryOut,
    binaryIn: input ? Readable.from([input]) : undefined,
  });
  return { code, stdout: Buffer.concat(chunks), err };
}

describe('ailab volumes cp', () => {
  it('documents cp in its help', async () => {
    const r = await ailab('volumes', '--help');
    for (const word of ['cp VOLUME:PATH HOSTPATH', 'cp HOSTPATH... VOLUME:FOLDER', '--as-tgz', '--conflict overwrite|keep-both|skip', '--owner auto|UID:GID']) {
      expect(r.out).toContain(word);
    }
  });

  it('copies out into a folder, as a new name, as .tgz, and refuses a taken name (exit 5)', async () => {
    const v = await volumeWithNotebooks();
    const dest = tmp();
    const into = await ailab('volumes', 'cp', `${v}:/nb`, dest);
    expect(into.code, into.err).toBe(EXIT.OK);
    expect(into.out).toBe(`Copied ${v}:/nb to ${path.join(dest, 'nb')} (4 entries, 9 B).\n`);
    expect(fs.readFileSync(path.join(dest, 'nb', 'sub', 'd.txt'), 'utf8')).toBe('deep');

    const renamed = await ailab('volumes', 'cp', `${v}:nb/a.ipynb`, path.join(dest, 'b.ipynb'), '--json');
    expect(renamed.code, renamed.err).toBe(EXIT.OK);
    expect(JSON.parse(renamed.out)).toEqual({ written: path.join(dest, 'b.ipynb'), entries: 1, bytes: 5 });

    const tgz = await ailab('volumes', 'cp', '--as-tgz', `${v}:./nb`, dest);
    expect(tgz.code, tgz.err).toBe(EXIT.OK);
    expect(
      execFileSync('tar', ['-tzf', path.join(dest, 'nb.tgz')], { encoding: 'utf8' })
        .split('\n')
        .sort(),
    ).toEqual(['', './', './a.ipynb', './sub/', './sub/d.txt']);

    const taken = await ailab('volumes', 'cp', `${v}:nb`, dest);
    expect(taken.code).toBe(EXIT.CONFLICT);
    expect(taken.err).toContain(`"nb" already exists in ${dest}`);
  });

  it('writes a tar stream to stdout with "-"', async () => {
    const v = await volumeWithNotebooks();
    const r = await ailabBinary(['volumes', 'cp', `${v}:nb`, '-']);
    expect(r.code, r.err).toBe(EXIT.OK);
    const list = execFileSync('tar', ['-tvf', '-', '--numeric-owner'], { input: r.stdout, encoding: 'utf8' });
    expect(list).toMatch(/1001\/1001 +5 .* nb\/a\.ipynb/);
    expect(list).toContain('nb/sub/d.txt');
  });

  it('copies in with owner auto, refuses a conflict without --conflict (exit 6), then keeps both', async () => {
    const v = await volumeWithNotebooks();
    const src = tmp();
    fs.writeFileSync(path.join(src, 'a.ipynb'), 'mine');
    const first = await ailab('volumes', 'cp', path.join(src, 'a.ipynb'), `${v}:/nb`);
    expect(first.code).toBe(EXIT.INVALID_INPUT);
    expect(first.err).toContain('"a.ipynb"');
    expect(first.err).toContain('--conflict overwrite|keep-both|skip');
    const both = await ailab('volumes', 'cp', '--conflict', 'keep-both', path.join(src, 'a.ipynb'), `${v}:/nb`);
    expect(both.code, both.err).toBe(EXIT.OK);
    expect(both.out).toBe(
      `Copied 1 item into ${v}:/nb, owned by 1001:1001.\n  nb/a (copy).ipynb\n  kept both: nb/a (copy).ipynb (the volume's nb/a.ipynb is unchanged)\n`,
    );
    expect(await inVolume(v, 'stat -c %u:%g "/volume/nb/a (copy).ipynb"; cat /volume/nb/a.ipynb')).toBe('1001:1001\nhello');
  });

  it('reads a tar stream from stdin with "-", with the explicit owner and the conflict rules', async () => {
    const v = await volumeWithNotebooks();
    const src = tmp();
    fs.mkdirSync(path.join(src, 'pkg'));
    fs.writeFileSync(path.join(src, 'pkg', 'm.py'), 'x=1\n');
    fs.writeFileSync(path.join(src, 'a.ipynb'), 'mine');
    const tarball = execFileSync('tar', ['-C', src, '-cf', '-', 'pkg', 'a.ipynb']);
    const refused = await ailabBinary(['volumes', 'cp', '-', `${v}:nb`], tarball);
    expect(refused.code).toBe(EXIT.INVALID_INPUT);
    expect(await inVolume(v, 'ls -A /volume/nb | tr "\\n" "|"')).toBe('a.ipynb|sub|');
    const r = await ailabBinary(['volumes', 'cp', '--conflict', 'skip', '--owner', '42:43', '--json', '-', `${v}:nb`], tarball);
    expect(r.code, r.err).toBe(EXIT.OK);
    expect(JSON.parse(r.stdout.toString())).toMatchObject({ copied: ['nb/pkg'], skipped: ['nb/a.ipynb'], uid: 42, gid: 43 });
    expect(await inVolume(v, 'stat -c %u:%g /volume/nb/pkg/m.py; cat /volume/nb/a.ipynb; ls -A /volume/nb | tr "\\n" "|"')).toBe(
      '42:43\nhelloa.ipynb|pkg|sub|',
    );
  });

  it('refuses usage mistakes', async () => {
    expect((await ailab('volumes', 'cp', 'a', 'b')).code).toBe(EXIT.USAGE);
    expect((await ailab('volumes', 'cp', 'v1:a', 'v2:b')).code).toBe(EXIT.USAGE);
    expect((await ailab('volumes', 'cp', '--owner', '1:1', 'v1:a', '/tmp')).code).toBe(EXIT.USAGE);
  });
});
