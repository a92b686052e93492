import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { eventChannel, methodChannel, methodNames } from '../../shared/contract';
import { EventBus } from '../../electron/services/core/eventBus';

const fx = await vi.hoisted(async () => {
  const { EventEmitter } = await import('node:events');

  class FakeWebContents extends EventEmitter {
    readonly mainFrame = { url: 'app://ailab/index.html' };
    readonly session = { setPermissionRequestHandler: vi.fn(), setPermissionCheckHandler: vi.fn(), setDevicePermissionHandler: vi.fn() };
    readonly sent: Array<[string, unknown]> = [];
    setWindowOpenHandler = vi.fn();
    isDestroyed = () => false;
    send(channel: string, payload: unknown) {
      this.sent.push([channel, payload]);
    }
  }
  class FakeBrowserWindow extends EventEmitter {
    static created: FakeBrowserWindow[] = [];
    readonly webContents = new FakeWebContents();
    readonly loaded: string[] = [];
    destroyed = false;
    focus = vi.fn();
    show = vi.fn();
    restore = vi.fn();
    constructor(readonly options: Record<string, unknown>) {
      super();
      FakeBrowserWindow.created.push(this);
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    isDestroyed = () => this.destroyed;
    isMinimized = () => true;
    setBackgroundColor() {}
  }

  const state = { lock: true, paths: {} as Record<string, string> };
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    setPath: vi.fn((name: string, value: string) => void (state.paths[name] = value)),
    enableSandbox: vi.fn(),
    setAppUserModelId: vi.fn(),
    requestSingleInstanceLock: vi.fn(() => state.lock),
    quit: vi.fn(),
    exit: vi.fn(),
    whenReady: vi.fn(() => Promise.resolve()),
  });
  const ipcMain = { handle: vi.fn(), removeHandler: vi.fn() };
  const protocol = { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() };
  const shell = { openExternal: vi.fn(async () => {}), showItemInFolder: vi.fn() };
  const electron = {
    app,
    ipcMain,
    protocol,
    shell,
    BrowserWindow: FakeBrowserWindow,
    nativeTheme: Object.assign(new EventEmitter(), { shouldUseDarkColors: false }),
    dialog: { showErrorBox: vi.fn(), showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
    Notification: class {
      static isSupported = () => false;
    },
  };
  return { state, electron, FakeBrowserWindow, createCore: vi.fn(), createHandlers: vi.fn() };
});

vi.mock('electron', () => fx.electron);
vi.mock('../../electron/services/createCore', () => ({ createCore: fx.createCore }));
vi.mock('../../electron/services/handlers', () => ({ createHandlers: fx.createHandlers }));

const home = path.join(os.tmpdir(), 'ailab-main-test-home');

function fakeCore() {
  return { bus: new EventBus(), shutdown: vi.fn(async () => {}) };
}

async function startMain(opts: { lock?: boolean } = {}) {
  fx.state.lock = opts.lock ?? true;
  const core = fakeCore();
  fx.createCore.mockResolvedValue(core);
  fx.createHandlers.mockReturnValue({});
  vi.resetModules();
  await import('../../electron/main/main');
  return core;
}

async function started() {
  await vi.waitFor(() => expect(fx.FakeBrowserWindow.created).toHaveLength(1));
  const win = fx.FakeBrowserWindow.created[0];
  if (!win) throw new Error('no window');
  return win;
}

beforeEach(() => {
  vi.clearAllMocks();
  fx.FakeBrowserWindow.created.length = 0;
  fx.state.paths = {};
  fx.electron.app.removeAllListeners();
  vi.stubEnv('AILAB_DESKTOP_HOME', home);
  vi.stubEnv('AILAB_DEV_SERVER_URL', '');
});

