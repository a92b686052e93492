import os from 'node:os';
import path from 'node:path';

export const PRODUCT_NAME = 'AI-Lab Desktop';

/**
 * The app's user-data folder, computed the way Electron's app.getPath('userData') does, so that the
 * desktop app, the browser mode and the CLI share one settings file. AILAB_DESKTOP_HOME overrides it
 * (tests point it at a temporary folder).
 */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.AILAB_DESKTOP_HOME) return path.resolve(env.AILAB_DESKTOP_HOME);
  const home = env.HOME ?? env.USERPROFILE ?? os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
}

export function settingsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(userDataDir(env), 'settings.json');
}
