import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_PATTERN, WS_SUBPROTOCOL, WS_TOKEN_SUBPROTOCOL_PREFIX } from '../../shared/browserAuth';
import { RENDERER_CSP } from '../../shared/csp';

/**
 * The browser mode's gatekeeping, as pure functions so each rule is unit-tested on its own. The
 * server is reachable by every local process and by every web page the user visits (through the
 * browser), so each request must prove three things: it is addressed to us by a loopback name (DNS
 * rebinding), it comes from our own page when a browser sends it (cross-site requests), and, for the
 * API and the WebSocket, it carries the token printed in the terminal (other local users and
 * processes). The token is never a cookie (see shared/browserAuth.ts); the static page needs none.
 */

export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** AILAB_SERVE_TOKEN lets scripts choose the token; it must be URL- and subprotocol-safe and not trivially short. */
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

export type AuthOutcome = { ok: true } | { ok: false; reason: 'missing' | 'wrong-token' };

/** Where a request may carry the token. None of them is sent by the browser on its own. */
export interface PresentedCredentials {
  /** `?token=`: the printed link, and scripts. */
  query: string | null;
  /** `Authorization: Bearer <token>`: the page's uploads and session check, and scripts. */
  authorization: string | undefined;
  /** `Sec-WebSocket-Protocol`: the page's WebSocket (`ailab.token.<token>`). */
  subprotocols?: string | undefined;
}

/** The token a request presents, or null; the first place that has one counts. */
export function presentedToken(c: PresentedCredentials): string | null {
  if (c.query !== null) return c.query;
  const auth = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(c.authorization ?? '');
  if (auth?.[1]) return auth[1];
  for (const p of (c.subprotocols ?? '').split(',')) {
    const name = p.trim();
    if (name.startsWith(WS_TOKEN_SUBPROTOCOL_PREFIX)) return name.slice(WS_TOKEN_SUBPROTOCOL_PREFIX.length);
  }
  return null;
}

export function authenticate(presented: string | null, token: string): AuthOutcome {
  if (presented === null) return { ok: false, reason: 'missing' };
  return tokensEqual(presented, token) ? { ok: true } : { ok: false, reason: 'wrong-token' };
}

/** The WebSocket subprotocol to agree to: ours when offered (a browser fails the handshake otherwise). */
export function chooseSubprotocol(offered: ReadonlySet<string>): string | false {
  return offered.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false;
}

/** Earlier versions kept the token in a cookie `ailab_token_<port>`. */
const LEGACY_COOKIE = /^ailab_token_\d{1,5}$/;

/**
 * Set-Cookie headers that delete the token cookies earlier versions set. Every cookie of the host
 * comes with every request, whatever its port, so a page load here can delete them all, before they
 * reach Jupyter on another port.
 */
export function legacyCookieDeletions(cookieHeader: string | undefined): string[] {
  const names = new Set<string>();
  for (const part of (cookieHeader ?? '').split(';')) {
    const name = part.slice(0, Math.max(0, part.indexOf('='))).trim();
    if (LEGACY_COOKIE.test(name)) names.add(name);
  }
  return [...names].map((name) => `${name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`);
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

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Resource-Policy': 'same-origin',
};