describe('main process', () => {
  it('prepares everything that must precede ready: privileged scheme, sandbox, shared userData', async () => {
    await startMain();
    expect(fx.electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledTimes(1);
    expect(fx.electron.app.enableSandbox).toHaveBeenCalled();
    expect(fx.state.paths.userData).toBe(path.resolve(home));
    // setPath must come before the lock: the lock lives in the userData folder.
    const setOrder = fx.electron.app.setPath.mock.invocationCallOrder[0] ?? Infinity;
    expect(setOrder).toBeLessThan(fx.electron.app.requestSingleInstanceLock.mock.invocationCallOrder[0] ?? -1);
  });

  it('creates the core in electron mode, registers every method and opens the app:// window', async () => {
    await startMain();
    const win = await started();
    expect(fx.createCore).toHaveBeenCalledWith(expect.objectContaining({ mode: 'electron', openExternal: expect.any(Function), desktop: expect.any(Object) }));
    const channels = fx.electron.ipcMain.handle.mock.calls.map((c: unknown[]) => c[0]);
    expect(channels.sort()).toEqual(methodNames.map(methodChannel).sort());
    expect(fx.electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
    expect(win.loaded).toEqual(['app://ailab/index.html']);
    expect(win.options.webPreferences).toMatchObject({ preload: expect.stringMatching(/preload\.cjs$/), sandbox: true, contextIsolation: true });
  });

  it('hands the services an openExternal that opens only http(s)', async () => {
    await startMain();
    await started();
    const { openExternal } = fx.createCore.mock.calls[0]?.[0] as { openExternal: (u: string) => Promise<void> };
    await openExternal('http://127.0.0.1:49494/');
    expect(fx.electron.shell.openExternal).toHaveBeenCalledWith('http://127.0.0.1:49494/');
    await expect(openExternal('file:///etc/passwd')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(fx.electron.shell.openExternal).toHaveBeenCalledTimes(1);
  });

  it('forwards bus events to the window and stops when it closes', async () => {
    const core = await startMain();
    const win = await started();
    core.bus.emit('volumesChanged', { reason: 'test' });
    expect(win.webContents.sent).toEqual([[eventChannel('volumesChanged'), { reason: 'test' }]]);
    win.destroyed = true;
    win.emit('closed');
    core.bus.emit('volumesChanged', { reason: 'after close' });
    expect(win.webContents.sent).toHaveLength(1);
  });

  it('focuses the existing window when a second instance starts', async () => {
    await startMain();
    const win = await started();
    fx.electron.app.emit('second-instance');
    expect(win.restore).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
  });

  it('quits at once as the second instance, without creating a core or a window', async () => {
    await startMain({ lock: false });
    await new Promise((r) => setTimeout(r, 20));
    expect(fx.electron.app.quit).toHaveBeenCalled();
    expect(fx.createCore).not.toHaveBeenCalled();
    expect(fx.FakeBrowserWindow.created).toHaveLength(0);
  });

  it('shuts the core down before quitting', async () => {
    const core = await startMain();
    await started();
    let release: () => void = () => {};
    core.shutdown.mockImplementation(() => new Promise<void>((r) => (release = r)));
    const event = { preventDefault: vi.fn() };
    fx.electron.app.emit('will-quit', event);
    expect(event.preventDefault).toHaveBeenCalled();
    expect(core.shutdown).toHaveBeenCalledTimes(1);
    expect(fx.electron.app.quit).not.toHaveBeenCalled();
    release();
    await vi.waitFor(() => expect(fx.electron.app.quit).toHaveBeenCalledTimes(1));
    // The second will-quit (from that quit) goes through.
    const again = { preventDefault: vi.fn() };
    fx.electron.app.emit('will-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
    expect(core.shutdown).toHaveBeenCalledTimes(1);
  });

  it('loads the dev server when AILAB_DEV_SERVER_URL points at loopback', async () => {
    vi.stubEnv('AILAB_DEV_SERVER_URL', 'http://127.0.0.1:5173/');
    await startMain();
    const win = await started();
    expect(win.loaded).toEqual(['http://127.0.0.1:5173/']);
  });

  it('ignores a dev server URL that is not on loopback', async () => {
    vi.stubEnv('AILAB_DEV_SERVER_URL', 'https://evil.example/');
    await startMain();
    const win = await started();
    expect(win.loaded).toEqual(['app://ailab/index.html']);
  });
});
