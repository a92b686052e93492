import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bundlePath, ensureBuilt } from '../support/build';

// Measured on the 2-core machine: `ailab --version` took 0.33-0.37 s while the bundle loaded BuildKit's
// gRPC session and two ssh clients at start, 0.23-0.25 s since (scripts/build.mjs LAZY_REQUIRES,
// offsite/sftpSession.ts). Timing is for the bench; this checks that the heavy modules stay unloaded.
describe('the built CLI starts without what most commands never use', () => {
  it('loads neither @grpc, protobufjs nor ssh2 until a command needs them', () => {
    ensureBuilt('cli');
    const probe = `require(${JSON.stringify(bundlePath('cli'))});
      process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\\\/](@grpc|protobufjs|ssh2)[\\\\/]/.test(f))));`;
    const loaded = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' })) as string[];
    expect(loaded).toEqual([]);
    // The probe is able to see them: requiring dockerode as shipped loads all three.
    const shipped = `require('dockerode');
      process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => /node_modules[\\\\/](@grpc|protobufjs|ssh2)[\\\\/]/.test(f)).length));`;
    expect(Number(execFileSync(process.execPath, ['-e', shipped], { encoding: 'utf8' }))).toBeGreaterThan(0);
  });
});
