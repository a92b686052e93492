import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyStartAtLogin, autostartFile, desktopEntry, execArg, startedHidden, type LoginItemHost } from '../../electron/main/loginItem';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function host(platform: NodeJS.Platform, over: Partial<LoginItemHost> = {}) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-login-'));
  dirs.push(home);
  const setLoginItemSettings = vi.fn<LoginItemHost['setLoginItemSettings']>();
  const h: LoginItemHost = { platform, execPath: '/opt/AI-Lab Desktop/ai-lab-desktop', appPath: null, env: { HOME: home }, setLoginItemSettings, ...over };
  return Object.assign(h, { setLoginItemSettings });
}

describe('start at login', () => {
  it('macOS: a login item that opens hidden', async () => {
    const h = host('darwin');
    await applyStartAtLogin(true, h);
    expect(h.setLoginItemSettings).toHaveBeenCalledWith({ openAtLogin: true, openAsHidden: true });
    await applyStartAtLogin(false, h);
    expect(h.setLoginItemSettings).toHaveBeenLastCalledWith({ openAtLogin: false, openAsHidden: false });
  });

  it('Windows: a login item that starts the binary with --hidden (the app folder first in development)', async () => {
    const h = host('win32', { execPath: 'C:\\Program Files\\AI-Lab Desktop\\AI-Lab Desktop.exe' });
    await applyStartAtLogin(true, h);
    expect(h.setLoginItemSettings).toHaveBeenCalledWith({
      openAtLogin: true,
      path: 'C:\\Program Files\\AI-Lab Desktop\\AI-Lab Desktop.exe',
      args: ['--hidden'],
    });
    const dev = host('win32', { appPath: 'C:\\src\\ai-lab-desktop' });
    await applyStartAtLogin(false, dev);
    expect(dev.setLoginItemSettings).toHaveBeenCalledWith(expect.objectContaining({ openAtLogin: false, args: ['C:\\src\\ai-lab-desktop', '--hidden'] }));
  });

  it('Linux: an XDG autostart entry (0600, in ~/.config/autostart) written and removed; Electron untouched', async () => {
    const h = host('linux');
    const file = autostartFile(h.env);
    expect(file).toBe(path.join(h.env.HOME as string, '.config', 'autostart', 'ai-lab-desktop.desktop'));
    await applyStartAtLogin(true, h);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toMatch(/^\[Desktop Entry\]\nType=Application\n/);
    expect(text).toContain('Exec="/opt/AI-Lab Desktop/ai-lab-desktop" "--hidden"\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(h.setLoginItemSettings).not.toHaveBeenCalled();
    await applyStartAtLogin(false, h);
    expect(fs.existsSync(file)).toBe(false);
    // Turning off what was never on is fine.
    await applyStartAtLogin(false, h);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('Linux: honours an absolute XDG_CONFIG_HOME, ignores a relative one', () => {
    expect(autostartFile({ HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' })).toBe('/cfg/autostart/ai-lab-desktop.desktop');
    expect(autostartFile({ HOME: '/home/u', XDG_CONFIG_HOME: 'cfg' })).toBe('/home/u/.config/autostart/ai-lab-desktop.desktop');
  });

  it('quotes Exec arguments by the desktop entry spec, so no character of a path acts as syntax', () => {
    expect(execArg('/opt/a b/app')).toBe('"/opt/a b/app"');
    expect(execArg('/o/$HOME`x`"q"')).toBe('"/o/\\\\$HOME\\\\`x\\\\`\\\\"q\\\\""');
    expect(execArg('/o/back\\slash')).toBe('"/o/back\\\\\\\\slash"');
    expect(execArg('/o/100%')).toBe('"/o/100%%"');
    expect(() => execArg('/o/new\nline')).toThrow(/line break/);
    expect(desktopEntry(['/a', '--hidden'])).toContain('Exec="/a" "--hidden"\n');
  });

  it('knows a hidden start by --hidden or by macOS opening it hidden', () => {
    expect(startedHidden(['/app', '--hidden'], false)).toBe(true);
    expect(startedHidden(['/app'], true)).toBe(true);
    expect(startedHidden(['/app'], false)).toBe(false);
  });
});
