import { describe, expect, it } from 'vitest';
import {
  authenticate,
  checkRequest,
  checkUpgrade,
  chooseSubprotocol,
  generateToken,
  legacyCookieDeletions,
  presentedToken,
  SECURITY_HEADERS,
  tokenFromEnv,
  tokensEqual,
} from '../../electron/server/security';
import { RENDERER_CSP } from '../../shared/csp';

const PORT = 49500;
const TOKEN = 'abcdefghijklmnopqrstuvwxyz012345';

describe('tokens', () => {
  it('generates 32 random bytes as base64url', () => {
    const a = generateToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(a);
  });

  it('compares tokens exactly, whatever their lengths', () => {
    expect(tokensEqual(TOKEN, TOKEN)).toBe(true);
    expect(tokensEqual(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokensEqual(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokensEqual('', TOKEN)).toBe(false);
    expect(tokensEqual(TOKEN.toUpperCase(), TOKEN)).toBe(false);
  });

  it('accepts a scripted token only when it is URL- and subprotocol-safe', () => {
    expect(tokenFromEnv(undefined)).toBeNull();
    expect(tokenFromEnv('')).toBeNull();
    expect(tokenFromEnv(TOKEN)).toEqual({ token: TOKEN });
    expect(tokenFromEnv('short')).toHaveProperty('error');
    expect(tokenFromEnv('has;semicolon-and-more-chars')).toHaveProperty('error');
  });
});

describe('the token, presented explicitly', () => {
  const none = { query: null, authorization: undefined, subprotocols: undefined };

  it('is read from ?token=, Authorization: Bearer or the WebSocket subprotocol, in that order', () => {
    expect(presentedToken({ ...none, query: TOKEN })).toBe(TOKEN);
    expect(presentedToken({ ...none, authorization: `Bearer ${TOKEN}` })).toBe(TOKEN);
    expect(presentedToken({ ...none, authorization: `bearer\t${TOKEN} ` })).toBe(TOKEN);
    expect(presentedToken({ ...none, subprotocols: `ailab.v1, ailab.token.${TOKEN}` })).toBe(TOKEN);
    expect(presentedToken({ query: 'q', authorization: 'Bearer h', subprotocols: 'ailab.token.s' })).toBe('q');
    expect(presentedToken({ ...none, authorization: 'Bearer h', subprotocols: 'ailab.token.s' })).toBe('h');
  });

  it('is never taken from a cookie, nor from other Authorization schemes', () => {
    expect(presentedToken(none)).toBeNull();
    expect(presentedToken({ ...none, authorization: `Basic ${TOKEN}` })).toBeNull();
    expect(presentedToken({ ...none, authorization: 'Bearer' })).toBeNull();
    expect(presentedToken({ ...none, subprotocols: 'ailab.v1' })).toBeNull();
  });

  it('must equal the server token', () => {
    expect(authenticate(TOKEN, TOKEN)).toEqual({ ok: true });
    expect(authenticate(null, TOKEN)).toEqual({ ok: false, reason: 'missing' });
    expect(authenticate('nope', TOKEN)).toEqual({ ok: false, reason: 'wrong-token' });
    expect(authenticate(`${TOKEN}x`, TOKEN)).toEqual({ ok: false, reason: 'wrong-token' });
  });

  it('agrees to our subprotocol only (a browser that offered protocols fails without one)', () => {
    expect(chooseSubprotocol(new Set(['ailab.v1', `ailab.token.${TOKEN}`]))).toBe('ailab.v1');
    expect(chooseSubprotocol(new Set([`ailab.token.${TOKEN}`]))).toBe(false);
    expect(chooseSubprotocol(new Set())).toBe(false);
  });
});

describe('cookies of earlier versions', () => {
  it("are deleted, every port's, and no other cookie", () => {
    expect(legacyCookieDeletions(`a=1; ailab_token_49500=${TOKEN}; ailab_token_8888=x; jupyter=y; ailab_token_49500=z`)).toEqual([
      'ailab_token_49500=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
      'ailab_token_8888=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    ]);
    expect(legacyCookieDeletions('ailab_token_=1; xailab_token_1=2')).toEqual([]);
    expect(legacyCookieDeletions(undefined)).toEqual([]);
  });
});

describe('Host and Origin checks', () => {
  it('accepts loopback names with our port only (DNS rebinding)', () => {
    expect(checkRequest({ method: 'GET', host: '127.0.0.1:49500', origin: undefined }, PORT).ok).toBe(true);
    expect(checkRequest({ method: 'GET', host: 'localhost:49500', origin: undefined }, PORT).ok).toBe(true);
    expect(checkRequest({ method: 'GET', host: 'LOCALHOST:49500', origin: undefined }, PORT).ok).toBe(true);
    for (const host of ['evil.example:49500', '127.0.0.1:49501', '127.0.0.1', 'localhost', '[::1]:49500', undefined]) {
      const r = checkRequest({ method: 'GET', host, origin: undefined }, PORT);
      expect(r).toEqual({ ok: false, status: 403, message: 'Refused: foreign Host header.' });
    }
  });

  it('refuses non-GET requests from a foreign Origin, allows ours and none (scripts)', () => {
    const host = '127.0.0.1:49500';
    expect(checkRequest({ method: 'PUT', host, origin: 'http://127.0.0.1:49500' }, PORT).ok).toBe(true);
    expect(checkRequest({ method: 'PUT', host, origin: 'http://localhost:49500' }, PORT).ok).toBe(true);
    expect(checkRequest({ method: 'PUT', host, origin: undefined }, PORT).ok).toBe(true);
    const foreign = checkRequest({ method: 'PUT', host, origin: 'http://evil.example' }, PORT);
    expect(foreign.ok).toBe(false);
    expect(checkRequest({ method: 'POST', host, origin: 'null' }, PORT).ok).toBe(false);
    expect(checkRequest({ method: 'PUT', host, origin: 'https://127.0.0.1:49500' }, PORT).ok).toBe(false);
    // GET is not state-changing; its Origin does not matter (the token still does).
    expect(checkRequest({ method: 'GET', host, origin: 'http://evil.example' }, PORT).ok).toBe(true);
  });

  it('requires our Origin on a WebSocket upgrade', () => {
    expect(checkUpgrade({ host: '127.0.0.1:49500', origin: 'http://127.0.0.1:49500' }, PORT).ok).toBe(true);
    expect(checkUpgrade({ host: 'localhost:49500', origin: 'http://localhost:49500' }, PORT).ok).toBe(true);
    expect(checkUpgrade({ host: '127.0.0.1:49500', origin: undefined }, PORT).ok).toBe(false);
    expect(checkUpgrade({ host: '127.0.0.1:49500', origin: 'http://evil.example' }, PORT).ok).toBe(false);
    expect(checkUpgrade({ host: '127.0.0.1:49500', origin: 'http://127.0.0.1:49501' }, PORT).ok).toBe(false);
    const host = checkUpgrade({ host: 'evil.example:49500', origin: 'http://127.0.0.1:49500' }, PORT);
    expect(host.ok === false && host.message).toContain('foreign Host header');
  });
});

describe('security headers', () => {
  it('carry the renderer CSP and the hardening headers', () => {
    expect(SECURITY_HEADERS['Content-Security-Policy']).toBe(RENDERER_CSP);
    expect(SECURITY_HEADERS['X-Content-Type-Options']).toBe('nosniff');
    expect(SECURITY_HEADERS['Referrer-Policy']).toBe('no-referrer');
    expect(SECURITY_HEADERS['X-Frame-Options']).toBe('DENY');
  });
});
