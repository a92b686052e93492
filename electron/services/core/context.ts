import type { RunMode } from '../../../shared/contract/app';
import type { DockerConnection } from '../docker/types';
import type { SettingsStore } from '../settings/settingsStore';
import type { EventBus } from './eventBus';

/**
 * What every domain (volumes, jobs, launcher) is built from. Plain Node: the Electron main process,
 * the browser-mode server and the CLI all create one of these and hand it to the same handlers.
 */
/** Which kind of process runs this core, for messages naming another process (a lock's holder). */
export type ProcessRole = 'app' | 'server' | 'cli';

export interface CoreServices {
  readonly mode: RunMode;
  /** Unset in test cores: then derived from `mode` (electron: app, else server). */
  readonly role?: ProcessRole;
  readonly version: string;
  readonly bus: EventBus;
  readonly settings: SettingsStore;
  readonly docker: DockerConnection;
  /** The app's user-data folder (settings, job logs, job history). */
  readonly dataDir: string;
  /**
   * Opens a URL that main built itself in the user's browser. Electron: shell.openExternal; browser
   * mode: handed to the page; CLI: the platform opener. Never called with a URL from the renderer.
   */
  readonly openExternal: (url: string) => Promise<void>;
  /** Desktop integration; null in the browser mode and the CLI, where the UI falls back to typed paths. */
  readonly desktop: DesktopIntegration | null;
  /** Register cleanup to run when the process shuts down (in reverse order of registration). */
  onShutdown(fn: () => Promise<void> | void): void;
}

/** What only the Electron main process can do. Implemented in electron/main, used by services. */
export interface DesktopIntegration {
  chooseFolder(opts: { title: string; defaultPath?: string }): Promise<string | null>;
  chooseOpenFile(opts: { title: string; defaultPath?: string; filters?: Array<{ name: string; extensions: string[] }> }): Promise<string | null>;
  chooseSaveFile(opts: { title: string; defaultPath?: string; filters?: Array<{ name: string; extensions: string[] }> }): Promise<string | null>;
  showItemInFolder(file: string): void;
  /** An OS notification, shown only when the window is not focused. */
  notify(title: string, body: string): void;
  /** Taskbar/dock progress: 0..1, or null to clear. */
  setProgress(fraction: number | null): void;
}
