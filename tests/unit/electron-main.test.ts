import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { eventChannel, methodChannel, methodNames } from '../../shared/contract';
import { EventBus } from '../../electron/services/core/eventBus';
import type { SchedulerEvent } from '../../electron/services/plans/plansService';
import type { PlanStatus } from '../../shared/contract/plans';
import { keep, planFor } from '../support/plans';

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
    visible = true;
    isVisible = () => this.visible;
    hide = vi.fn(() => void (this.visible = false));
    setBackgroundColor() {}
  }
  class FakeTray extends EventEmitter {
    static created: FakeTray[] = [];
    tooltip = '';
    menu: Array<Record<string, unknown>> = [];
    destroyed = false;
    constructor(readonly image: unknown) {
      super();
      FakeTray.created.push(this);
    }
    setToolTip(t: string) {
      this.tooltip = t;
    }
    setContextMenu(m: Array<Record<string, unknown>>) {
      this.menu = m;
    }
    destroy() {
      this.destroyed = true;
    }
  }
  class FakeNotification extends EventEmitter {
    static shown: FakeNotification[] = [];
    static isSupported = () => true;
    constructor(readonly opts: { title: string; body: string }) {
      super();
    }
    show() {
      FakeNotification.shown.push(this);
    }
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
    getLoginItemSettings: vi.fn(() => ({ wasOpenedAsHidden: false })),
    setLoginItemSettings: vi.fn(),
    getAppPath: vi.fn(() => '/opt/ailab-app'),
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
    Notification: FakeNotification,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (t: unknown) => t },
    nativeImage: { createFromPath: () => ({ isEmpty: () => true }) },
  };
  return { state, electron, FakeBrowserWindow, FakeTray, FakeNotification, createCore: vi.fn(), createHandlers: vi.fn() };
});

vi.mock('electron', () => fx.electron);
vi.mock('../../electron/services/createCore', () => ({ createCore: fx.createCore }));
vi.mock('../../electron/services/handlers', () => ({ createHandlers: fx.createHandlers }));

const home = path.join(os.tmpdir(), 'ailab-main-test-home');

type RunListener = (e: SchedulerEvent) => void;

function planStatus(volume: string): PlanStatus {
  return {
    plan: planFor(volume, '/b', { retention: keep({ keepLast: 1 }) }),
    health: { state: 'ok', message: '' },
    last: null,
    lastSuccessAt: null,
    nextRunAt: 0,
    due: false,
    running: false,
  };
}

function fakeCore(volumes: string[] = []) {
  const cleanups: Array<() => unknown> = [];
  const listeners = new Set<RunListener>();
  const settings = { startAtLogin: false };
  const plans = {
    volumes,
    listeners,
    signal: null as AbortSignal | null,
    list: vi.fn(async () => ({ file: '/d/plans.json', plans: plans.volumes.map(planStatus), problems: [] })),
    runNow: vi.fn(async (volume: string) => ({
      run: {
        startedAt: 0,
        finishedAt: 0,
        status: 'succeeded',
        message: `Backed up ${volume}.`,
        file: null,
        jobId: null,
        deleted: [],
      },
      plans: { file: '/d/plans.json', plans: [], problems: [] },
    })),
    onRun: (l: RunListener) => (listeners.add(l), () => void listeners.delete(l)),
    // The scheduler: runs until its signal aborts.
    run: vi.fn(
      (opts: { signal: AbortSignal }) =>
        new Promise<void>((resolve) => {
          plans.signal = opts.signal;
          opts.signal.addEventListener('abort', () => resolve());
        }),
    ),
  };
  return {
    bus: new EventBus(),
    plans,
    settings: { get: () => settings, value: settings },
    onShutdown: (fn: () => unknown) => void cleanups.push(fn),
    shutdown: vi.fn(async () => {
      for (const fn of cleanups.reverse()) await fn();
    }),
  };
}

