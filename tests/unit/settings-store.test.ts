import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../shared/contract/settings';
import { settingsFile, userDataDir } from '../../electron/services/settings/paths';
import { SettingsStore } from '../../electron/services/settings/settingsStore';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-settings-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('SettingsStore', () => {
  it('starts from defaults when there is no file, and persists updates atomically', async () => {
    const file = path.join(dir, 'settings.json');
    const store = new SettingsStore(file);
    expect(await store.load()).toEqual(defaultSettings());
    await store.update({ backupDir: '/tmp/backups', hostPort: 50000 });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ backupDir: '/tmp/backups', hostPort: 50000 });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const again = new SettingsStore(file);
    expect((await again.load()).hostPort).toBe(50000);
  });

  it('keeps a corrupt file aside, uses defaults and warns', async () => {
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, '{ not json');
    const store = new SettingsStore(file);
    expect(await store.load()).toEqual(defaultSettings());
    expect(store.getWarning()).toMatch(/not valid JSON/);
    const aside = fs.readdirSync(dir).find((f) => f.startsWith('settings.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(fs.readFileSync(path.join(dir, aside as string), 'utf8')).toBe('{ not json');
  });

  it('treats a schema violation as corrupt too', async () => {
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, JSON.stringify({ hostPort: 'eighty' }));
    const store = new SettingsStore(file);
    await store.load();
    expect(store.getWarning()).toMatch(/does not match/);
  });

  it('rejects invalid updates without changing anything', async () => {
    const store = new SettingsStore(path.join(dir, 'settings.json'));
    await store.load();
    await expect(store.update({ listenIp: 'not-an-ip' } as never)).rejects.toMatchObject({ code: 'SETTINGS_INVALID' });
    expect(store.get()).toEqual(defaultSettings());
  });
});

describe('userDataDir', () => {
  it('matches Electron per platform and honours the override', () => {
    expect(userDataDir({ HOME: '/home/u' }, 'linux')).toBe('/home/u/.config/AI-Lab Desktop');
    expect(userDataDir({ HOME: '/home/u', XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/AI-Lab Desktop');
    expect(userDataDir({ HOME: '/Users/u' }, 'darwin')).toBe('/Users/u/Library/Application Support/AI-Lab Desktop');
    expect(userDataDir({ HOME: 'C:\\Users\\u', APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toContain('AI-Lab Desktop');
    expect(settingsFile({ AILAB_DESKTOP_HOME: '/tmp/h' })).toBe('/tmp/h/settings.json');
  });
});
