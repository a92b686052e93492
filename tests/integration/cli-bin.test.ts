import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import pkg from '../../package.json';
import { ensureBuilt } from '../support/build';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'ailab.cjs');

// The package's bin entry, as `npx ailab` runs it (not the bundle directly).
describe('bin/ailab.cjs', () => {
  beforeAll(() => ensureBuilt('cli'), 180_000);

  it('prints the version', () => {
    expect(execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' }).trim()).toBe(pkg.version);
  });

  it('prints help with the exit codes and fails on an unknown command', () => {
    const help = execFileSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/Commands:/);
    expect(help).toMatch(/Exit codes:/);
    const bad = spawnSync(process.execPath, [BIN, 'frobnicate'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frobnicate"/);
  });

  it('lists the engine volumes', () => {
    const res = spawnSync(process.execPath, [BIN, 'volumes', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, AILAB_DESKTOP_HOME: path.join(ROOT, '.tmp', 'cli-bin-home') },
    });
    expect(res.status).toBe(0);
    expect(Array.isArray(JSON.parse(res.stdout))).toBe(true);
  });
});
