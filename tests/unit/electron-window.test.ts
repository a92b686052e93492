import { beforeEach, describe, expect, it, vi } from 'vitest';

const fakes = await vi.hoisted(async () => {
  const { EventEmitter } = await import('node:events');

  class FakeSession {
    requestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void, details: unknown) => void) | null = null;
    checkHandler: ((wc: unknown, permission: string, origin: string, details: unknown) => boolean) | null = null;
    deviceHandler: ((details: unknown) => boolean) | null = null;
    setPermissionRequestHandler(h: FakeSession['requestHandler']) {
      this.requestHandler = h;
    }
    setPermissionCheckHandler(h: FakeSession['checkHandler']) {
      this.checkHandler = h;
    }
    setDevicePermissionHandler(h: FakeSession['deviceHandler']) {
      this.deviceHandler = h;
    }
  }

  class FakeWebContents extends EventEmitter {
    readonly session = new FakeSession();
    windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
    setWindowOpenHandler(h: FakeWebContents['windowOpenHandler']) {
      this.windowOpenHandler = h;
    }
    /** Emits like Electron: returns whether a listener called preventDefault(). */
    emitPreventable(name: string, props: Record<string, unknown> = {}): boolean {
      let prevented = false;
      this.emit(name, { ...props, preventDefault: () => (prevented = true) });
      return prevented;
    }
  }

  class FakeBrowserWindow extends EventEmitter {
    static created: FakeBrowserWindow[] = [];
    readonly webContents = new FakeWebContents();
    readonly loaded: string[] = [];
    backgroundColors: string[] = [];
    shown = false;
    constructor(readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> }) {
      super();
      FakeBrowserWindow.created.push(this);
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    setBackgroundColor(c: string) {
      this.backgroundColors.push(c);
    }
    show() {
      this.shown = true;
    }
  }

  const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: true });
  return { FakeBrowserWindow, FakeWebContents, nativeTheme };
});

vi.mock('electron', () => ({ BrowserWindow: fakes.FakeBrowserWindow, nativeTheme: fakes.nativeTheme }));

const { createMainWindow, guardWebContents, BACKGROUND } = await import('../../electron/main/window');
const { allowedOrigins, APP_ENTRY_URL } = await import('../../electron/main/origins');
type WebContentsParam = Parameters<typeof guardWebContents>[0];

function openWindow(devUrl: string | null = null) {
  createMainWindow({ preloadPath: '/app/dist/electron/preload.cjs', url: devUrl ?? APP_ENTRY_URL, origins: allowedOrigins(devUrl) });
  const win = fakes.FakeBrowserWindow.created.at(-1);
  if (!win) throw new Error('no window was created');
  return win;
}

beforeEach(() => {
  fakes.FakeBrowserWindow.created.length = 0;
  fakes.nativeTheme.removeAllListeners();
  fakes.nativeTheme.shouldUseDarkColors = true;
});

describe('main window', () => {
  it('is created with hardened webPreferences and the preload from dist', () => {
    const win = openWindow();
    // By what each must be rather than as the product's block: a switch flipped or dropped shows by name.
    const mustBe = (value: boolean, keys: string[]) => Object.fromEntries(keys.map((k) => [k, value]));
    expect(win.options.webPreferences).toMatchObject({
      preload: '/app/dist/electron/preload.cjs',
      ...mustBe(true, ['contextIsolation', 'sandbox', 'webSecurity', 'safeDialogs']),
      ...mustBe(false, ['nodeIntegration', 'nodeIntegrationInWorker', 'nodeIntegrationInSubFrames', 'allowRunningInsecureContent', 'webviewTag']),
      ...mustBe(false, ['spellcheck', 'navigateOnDragDrop']),
    });
    expect(win.options).toMatchObject({ title: 'AI-Lab Desktop', show: false });
    expect(win.options.minWidth).toBeGreaterThan(0);
    expect(win.options.minHeight).toBeGreaterThan(0);
  });

  it('loads app://ailab/index.html, or the dev server when one is given', () => {
    expect(openWindow().loaded).toEqual(['app://ailab/index.html']);
    expect(openWindow('http://127.0.0.1:5173/').loaded).toEqual(['http://127.0.0.1:5173/']);
  });

  it('shows only when ready, on a background that matches the OS theme', () => {
    const win = openWindow();
    expect(win.options.backgroundColor).toBe(BACKGROUND.dark);
    expect(win.shown).toBe(false);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
    fakes.nativeTheme.shouldUseDarkColors = false;
    fakes.nativeTheme.emit('updated');
    expect(win.backgroundColors).toEqual([BACKGROUND.light]);
    win.emit('closed');
    expect(fakes.nativeTheme.listenerCount('updated')).toBe(0);
  });

  it('denies every permission request and permission check', () => {
    const { session } = openWindow().webContents;
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read', 'openExternal', 'fullscreen']) {
      const answers: boolean[] = [];
      session.requestHandler?.(null, permission, (granted) => answers.push(granted), {});
      expect(answers, permission).toEqual([false]);
      expect(session.checkHandler?.(null, permission, 'app://ailab', {}), permission).toBe(false);
    }
    expect(session.deviceHandler?.({})).toBe(false);
  });

  it('blocks navigation and redirects away from our origin, allows staying on it', () => {
    const contents = openWindow().webContents;
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'http://127.0.0.1:5173/', 'app://other/index.html', 'javascript:alert(1)']) {
      expect(contents.emitPreventable('will-navigate', { url }), url).toBe(true);
      expect(contents.emitPreventable('will-redirect', { url }), url).toBe(true);
    }
    expect(contents.emitPreventable('will-navigate', { url: 'app://ailab/index.html' })).toBe(false);
    expect(contents.emitPreventable('will-redirect', { url: 'app://ailab/index.html?x=1' })).toBe(false);
  });

  it('allows the dev server origin only when it is the configured one', () => {
    const contents = openWindow('http://127.0.0.1:5173/').webContents;
    expect(contents.emitPreventable('will-navigate', { url: 'http://127.0.0.1:5173/index.html' })).toBe(false);
    expect(contents.emitPreventable('will-navigate', { url: 'http://127.0.0.1:8080/' })).toBe(true);
  });

  it('denies window.open and <webview>', () => {
    const contents = openWindow().webContents;
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'app://ailab/index.html' })).toEqual({ action: 'deny' });
    expect(contents.emitPreventable('will-attach-webview')).toBe(true);
  });

  it('guards any other webContents the same way', () => {
    const contents = new fakes.FakeWebContents();
    guardWebContents(contents as unknown as WebContentsParam, allowedOrigins(null));
    expect(contents.emitPreventable('will-navigate', { url: 'https://example.com/' })).toBe(true);
    expect(contents.windowOpenHandler?.({ url: 'https://example.com/' })).toEqual({ action: 'deny' });
  });
});
