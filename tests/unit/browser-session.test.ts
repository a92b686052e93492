import { describe, expect, it } from 'vitest';
import {
  checkSession,
  forgetSessionToken,
  takeSessionToken,
  TOKEN_STORAGE_KEY,
  type FetchLike,
  type SessionGlobals,
} from '../../renderer/src/api/browserSession';

const TOKEN = 'page-token-0123456789abcdef';

/** A tab: its address bar, its history entry and its sessionStorage. */
function tab(href: string, stored: Record<string, string> = {}) {
  const store = new Map(Object.entries(stored));
  const replaced: string[] = [];
  const g: SessionGlobals & { replaced: string[]; store: Map<string, string> } = {
    location: { href },
    history: {
      state: { page: 1 },
      replaceState(_data, _unused, url) {
        if (url === undefined) return;
        const next = new URL(url, g.location.href);
        // As a browser does: replaceState may not leave the origin.
        if (next.origin !== new URL(g.location.href).origin) throw new Error(`SecurityError: ${url} is another origin`);
        g.location.href = next.href;
        replaced.push(next.href);
      },
    },
    sessionStorage: {
      getItem: (k) => store.get(k) ?? null,
      setItem: (k, v) => void store.set(k, v),
      removeItem: (k) => void store.delete(k),
    },
    replaced,
    store,
  };
  return g;
}

describe('the page token', () => {
  it('is taken from the printed link, which leaves the address bar and the history entry at once', () => {
    const g = tab(`http://127.0.0.1:49500/?token=${TOKEN}`);
    expect(takeSessionToken(g)).toBe(TOKEN);
    expect(g.location.href).toBe('http://127.0.0.1:49500/');
    expect(g.replaced).toEqual(['http://127.0.0.1:49500/']);
    expect(g.store.get(TOKEN_STORAGE_KEY)).toBe(TOKEN);
  });

  it('keeps the other parts of the URL', () => {
    const g = tab(`http://127.0.0.1:49500/volumes?x=1&token=${TOKEN}&y=2#top`);
    takeSessionToken(g);
    expect(g.location.href).toBe('http://127.0.0.1:49500/volumes?x=1&y=2#top');
  });

  it('stays on this origin whatever the path looks like (//evil.example/ is a path here)', () => {
    const g = tab(`http://127.0.0.1:49500//evil.example/?token=${TOKEN}`);
    expect(takeSessionToken(g)).toBe(TOKEN);
    expect(g.location.href).toBe('http://127.0.0.1:49500//evil.example/');
  });

  it('comes from sessionStorage on a reload, and the link wins over a remembered one', () => {
    expect(takeSessionToken(tab('http://127.0.0.1:49500/', { [TOKEN_STORAGE_KEY]: TOKEN }))).toBe(TOKEN);
    const g = tab(`http://127.0.0.1:49500/?token=${TOKEN}`, { [TOKEN_STORAGE_KEY]: 'an-older-token-0123456789' });
    expect(takeSessionToken(g)).toBe(TOKEN);
    expect(g.store.get(TOKEN_STORAGE_KEY)).toBe(TOKEN);
  });

  it('is null without a link or a remembered token, and nothing is rewritten', () => {
    const g = tab('http://127.0.0.1:49500/');
    expect(takeSessionToken(g)).toBeNull();
    expect(g.replaced).toEqual([]);
  });

  it('still works, for this page only, where storage is disabled', () => {
    const g = tab(`http://127.0.0.1:49500/?token=${TOKEN}`);
    g.sessionStorage = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => undefined,
    };
    expect(takeSessionToken(g)).toBe(TOKEN);
    expect(g.location.href).toBe('http://127.0.0.1:49500/');
    expect(takeSessionToken(g)).toBeNull();
  });

  it('is forgotten when the server refused it', () => {
    const g = tab('http://127.0.0.1:49500/', { [TOKEN_STORAGE_KEY]: TOKEN });
    forgetSessionToken(g);
    expect(g.store.has(TOKEN_STORAGE_KEY)).toBe(false);
  });
});

describe('checkSession', () => {
  const answering = (status: number) => {
    const calls: Array<{ url: string; headers: Record<string, string> }> = [];
    const fn: FetchLike = async (url, init) => {
      calls.push({ url, headers: init.headers });
      return { status };
    };
    return { fn, calls };
  };

  it('presents the token as a Bearer header to the session endpoint', async () => {
    const { fn, calls } = answering(204);
    await expect(checkSession(TOKEN, fn)).resolves.toBeNull();
    expect(calls).toEqual([{ url: '/api/session', headers: { Authorization: `Bearer ${TOKEN}` } }]);
  });

  it('says "missing" without a token (and asks nobody), "wrong-token" on a 401', async () => {
    const { fn, calls } = answering(401);
    await expect(checkSession(null, fn)).resolves.toBe('missing');
    expect(calls).toEqual([]);
    await expect(checkSession(TOKEN, fn)).resolves.toBe('wrong-token');
  });

  it('lets the app start when the server cannot be reached (its banner says so)', async () => {
    await expect(
      checkSession(TOKEN, async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).resolves.toBeNull();
  });
});
