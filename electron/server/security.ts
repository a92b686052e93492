import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { RENDERER_CSP } from '../../shared/csp';

/**
 * The browser mode's gatekeeping, as pure functions so each rule is unit-tested on its own. The
 * server is reachable by every local process and by every web page the user visits (through the
 * browser), so each request must prove three things: it is addressed to us by a loopback name (DNS
 * rebinding), it comes from our own page when a browser sends it (cross-site requests), and it
 * carries the token printed in the terminal (other local users and processes).
 */

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** AILAB_SERVE_TOKEN lets scripts choose the token; it must be URL- and cookie-safe and not trivially short. */
export function tokenFromEnv(value: string | undefined): { token: string } | { error: string } | null {
  if (value === undefined || value === '') return null;
  if (!TOKEN_PATTERN.test(value)) {
    return { error: 'AILAB_SERVE_TOKEN must be 16 to 256 characters of A-Z, a-z, 0-9, "-" and "_".' };
  }
  return { token: value };
}

/** Constant-time comparison; hashing first makes the time independent of the lengths too. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** Cookies are shared across ports on one host, so the port is part of the name. */
export function cookieName(port: number): string {
  return `ailab_token_${port}`;
}

export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function allowedOrigins(port: number): string[] {
  return allowedHosts(port).map((h) => `http://${h}`);
}

/** DNS rebinding: a foreign page whose name now resolves to 127.0.0.1 still sends its own name as Host. */
export function isAllowedHost(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return allowedHosts(port).includes(host.toLowerCase());
}

export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (!origin) return false;
  return allowedOrigins(port).includes(origin.toLowerCase());
}

export type AuthOutcome =
  /** The query carried the right token: set the cookie (and, for a page, redirect to drop the token). */
  | { ok: true; via: 'query' }
  | { ok: true; via: 'cookie' }
  | { ok: false; reason: 'missing' | 'wrong-token' };

/**
 * A `?token=` in the URL wins over the cookie: a wrong one is refused even with a good cookie, so a
 * mistyped link fails visibly instead of working by accident.
 */
export function authenticate(queryToken: string | null, cookieHeader: string | undefined, port: number, token: string): AuthOutcome {
  if (queryToken !== null) return tokensEqual(queryToken, token) ? { ok: true, via: 'query' } : { ok: false, reason: 'wrong-token' };
  const cookie = parseCookies(cookieHeader).get(cookieName(port));
  if (cookie === undefined) return { ok: false, reason: 'missing' };
  return tokensEqual(cookie, token) ? { ok: true, via: 'cookie' } : { ok: false, reason: 'wrong-token' };
}

export interface RequestFacts {
  method: string;
  host: string | undefined;
  origin: string | undefined;
}

export type GateOutcome = { ok: true } | { ok: false; status: 403; message: string };

/** The Host and Origin rules every HTTP request passes before authentication. */
export function checkRequest(req: RequestFacts, port: number): GateOutcome {
  if (!isAllowedHost(req.host, port)) return { ok: false, status: 403, message: 'Refused: foreign Host header.' };
  const safe = req.method === 'GET' || req.method === 'HEAD';
  // Browsers send Origin on every non-GET request; a missing one means a non-browser client (curl, a script).
  if (!safe && req.origin !== undefined && !isAllowedOrigin(req.origin, port)) {
    return { ok: false, status: 403, message: 'Refused: foreign Origin header.' };
  }
  return { ok: true };
}

/** WebSocket upgrades are exempt from the same-origin policy, so Origin is required and must be ours. */
export function checkUpgrade(req: Omit<RequestFacts, 'method'>, port: number): GateOutcome {
  if (!isAllowedHost(req.host, port)) return { ok: false, status: 403, message: 'Refused: foreign Host header.' };
  if (!isAllowedOrigin(req.origin, port)) return { ok: false, status: 403, message: 'Refused: foreign or missing Origin header.' };
  return { ok: true };
}

/** The path and query of a page URL with the token removed (other parameters kept), for the redirect. */
export function withoutToken(pathAndQuery: string): string {
  const url = new URL(pathAndQuery, 'http://127.0.0.1');
  url.searchParams.delete('token');
  const query = url.searchParams.toString();
  return `${url.pathname}${query ? `?${query}` : ''}`;
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
