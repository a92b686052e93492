import { z } from 'zod';
import { event, method } from './define';
import { settingsPatchSchema, type Settings } from './settings';

export type RunMode = 'electron' | 'browser';

export interface AppInfo {
  name: string;
  version: string;
  mode: RunMode;
  platform: string;
  settingsFile: string;
  /** Set when the settings file was unreadable and defaults are in use. */
  settingsWarning: string | null;
}

export const appMethods = {
  getAppInfo: method<AppInfo>()(z.tuple([])),
  getSettings: method<Settings>()(z.tuple([])),
  updateSettings: method<Settings>()(z.tuple([settingsPatchSchema])),
};

export const appEvents = {
  settingsChanged: event<Settings>(),
  /**
   * Browser mode only: main asks the page to open a URL that main built (the page cannot open one of
   * its own choosing through this). Electron opens URLs in main with shell.openExternal instead.
   */
  openUrl: event<{ url: string; /** Set by the browser client when the browser refused the pop-up. */ popupBlocked?: boolean }>(),
};
