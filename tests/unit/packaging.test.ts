import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { flipFuses, FuseV1Options, getCurrentFuseWire, type FuseConfig } from '@electron/fuses';
import { PlatformPackager, type Configuration } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { DebugLogger } from 'builder-util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// electron-builder.yml as electron-builder reads it: the same schema check, and its own mapping of
// `electronFuses` onto @electron/fuses, applied to a stand-in for Electron's binary (the real one
// cannot be downloaded here). A misspelt key fails the schema; a fuse left at Electron's default
// fails the wire.

const ROOT = path.resolve(__dirname, '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-fuses-'));
/** @electron/fuses' byte values for a fuse that is on or off. */
const ON = '1'.charCodeAt(0);
const OFF = '0'.charCodeAt(0);
let config: Configuration;

beforeAll(async () => {
  // Read the way `electron-builder` reads it (electron-builder.yml in the project folder).
  config = await getConfig(ROOT, null, null);
}, 60_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** What Electron ships: the sentinel, wire version 1, the wire length, then each fuse as '0'/'1'. */
function standInElectron(): string {
  const defaults = {
    RunAsNode: 1,
    EnableCookieEncryption: 0,
    EnableNodeOptionsEnvironmentVariable: 1,
    EnableNodeCliInspectArguments: 1,
    EnableEmbeddedAsarIntegrityValidation: 0,
    OnlyLoadAppFromAsar: 0,
    LoadBrowserProcessSpecificV8Snapshot: 0,
    GrantFileProtocolExtraPrivileges: 1,
  };
  const wire = Object.values(defaults).map((on) => (on ? ON : OFF));
  const file = path.join(tmp, 'electron');
  fs.writeFileSync(
    file,
    Buffer.concat([
      Buffer.alloc(4096, 0x90),
      Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'),
      Buffer.from([1, wire.length, ...wire]),
      Buffer.alloc(4096, 0x90),
    ]),
  );
  return file;
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema check", async () => {
    expect(config.electronFuses).toBeDefined();
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // The check has teeth: a misspelt fuse is refused, not ignored.
    await expect(validateConfiguration({ ...config, electronFuses: { runAsnode: false } } as Configuration, new DebugLogger(false))).rejects.toThrow(
      /Invalid configuration object[\s\S]*electronFuses/,
    );
    // Loading electron-builder's schema validator takes seconds on a busy machine.
  }, 60_000);

  it('turns Electron into no Node runtime, encrypts cookies and loads only the checked app.asar', async () => {
    expect(config.asar).toBe(true);
    // The mapping electron-builder applies when packaging (private in its types, a plain method at run time).
    const generate = (PlatformPackager.prototype as unknown as { generateFuseConfig(f: unknown): Promise<FuseConfig> }).generateFuseConfig;
    const binary = standInElectron();
    await flipFuses(binary, await generate(config.electronFuses));
    const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
    const state = (f: FuseV1Options) => (wire[f] === ON ? 'on' : wire[f] === OFF ? 'off' : `? ${wire[f]}`);
    expect({
      runAsNode: state(FuseV1Options.RunAsNode),
      nodeOptions: state(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      inspectArguments: state(FuseV1Options.EnableNodeCliInspectArguments),
      cookieEncryption: state(FuseV1Options.EnableCookieEncryption),
      asarIntegrity: state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyAsar: state(FuseV1Options.OnlyLoadAppFromAsar),
      fileProtocolPrivileges: state(FuseV1Options.GrantFileProtocolExtraPrivileges),
    }).toEqual({
      runAsNode: 'off',
      nodeOptions: 'off',
      inspectArguments: 'off',
      cookieEncryption: 'on',
      asarIntegrity: 'on',
      onlyAsar: 'on',
      fileProtocolPrivileges: 'off',
    });
  });
});
