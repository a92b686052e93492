import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  eventChannel,
  eventNames,
  methodChannel,
  methodNames,
  subscriberName,
  type AilabApi,
  type EventName,
  type EventSubscriberName,
  type MethodName,
} from '../../shared/contract';

/**
 * The renderer's only door to main: `window.ailab`, generated from the contract. One function per
 * method and one on<Event> per event, nothing else — no raw ipcRenderer and no generic send/on, so
 * the page can reach exactly the channels the contract names. Runs sandboxed: only 'electron' is
 * required at runtime; the shared contract is bundled in.
 */

export type IpcRendererLike = Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>;
export type WebUtilsLike = Pick<typeof webUtils, 'getPathForFile'>;

type MethodInvokers = { readonly [M in MethodName]: AilabApi[M] };
type EventSubscribers = { readonly [E in EventName as EventSubscriberName<E>]: AilabApi[EventSubscriberName<E>] };

export function createPreloadApi(ipc: IpcRendererLike, utils: WebUtilsLike) {
  const invokers = Object.fromEntries(
    methodNames.map((name) => [name, (...args: unknown[]) => ipc.invoke(methodChannel(name), ...args)]),
  ) as unknown as MethodInvokers;

  const subscribers = Object.fromEntries(
    eventNames.map((name) => [
      subscriberName(name),
      (listener: (payload: unknown) => void) => {
        if (typeof listener !== 'function') throw new TypeError(`${subscriberName(name)} expects a listener function.`);
        const channel = eventChannel(name);
        // The page gets the payload only: the IpcRendererEvent would hand it the raw ipcRenderer.
        const forward = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
        ipc.on(channel, forward);
        return () => {
          ipc.removeListener(channel, forward);
        };
      },
    ]),
  ) as unknown as EventSubscribers;

  return {
    ...invokers,
    ...subscribers,
    pathForFile(file: unknown): string | null {
      try {
        const found = utils.getPathForFile(file as Parameters<WebUtilsLike['getPathForFile']>[0]);
        return found ? found : null;
      } catch {
        return null;
      }
    },
  } satisfies AilabApi;
}

contextBridge.exposeInMainWorld('ailab', createPreloadApi(ipcRenderer, webUtils));
