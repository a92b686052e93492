import { describe, expect, it, vi } from 'vitest';
import { eventChannel, eventNames, methodChannel, methodNames, subscriberName, type AilabApi } from '../../shared/contract';

const electron = await vi.hoisted(async () => {
  const { EventEmitter } = await import('node:events');
  const exposed: Array<[string, unknown]> = [];
  const ipc = new EventEmitter();
  const ipcRenderer = {
    invoke: vi.fn(async (channel: string, ...args: unknown[]) => ({ ok: true, value: { channel, args } })),
    on: vi.fn((channel: string, listener: (...a: unknown[]) => void) => {
      ipc.on(channel, listener);
      return ipcRenderer;
    }),
    removeListener: vi.fn((channel: string, listener: (...a: unknown[]) => void) => {
      ipc.removeListener(channel, listener);
      return ipcRenderer;
    }),
    send: vi.fn(),
  };
  return {
    exposed,
    ipc,
    ipcRenderer,
    contextBridge: { exposeInMainWorld: vi.fn((key: string, api: unknown) => exposed.push([key, api])) },
    webUtils: {
      getPathForFile: vi.fn((file: unknown) => {
        if (file === 'bad') throw new Error('not a File');
        return file === 'blob' ? '' : `/home/u/${String(file)}`;
      }),
    },
  };
});
vi.mock('electron', () => ({ contextBridge: electron.contextBridge, ipcRenderer: electron.ipcRenderer, webUtils: electron.webUtils }));

await import('../../electron/preload/preload');

function exposedApi(): AilabApi {
  const [entry] = electron.exposed;
  if (!entry) throw new Error('nothing exposed');
  return entry[1] as AilabApi;
}

describe('preload', () => {
  it('exposes exactly one object, window.ailab', () => {
    expect(electron.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect(electron.exposed.map(([key]) => key)).toEqual(['ailab']);
  });

  it('has one function per contract method, one on<Event> per event, pathForFile, and nothing else', () => {
    const api = exposedApi() as unknown as Record<string, unknown>;
    const expected = [...methodNames, ...eventNames.map(subscriberName), 'pathForFile'].sort();
    expect(Object.keys(api).sort()).toEqual(expected);
    for (const key of expected) expect(typeof api[key], key).toBe('function');
    for (const forbidden of ['send', 'on', 'invoke', 'ipcRenderer', 'removeListener']) expect(api).not.toHaveProperty(forbidden);
  });

  it('invokes each method on its own channel with the arguments as given', async () => {
    const api = exposedApi();
    const res = await api.updateSettings({ hostPort: 8080 });
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(methodChannel('updateSettings'), { hostPort: 8080 });
    expect(res).toEqual({ ok: true, value: { channel: 'ailab:call:updateSettings', args: [{ hostPort: 8080 }] } });
    const raw = exposedApi() as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    for (const name of methodNames) {
      await raw[name]?.('a', 1);
      expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith(methodChannel(name), 'a', 1);
    }
    expect(electron.ipcRenderer.send).not.toHaveBeenCalled();
  });

  it('passes only the payload to listeners, and unsubscribe removes the listener', () => {
    const api = exposedApi();
    const seen: unknown[][] = [];
    const off = api.onSettingsChanged((...args: unknown[]) => seen.push(args));
    const channel = eventChannel('settingsChanged');
    expect(electron.ipc.listenerCount(channel)).toBe(1);
    electron.ipc.emit(channel, { sender: electron.ipcRenderer, senderId: 0 }, { hostPort: 1 });
    expect(seen).toEqual([[{ hostPort: 1 }]]);
    off();
    expect(electron.ipc.listenerCount(channel)).toBe(0);
    electron.ipc.emit(channel, { sender: electron.ipcRenderer }, { hostPort: 2 });
    expect(seen).toHaveLength(1);
  });

  it('subscribes every event on its own channel, each unsubscribe removing only its own listener', () => {
    const api = exposedApi() as unknown as Record<string, (l: (p: unknown) => void) => () => void>;
    for (const name of eventNames) {
      const channel = eventChannel(name);
      const a: unknown[] = [];
      const b: unknown[] = [];
      const offA = api[subscriberName(name)]?.((p) => a.push(p));
      const offB = api[subscriberName(name)]?.((p) => b.push(p));
      electron.ipc.emit(channel, {}, 1);
      offA?.();
      electron.ipc.emit(channel, {}, 2);
      offB?.();
      expect(a, name).toEqual([1]);
      expect(b, name).toEqual([1, 2]);
      expect(electron.ipc.listenerCount(channel), name).toBe(0);
    }
  });

  it('rejects a listener that is not a function', () => {
    const api = exposedApi() as unknown as Record<string, (l: unknown) => unknown>;
    expect(() => api.onSettingsChanged?.('nope')).toThrow(TypeError);
  });

  it('pathForFile returns the path, or null when there is none or it fails', () => {
    const api = exposedApi();
    expect(api.pathForFile?.('nb.tgz')).toBe('/home/u/nb.tgz');
    expect(api.pathForFile?.('blob')).toBeNull();
    expect(api.pathForFile?.('bad')).toBeNull();
  });
});
