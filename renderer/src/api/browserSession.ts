import { bearer, SESSION_PATH, TOKEN_QUERY } from '../../../shared/browserAuth';

/**
 * The browser mode's token on the page side. It arrives once, in the link the server printed
 * (`/?token=…`); the page takes it, removes it from the address bar and from the history entry
 * (history.replaceState, before anything else runs), and keeps it in memory and in sessionStorage so
 * that a reload works. sessionStorage belongs to this origin (port included) and this tab, and the
 * browser never sends it anywhere, unlike a cookie, which every port of 127.0.0.1 would receive,
 * Jupyter's included. Structural types, so the rules run under unit tests without a DOM.
 */

export const TOKEN_STORAGE_KEY = 'ailab-desktop.token';

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface SessionGlobals {
  location: { href: string };
  history: { state: unknown; replaceState(data: unknown, unused: string, url?: string): void };
  /** Absent or throwing where storage is disabled: the token then lasts until the page is reloaded. */
  sessionStorage?: StorageLike;
}

function storage(g: SessionGlobals): StorageLike | null {
  try {
    return g.sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** The token for this page: from the URL (then removed from it), else from this tab's sessionStorage. */
export function takeSessionToken(g: SessionGlobals): string | null {
  const url = new URL(g.location.href);
  const fromUrl = url.searchParams.get(TOKEN_QUERY);
  const store = storage(g);
  if (fromUrl === null) {
    try {
      return store?.getItem(TOKEN_STORAGE_KEY) ?? null;
    } catch {
      return null;
    }
  }
  url.searchParams.delete(TOKEN_QUERY);
  // The whole URL, not its path: a path such as //evil.example/ would be read as another host.
  g.history.replaceState(g.history.state, '', url.href);
  try {
    store?.setItem(TOKEN_STORAGE_KEY, fromUrl);
  } catch {
    // Storage full or disabled: the token still lives in memory.
  }
  return fromUrl;
}

/** Forgets a token the server refused, so the next reload does not present it again. */
export function forgetSessionToken(g: SessionGlobals): void {
  try {
    storage(g)?.removeItem(TOKEN_STORAGE_KEY);
  } catch {
    // Nothing stored, nothing to forget.
  }
}

export type SessionProblem = 'missing' | 'wrong-token';

/** The subset of fetch the check uses. */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; cache: 'no-store' }) => Promise<{ status: number }>;

/**
 * Asks the server whether `token` is right. A server that cannot be reached is not a token problem:
 * the app starts and its connection banner says the server is gone.
 */
export async function checkSession(token: string | null, fetchFn: FetchLike): Promise<SessionProblem | null> {
  if (token === null) return 'missing';
  try {
    const res = await fetchFn(SESSION_PATH, { method: 'GET', headers: { Authorization: bearer(token) }, cache: 'no-store' });
    return res.status === 401 ? 'wrong-token' : null;
  } catch {
    return null;
  }
}
