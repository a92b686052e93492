import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../services/core/atomicWrite';

/** The argument that starts the app hidden: tray only, no window (start at login). */
export const HIDDEN_ARG = '--hidden';

/** What applying "start at login" needs of Electron's app and the process (structural, so tests fake it). */
export interface LoginItemHost {
  platform: NodeJS.Platform;
  /** process.execPath: the app's own binary, never anything the user typed. */
  execPath: string;
  /** The app folder to pass to the binary when it is not packaged (`electron .` in development), else null. */
  appPath: string | null;
  env: NodeJS.ProcessEnv;
  setLoginItemSettings(settings: { openAtLogin: boolean; openAsHidden?: boolean; path?: string; args?: string[] }): void;
}

/** ~/.config/autostart/ai-lab-desktop.desktop, or under $XDG_CONFIG_HOME (an absolute one, as the spec says). */
export function autostartFile(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  const config = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config');
  return path.join(config, 'autostart', 'ai-lab-desktop.desktop');
}

/**
 * One argument of a desktop entry's Exec key: always quoted, with `"`, `` ` ``, `$` and `\` escaped
 * inside the quotes, then the string-level escaping of `\` (so a literal backslash is four), and `%`
 * doubled (field codes). No shell is involved: the session starts the program with these arguments.
 */
export function execArg(arg: string): string {
  if (/[\n\r\0]/.test(arg)) throw new Error('A path with a line break cannot go into an autostart entry.');
  const quoted = `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}

export function desktopEntry(argv: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=AI-Lab Desktop',
    'Comment=Runs your AI-Lab backup plans in the tray',
    `Exec=${argv.map(execArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * Makes the app start (hidden) at login, or no longer. macOS and Windows: Electron's login item
 * (`openAsHidden` on macOS, `--hidden` in the Windows entry). Linux: an XDG autostart entry, written
 * atomically and 0600 like every file the app writes (only the user's own session reads it), removed
 * when turned off.
 */
export async function applyStartAtLogin(enabled: boolean, host: LoginItemHost): Promise<void> {
  const args = [...(host.appPath ? [host.appPath] : []), HIDDEN_ARG];
  if (host.platform === 'darwin' || host.platform === 'win32') {
    host.setLoginItemSettings({
      openAtLogin: enabled,
      ...(host.platform === 'darwin' ? { openAsHidden: enabled } : { path: host.execPath, args }),
    });
    return;
  }
  const file = autostartFile(host.env);
  if (enabled) await writeFileAtomic(file, desktopEntry([host.execPath, ...args]));
  else await fs.rm(file, { force: true });
}

/** Whether this start asked for no window (the login item's `--hidden`, or macOS's hidden login). */
export function startedHidden(argv: readonly string[], wasOpenedAsHidden: boolean): boolean {
  return argv.includes(HIDDEN_ARG) || wasOpenedAsHidden;
}
