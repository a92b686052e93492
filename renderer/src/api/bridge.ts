import type { AilabApi } from '../../../shared/contract';
import { checkSession, forgetSessionToken, takeSessionToken, type FetchLike, type SessionGlobals, type SessionProblem } from './browserSession';
import { createWsApi } from './wsClient';

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in the browser mode. */
    readonly ailab?: AilabApi;
  }
}

export const runMode: 'electron' | 'browser' = window.ailab ? 'electron' : 'browser';

// The browser mode takes its token from the address bar first of all (this module is evaluated before
// the app renders), so the token spends as little time there as possible.
const sessionGlobals = window as unknown as SessionGlobals;
const token = window.ailab ? null : takeSessionToken(sessionGlobals);

/** The one API the renderer talks to: the preload's object in Electron, a WebSocket client in the browser mode. */
export const api: AilabApi = window.ailab ?? createWsApi(token);

/**
 * Null when the app can start; in the browser mode, why it cannot: the page has no token, or the
 * server refused it (it prints a new one each time it starts). A refused token is forgotten.
 */
export async function browserSessionProblem(): Promise<SessionProblem | null> {
  if (runMode === 'electron') return null;
  const problem = await checkSession(token, window.fetch.bind(window) as unknown as FetchLike);
  if (problem === 'wrong-token') forgetSessionToken(sessionGlobals);
  return problem;
}
