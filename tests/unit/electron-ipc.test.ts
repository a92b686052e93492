import { describe, expect, it, vi } from 'vitest';
import { methodChannel, methodNames, type Handlers, type MethodName } from '../../shared/contract';
import type { Result } from '../../shared/contract/errors';
import { defaultSettings } from '../../shared/contract/settings';
import {
  createSenderCheck,
  registerIpcHandlers,
  type FrameLike,
  type InvokeEventLike,
  type InvokeListener,
  type IpcMainLike,
  type WindowLike,
} from '../../electron/main/ipc';
import { allowedOrigins, APP_ENTRY_URL } from '../../electron/main/origins';

// The glue never imports Electron itself; the mock makes sure nothing reaches for the real binary.
vi.mock('electron', () => ({}));

class FakeIpcMain implements IpcMainLike {
  readonly listeners = new Map<string, InvokeListener>();
  handle(channel: string, listener: InvokeListener): void {
    if (this.listeners.has(channel)) throw new Error(`second handler for ${channel}`);
    this.listeners.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.listeners.delete(channel);
  }
  invoke(method: MethodName, event: InvokeEventLike, ...args: unknown[]): Promise<Result<unknown>> {
    const listener = this.listeners.get(methodChannel(method));
    if (!listener) throw new Error(`no handler for ${method}`);
    return listener(event, ...args);
  }
}

function fakeWindow(url = APP_ENTRY_URL) {
  const mainFrame: FrameLike = { url };
  const webContents = { mainFrame, isDestroyed: () => false };
  const win: WindowLike & { destroyed: boolean } = { destroyed: false, isDestroyed: () => win.destroyed, webContents };
  return win;
}

function fakeHandlers() {
  const calls: Array<{ method: string; args: unknown[] }> = [];
  const entries = methodNames.map((name) => [
    name,
    vi.fn(async (...args: unknown[]) => {
      calls.push({ method: name, args });
      if (name === 'updateSettings') return { ...defaultSettings(), ...(args[0] as object) };
      if (name === 'getSettings') return defaultSettings();
      return null;
    }),
  ]);
  return { handlers: Object.fromEntries(entries) as unknown as Handlers, calls };
}

function setup(opts: { devUrl?: string | null } = {}) {
  const ipc = new FakeIpcMain();
  const win = fakeWindow();
  const { handlers, calls } = fakeHandlers();
  const unexpected: unknown[] = [];
  const dispose = registerIpcHandlers(
    ipc,
    handlers,
    createSenderCheck(() => win, allowedOrigins(opts.devUrl ?? null)),
    (_m, e) => unexpected.push(e),
  );
  const own: InvokeEventLike = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
  return { ipc, win, handlers, calls, own, dispose, unexpected };
}

describe('IPC glue', () => {
  it('registers one handler per contract method on its own channel, and removes them again', () => {
    const { ipc, dispose } = setup();
    expect(methodNames.length).toBeGreaterThan(0);
    expect([...ipc.listeners.keys()].sort()).toEqual(methodNames.map(methodChannel).sort());
    dispose();
    expect(ipc.listeners.size).toBe(0);
  });

  it('runs a valid call and returns { ok: true, value }', async () => {
    const { ipc, own, calls } = setup();
    const res = await ipc.invoke('updateSettings', own, { hostPort: 8080 });
    expect(res).toEqual({ ok: true, value: { ...defaultSettings(), hostPort: 8080 } });
    expect(calls).toEqual([{ method: 'updateSettings', args: [{ hostPort: 8080 }] }]);
    await expect(ipc.invoke('getSettings', own)).resolves.toEqual({ ok: true, value: defaultSettings() });
  });

  it('rejects an invalid payload with INVALID_ARGUMENT naming the field, without calling the handler', async () => {
    const { ipc, own, calls } = setup();
    const res = await ipc.invoke('updateSettings', own, { hostPort: 'x' });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error.code).toBe('INVALID_ARGUMENT');
    expect(res.error.message).toMatch(/hostPort/);
    expect(calls).toEqual([]);
  });

  it('rejects unknown settings keys and extra arguments', async () => {
    const { ipc, own, calls } = setup();
    const unknownKey = await ipc.invoke('updateSettings', own, { nodeIntegration: true });
    expect(unknownKey.ok ? null : unknownKey.error.code).toBe('INVALID_ARGUMENT');
    const extra = await ipc.invoke('getSettings', own, 'surprise');
    expect(extra.ok ? null : extra.error.code).toBe('INVALID_ARGUMENT');
    expect(calls).toEqual([]);
  });

  it('turns an unexpected exception into INTERNAL and reports it', async () => {
    const { ipc, own, handlers, unexpected } = setup();
    vi.mocked(handlers.getSettings).mockRejectedValueOnce(new Error('disk on fire'));
    const res = await ipc.invoke('getSettings', own);
    expect(res.ok ? null : res.error).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('disk on fire') });
    expect(unexpected).toHaveLength(1);
  });

  describe('refuses foreign senders with FORBIDDEN_SENDER and never calls the handler', () => {
    /** Our own sender, its main frame navigated to `url`. */
    const ownFrameAt = (url: string) => (s: ReturnType<typeof setup>) => {
      (s.win.webContents.mainFrame as { url: string }).url = url;
      return s.own;
    };
    const cases: Array<[string, (s: ReturnType<typeof setup>) => InvokeEventLike]> = [
      ['a subframe of our window', (s) => ({ sender: s.win.webContents, senderFrame: { url: APP_ENTRY_URL } })],
      ['a destroyed frame (senderFrame null)', (s) => ({ sender: s.win.webContents, senderFrame: null })],
      ['another webContents', (s) => ({ sender: { mainFrame: s.win.webContents.mainFrame }, senderFrame: s.win.webContents.mainFrame })],
      ['our main frame showing another origin', ownFrameAt('https://evil.example/index.html')],
      ['our main frame on file://', ownFrameAt('file:///etc/passwd')],
      ['a dev-server origin when no dev server is configured', ownFrameAt('http://127.0.0.1:5173/')],
      [
        'a window that is already destroyed',
        (s) => {
          s.win.destroyed = true;
          return s.own;
        },
      ],
    ];
    for (const [label, makeEvent] of cases) {
      it(label, async () => {
        const s = setup();
        const res = await s.ipc.invoke('updateSettings', makeEvent(s), { hostPort: 8080 });
        expect(res.ok).toBe(false);
        expect(res.ok ? null : res.error.code).toBe('FORBIDDEN_SENDER');
        expect(s.calls).toEqual([]);
        expect(s.handlers.updateSettings).not.toHaveBeenCalled();
      });
    }
  });

  it('accepts the dev server origin only when it is configured', async () => {
    const s = setup({ devUrl: 'http://127.0.0.1:5173/' });
    (s.win.webContents.mainFrame as { url: string }).url = 'http://127.0.0.1:5173/';
    await expect(s.ipc.invoke('getSettings', s.own)).resolves.toMatchObject({ ok: true });
    (s.win.webContents.mainFrame as { url: string }).url = 'http://127.0.0.1:5174/';
    await expect(s.ipc.invoke('getSettings', s.own)).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
  });
});
