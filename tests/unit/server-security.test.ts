import { describe, expect, it } from 'vitest';
import {
  authenticate,
  checkRequest,
  checkUpgrade,
  cookieName,
  generateToken,
  parseCookies,
  SECURITY_HEADERS,
  sessionCookie,
  tokenFromEnv,
  tokensEqual,
  withoutToken,
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

  it('accepts a scripted token only when it is URL- and cookie-safe', () => {
    expect(tokenFromEnv(undefined)).toBeNull();
    expect(tokenFromEnv('')).toBeNull();
    expect(tokenFromEnv(TOKEN)).toEqual({ token: TOKEN });
    expect(tokenFromEnv('short')).toHaveProperty('error');
    expect(tokenFromEnv('has;semicolon-and-more-chars')).toHaveProperty('error');
  });
});

describe('cookies', () => {
  it('names the cookie after the port so two servers do not clash', () => {
    expect(cookieName(49500)).toBe('ailab_token_49500');
    expect(cookieName(49501)).not.toBe(cookieName(49500));
  });

  it('sets an HttpOnly, SameSite=Strict, Path=/ cookie', () => {
    const c = sessionCookie(PORT, TOKEN);
    expect(c.startsWith(`ailab_token_49500=${TOKEN};`)).toBe(true);
    expect(c).toContain('HttpOnly');
    expect(c).toContain('SameSite=Strict');
    expect(c).toContain('Path=/');
  });

  it('parses a Cookie header, first value wins', () => {
    const m = parseCookies('a=1; ailab_token_49500=xyz ; a=2; junk; =x');
    expect(m.get('a')).toBe('1');
    expect(m.get('ailab_token_49500')).toBe('xyz');
    expect(m.size).toBe(2);
    expect(parseCookies(undefined).size).toBe(0);
  });
});

describe('authenticate', () => {
  it('accepts the token from the query and asks for the cookie to be set', () => {
    expect(authenticate(TOKEN, undefined, PORT, TOKEN)).toEqual({ ok: true, via: 'query' });
  });

  it('accepts the cookie of this port only', () => {
    expect(authenticate(null, `ailab_token_49500=${TOKEN}`, PORT, TOKEN)).toEqual({ ok: true, via: 'cookie' });
    expect(authenticate(null, `ailab_token_49501=${TOKEN}`, PORT, TOKEN)).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses a missing or wrong token, and a wrong query token even with a good cookie', () => {
    expect(authenticate(null, undefined, PORT, TOKEN)).toEqual({ ok: false, reason: 'missing' });
    expect(authenticate('nope', undefined, PORT, TOKEN)).toEqual({ ok: false, reason: 'wrong-token' });
    expect(authenticate(null, 'ailab_token_49500=nope', PORT, TOKEN)).toEqual({ ok: false, reason: 'wrong-token' });
    expect(authenticate('nope', `ailab_token_49500=${TOKEN}`, PORT, TOKEN)).toEqual({ ok: false, reason: 'wrong-token' });
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

describe('withoutToken', () => {
  it('drops only the token from the redirect target', () => {
    expect(withoutToken(`/?token=${TOKEN}`)).toBe('/');
    expect(withoutToken(`/volumes?x=1&token=${TOKEN}&y=2`)).toBe('/volumes?x=1&y=2');
    expect(withoutToken('/a/b')).toBe('/a/b');
  });

  it('never redirects off the server', () => {
    expect(withoutToken(`//evil.example/?token=${TOKEN}`)).toBe('/');
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
