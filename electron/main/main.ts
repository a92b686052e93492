import { app, BrowserWindow, dialog, ipcMain, shell } from 'electron';
import path from 'node:path';
import { eventChannel } from '../../shared/contract';
import { forwardEvents } from '../services/core/eventForwarder';
import { createCore, type Core } from '../services/createCore';
import { createHandlers } from '../services/handlers';
import { userDataDir } from '../services/settings/paths';
import { createDesktopIntegration } from './desktop';
import { registerIpcHandlers, createSenderCheck } from './ipc';
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
  app.on('second-instance', focusWindow);
  // Whatever webContents might ever appear gets the same navigation guards as the main window.
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, origins));
  app.on('window-all-closed', () => {
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
  openWindow(started);
  app.on('activate', () => {
    if (!win) openWindow(started);
  });
}

function openWindow(c: Core): void {
  const w = createMainWindow({ preloadPath, url: devUrl ?? APP_ENTRY_URL, origins });
  win = w;
  const stopForwarding = forwardEvents(c.bus, (name, payload) => {
    if (!w.isDestroyed() && !w.webContents.isDestroyed()) w.webContents.send(eventChannel(name), payload);
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
