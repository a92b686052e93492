import type { AilabApi } from '../../../shared/contract';
import { createWsApi } from './wsClient';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in the browser mode. */
    readonly ailab?: AilabApi;
  }
}

/** The one API the renderer talks to: the preload's object in Electron, a WebSocket client in the browser mode. */
export const api: AilabApi = window.ailab ?? createWsApi();
export const runMode: 'electron' | 'browser' = window.ailab ? 'electron' : 'browser';
