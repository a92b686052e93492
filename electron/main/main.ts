import { app, BrowserWindow, dialog, ipcMain, shell } from 'electron';
import path from 'node:path';
import { eventChannel } from '../../shared/contract';
import { forwardEvents } from '../services/core/eventForwarder';
import { createCore, type Core } from '../services/createCore';
import { createHandlers } from '../services/handlers';
import { runPlansInBackground } from '../services/plans/background';
import { userDataDir } from '../services/settings/paths';
import { createDesktopIntegration } from './desktop';
import { registerIpcHandlers, createSenderCheck } from './ipc';
import { applyStartAtLogin, startedHidden } from './loginItem';
import { PlansTray } from './plansTray';
import { createSafeOpenExternal } from './openExternal';
import { allowedOrigins, APP_ENTRY_URL, devServerUrl } from './origins';
import { installAppProtocol, registerAppSchemePrivileged } from './protocol';
import { createMainWindow, guardWebContents } from './window';

// This file is bundled to dist/electron/main.cjs; the preload and the renderer sit beside it in dist/.
const preloadPath = path.join(__dirname, 'preload.cjs');
const rendererDir = path.join(__dirname, '..', 'renderer');

const devUrl = devServerUrl(process.env, app.isPackaged);
const origins = allowedOrigins(devUrl);

let win: BrowserWindow | null = null;
let core: Core | null = null;
let tray: PlansTray | null = null;
/** Set once quitting began (tray's Quit, Cmd+Q, the OS): then closing the window no longer just hides it. */
let quitting = false;
/** The first window decision is made; later, plans that disappear bring the window back. */
let startupDone = false;

// Everything here has to happen before 'ready'.
registerAppSchemePrivileged();
app.enableSandbox();
// One settings folder for the app, the browser mode and the CLI (AILAB_DESKTOP_HOME overrides it).
// Chromium's own caches go to a subfolder so the folder users open to find settings.json stays tidy.
const dataDir = userDataDir();
app.setPath('userData', dataDir);
app.setPath('sessionData', path.join(dataDir, 'chromium'));
if (process.platform === 'win32') app.setAppUserModelId('com.exasol.ailab-desktop');

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the window; it focuses itself on 'second-instance'.
  app.quit();
} else {
  // Another start (the user opened the app again): show the window, also when it was started hidden.
  app.on('second-instance', () => (core ? showWindow(core) : undefined));
  // Whatever webContents might ever appear gets the same navigation guards as the main window.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, origins));
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('window-all-closed', () => {
    // With backup plans the tray keeps the app, and its scheduler, running.
    if (tray?.hasPlans()) return;
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', shutdownBeforeQuit);
  app.whenReady().then(start).catch(fatal);
}

async function start(): Promise<void> {
  installAppProtocol(rendererDir);
  const started = await createCore({
    mode: 'electron',
    openExternal: createSafeOpenExternal((url) => shell.openExternal(url)),
    desktop: createDesktopIntegration(() => win),
  });
  core = started;
  registerIpcHandlers(
    ipcMain,
    createHandlers(started),
    createSenderCheck(() => win, origins),
    (method, err) => {
      console.error(`AI-Lab Desktop: unexpected error in ${method}:`, err);
    },
  );
  const log = (line: string) => console.log(`AI-Lab Desktop: ${line}`);
  // The plans run here while the app runs (in the tray when its window is closed), unless the CLI or a
  // browser-mode server already runs them for this data folder: then the tooltip says so.
  const plans = runPlansInBackground(started, log, { onChange: () => void tray?.refresh() });
  const plansTray = new PlansTray({
    plans: started.plans,
    elsewhere: plans.elsewhere,
    iconPath: path.join(__dirname, 'tray-icon.png'),
    platform: process.platform,
    openWindow: () => showWindow(started),
    quit: () => app.quit(),
    onChange: (hasPlans) => {
      // The last plan went while the window was hidden: without a tray the app would be invisible.
      if (!hasPlans && startupDone && !windowVisible()) showWindow(started);
    },
    log,
  });
  tray = plansTray;
  started.onShutdown(() => plansTray.dispose());
  followStartAtLogin(started, log);
  app.on('activate', () => showWindow(started));
  await plansTray.refresh();
  // Started at login: the tray only, no window (unless there are no plans, so nothing would show).
  const hidden = startedHidden(process.argv, process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAsHidden);
  if (!win && (!hidden || !plansTray.hasPlans())) openWindow(started);
  startupDone = true;
}

/** Applies the startAtLogin setting now and whenever it changes. */
function followStartAtLogin(c: Core, log: (line: string) => void): void {
  let applied: boolean | null = null;
  const apply = (enabled: boolean) => {
    if (enabled === applied) return;
    applied = enabled;
    applyStartAtLogin(enabled, {
      platform: process.platform,
      // An AppImage runs from a temporary mount; $APPIMAGE is the file itself (set by its runtime).
      execPath: process.platform === 'linux' && process.env.APPIMAGE ? process.env.APPIMAGE : process.execPath,
      appPath: app.isPackaged ? null : app.getAppPath(),
      env: process.env,
      setLoginItemSettings: (settings) => app.setLoginItemSettings(settings),
    }).catch((err: unknown) => log(`Could not ${enabled ? 'set up' : 'remove'} start at login: ${err instanceof Error ? err.message : String(err)}`));
  };
  apply(c.settings.get().startAtLogin);
  c.bus.on('settingsChanged', (s) => apply(s.startAtLogin));
}

function windowVisible(): boolean {
  return !!win && !win.isDestroyed() && win.isVisible();
}

function showWindow(c: Core): void {
  if (!win || win.isDestroyed()) openWindow(c);
  else focusWindow();
}

function openWindow(c: Core): void {
  const w = createMainWindow({ preloadPath, url: devUrl ?? APP_ENTRY_URL, origins });
  win = w;
  const stopForwarding = forwardEvents(c.bus, (name, payload) => {
    if (!w.isDestroyed() && !w.webContents.isDestroyed()) w.webContents.send(eventChannel(name), payload);
  });
  w.on('close', (event) => {
    // With plans, closing the window leaves the app in the tray; Quit (tray, menu, OS) really quits.
    if (quitting || !tray?.hasPlans()) return;
    event.preventDefault();
    w.hide();
  });
  w.on('closed', () => {
    stopForwarding();
    if (win === w) win = null;
  });
}

function focusWindow(): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

let shutdownState: 'running' | 'stopping' | 'done' = 'running';

/** Quitting waits for the services to clean up (helper containers, watchers), but not forever. */
function shutdownBeforeQuit(event: Electron.Event): void {
  if (!core || shutdownState === 'done') return;
  event.preventDefault();
  if (shutdownState === 'stopping') return;
  shutdownState = 'stopping';
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
  Promise.race([core.shutdown(), timeout])
    .catch((err: unknown) => console.error('AI-Lab Desktop: shutdown failed:', err))
    .finally(() => {
      shutdownState = 'done';
      app.quit();
    });
}

function fatal(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  console.error('AI-Lab Desktop could not start:', err);
  dialog.showErrorBox('AI-Lab Desktop could not start', message);
  app.exit(1);
}
