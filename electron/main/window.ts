import { BrowserWindow, nativeTheme, type Session, type WebContents, type WebPreferences } from 'electron';
import { isAllowedUrl } from './origins';

/** Matches the renderer's --bg in light and dark, so the window does not flash white before paint. */
export const BACKGROUND = { light: '#f6f7f9', dark: '#15181c' } as const;

export function backgroundColor(dark: boolean): string {
  return dark ? BACKGROUND.dark : BACKGROUND.light;
}

/**
 * The renderer is treated as untrusted: no Node, isolated from the preload, OS-sandboxed, and with
 * no way to embed or spawn other web content.
 */
export function hardenedWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    // Dropping a .tgz onto the window is a restore, never a navigation to file://.
    navigateOnDragDrop: false,
    safeDialogs: true,
  };
}

/** Refuses every permission (camera, notifications, clipboard-read, ...): the UI needs none of them. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/**
 * Keeps a webContents on our own page: navigation and redirects elsewhere are cancelled, popups are
 * refused, and <webview> cannot be attached. URLs the user should see in a browser are opened by main
 * (shell.openExternal) from URLs main built, never from a link in the page.
 */
export function guardWebContents(contents: WebContents, origins: ReadonlySet<string>): void {
  contents.on('will-navigate', (event) => {
    if (!isAllowedUrl(event.url, origins)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAllowedUrl(event.url, origins)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export interface MainWindowOptions {
  preloadPath: string;
  /** app://ailab/index.html, or the dev server's URL in development. */
  url: string;
  origins: ReadonlySet<string>;
}

export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 760,
    minHeight: 520,
    title: 'AI-Lab Desktop',
    show: false,
    backgroundColor: backgroundColor(nativeTheme.shouldUseDarkColors),
    webPreferences: hardenedWebPreferences(opts.preloadPath),
  });
  denyAllPermissions(win.webContents.session);
  guardWebContents(win.webContents, opts.origins);

  const followTheme = () => {
    if (!win.isDestroyed()) win.setBackgroundColor(backgroundColor(nativeTheme.shouldUseDarkColors));
  };
  nativeTheme.on('updated', followTheme);
  win.on('closed', () => nativeTheme.off('updated', followTheme));
  win.once('ready-to-show', () => win.show());

  win.loadURL(opts.url).catch((err: unknown) => {
    console.error(`AI-Lab Desktop: could not load ${opts.url}: ${err instanceof Error ? err.message : String(err)}`);
  });
  return win;
}