async function startMain(opts: { lock?: boolean; volumes?: string[] } = {}) {
  fx.state.lock = opts.lock ?? true;
  const core = fakeCore(opts.volumes);
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

const xdgHome = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-main-test-xdg-'));

beforeEach(() => {
  vi.clearAllMocks();
  fx.FakeBrowserWindow.created.length = 0;
  fx.FakeTray.created.length = 0;
  fx.FakeNotification.shown.length = 0;
  vi.stubEnv('XDG_CONFIG_HOME', xdgHome);
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

function menuItem(
  tray: InstanceType<typeof fx.FakeTray>,
  label: string | RegExp,
  items = tray.menu,
): { click?: () => void; submenu?: Array<Record<string, unknown>> } {
  const item = items.find((i) => (typeof label === 'string' ? i.label === label : label.test(String(i.label))));
  if (!item) throw new Error(`no menu item ${String(label)}`);
  return item as { click?: () => void; submenu?: Array<Record<string, unknown>> };
}

describe('main process: plans, tray, start at login', () => {
  it('starts the plans scheduler at start and stops it when the app quits', async () => {
    const core = await startMain();
    await started();
    expect(core.plans.run).toHaveBeenCalledTimes(1);
    expect(core.plans.signal?.aborted).toBe(false);
    fx.electron.app.emit('will-quit', { preventDefault: vi.fn() });
    await vi.waitFor(() => expect(fx.electron.app.quit).toHaveBeenCalled());
    expect(core.plans.signal?.aborted).toBe(true);
  });

  it('when another process runs the plans, the app leaves them to it and the tray says so', async () => {
    fx.createCore.mockReset();
    const core = fakeCore(['nc-data']);
    core.plans.run.mockImplementation(() =>
      Promise.reject(new Error('Another scheduler already runs the plans of this data folder (process 1234 on host, since …).')),
    );
    fx.state.lock = true;
    fx.createCore.mockResolvedValue(core);
    fx.createHandlers.mockReturnValue({});
    vi.resetModules();
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import('../../electron/main/main');
      await started();
      await vi.waitFor(() => expect(fx.FakeTray.created[0]?.tooltip).toBe('AI-Lab Desktop: nc-data is protected (the plans run in another process)'));
      expect(log).toHaveBeenCalledWith(expect.stringMatching(/Backup plans do not run in this process: Another scheduler already runs the plans/));
    } finally {
      log.mockRestore();
    }
  });

  it('without plans: no tray, and closing the window closes it (the app quits as before)', async () => {
    await startMain();
    const win = await started();
    expect(fx.FakeTray.created).toHaveLength(0);
    const close = { preventDefault: vi.fn() };
    win.emit('close', close);
    expect(close.preventDefault).not.toHaveBeenCalled();
    fx.electron.app.emit('window-all-closed');
    if (process.platform !== 'darwin') expect(fx.electron.app.quit).toHaveBeenCalled();
  });

  it('with plans: a tray with the protection state; closing hides the window, Quit really closes it', async () => {
    await startMain({ volumes: ['nc-data', 'other'] });
    const win = await started();
    const tray = fx.FakeTray.created[0];
    if (!tray) throw new Error('no tray');
    expect(tray.tooltip).toBe('AI-Lab Desktop: All 2 volumes protected');
    const close = { preventDefault: vi.fn() };
    win.emit('close', close);
    expect(close.preventDefault).toHaveBeenCalled();
    expect(win.hide).toHaveBeenCalled();
    fx.electron.app.emit('window-all-closed');
    expect(fx.electron.app.quit).not.toHaveBeenCalled();
    // Quit from the tray: the app's quit, after which closing is not prevented.
    menuItem(tray, 'Quit').click?.();
    expect(fx.electron.app.quit).toHaveBeenCalledTimes(1);
    fx.electron.app.emit('before-quit');
    const closeAgain = { preventDefault: vi.fn() };
    win.emit('close', closeAgain);
    expect(closeAgain.preventDefault).not.toHaveBeenCalled();
  });

  it('the tray menu opens the window and backs up through PlansService, one plan or all', async () => {
    const core = await startMain({ volumes: ['nc-data', 'other'] });
    const win = await started();
    const tray = fx.FakeTray.created[0];
    if (!tray) throw new Error('no tray');
    win.visible = false;
    menuItem(tray, 'Open AI-Lab Desktop').click?.();
    expect(win.show).toHaveBeenCalled();
    const backUp = menuItem(tray, 'Back up now').submenu ?? [];
    expect(backUp.map((i) => i.label ?? i.type)).toEqual(['All 2 plans', 'separator', 'nc-data', 'other']);
    menuItem(tray, 'other', backUp).click?.();
    await vi.waitFor(() => expect(core.plans.runNow).toHaveBeenCalledWith('other'));
    core.plans.runNow.mockClear();
    menuItem(tray, 'All 2 plans', backUp).click?.();
    await vi.waitFor(() => expect(core.plans.runNow.mock.calls).toEqual([['nc-data'], ['other']]));
  });

  it('a failed plan run notifies once until a success; clicking the notification opens the window', async () => {
    const core = await startMain({ volumes: ['nc-data'] });
    const win = await started();
    const failed: SchedulerEvent = {
      event: 'run-finished',
      at: 0,
      volume: 'nc-data',
      decisions: 0,
      run: { startedAt: 0, finishedAt: 0, status: 'failed', message: 'Docker is not running. Nothing was deleted.', file: null, jobId: 'j', deleted: [] },
      firstFailure: true,
    };
    // The retry that fails again: PlansService says it is not the streak's first failure.
    const retried: SchedulerEvent = { ...failed, firstFailure: false };
    for (const l of core.plans.listeners) l(failed);
    for (const l of core.plans.listeners) l(retried);
    expect(fx.FakeNotification.shown.map((n) => n.opts)).toEqual([
      { title: 'Backup plan of nc-data failed', body: 'Docker is not running. Nothing was deleted.' },
    ]);
    win.visible = false;
    fx.FakeNotification.shown[0]?.emit('click');
    expect(win.show).toHaveBeenCalled();
    for (const l of core.plans.listeners) l({ ...failed, run: { ...failed.run, status: 'succeeded', message: 'ok' }, firstFailure: false });
    for (const l of core.plans.listeners) l(failed);
    expect(fx.FakeNotification.shown).toHaveLength(2);
  });

  it('the tray goes when the last plan goes, and a hidden window comes back (the app never turns invisible)', async () => {
    const core = await startMain({ volumes: ['nc-data'] });
    const win = await started();
    const tray = fx.FakeTray.created[0];
    if (!tray) throw new Error('no tray');
    win.emit('close', { preventDefault: vi.fn() });
    expect(win.visible).toBe(false);
    core.plans.volumes = [];
    for (const l of core.plans.listeners) l({ event: 'run-started', at: 0, volume: 'nc-data', file: '/b/x.tgz' });
    await vi.waitFor(() => expect(tray.destroyed).toBe(true));
    expect(win.show).toHaveBeenCalled();
    // Now closing closes.
    const close = { preventDefault: vi.fn() };
    win.emit('close', close);
    expect(close.preventDefault).not.toHaveBeenCalled();
  });

  it('started hidden at login with plans: the tray only, no window; without plans the window opens anyway', async () => {
    const argv = process.argv;
    process.argv = [...argv, '--hidden'];
    try {
      await startMain({ volumes: ['nc-data'] });
      await vi.waitFor(() => expect(fx.FakeTray.created).toHaveLength(1));
      await new Promise((r) => setTimeout(r, 20));
      expect(fx.FakeBrowserWindow.created).toHaveLength(0);
      // Opening the app again (a second start, or the tray) shows the window.
      fx.electron.app.emit('second-instance');
      expect(fx.FakeBrowserWindow.created).toHaveLength(1);

      fx.FakeBrowserWindow.created.length = 0;
      fx.FakeTray.created.length = 0;
      fx.electron.app.removeAllListeners();
      await startMain({ volumes: [] });
      await started();
      expect(fx.FakeTray.created).toHaveLength(0);
    } finally {
      process.argv = argv;
    }
  });

  it('applies start at login from the settings, and again when they change', async () => {
    const core = await startMain();
    await started();
    const file = path.join(xdgHome, 'autostart', 'ai-lab-desktop.desktop');
    if (process.platform === 'linux') {
      expect(fs.existsSync(file)).toBe(false);
      core.bus.emit('settingsChanged', { ...core.settings.value, startAtLogin: true } as never);
      await vi.waitFor(() => expect(fs.existsSync(file)).toBe(true));
      expect(fs.readFileSync(file, 'utf8')).toContain(`Exec="${process.execPath}" "/opt/ailab-app" "--hidden"`);
      core.bus.emit('settingsChanged', { ...core.settings.value, startAtLogin: false } as never);
      await vi.waitFor(() => expect(fs.existsSync(file)).toBe(false));
    } else {
      core.bus.emit('settingsChanged', { ...core.settings.value, startAtLogin: true } as never);
      expect(fx.electron.app.setLoginItemSettings).toHaveBeenLastCalledWith(expect.objectContaining({ openAtLogin: true }));
    }
  });
});
