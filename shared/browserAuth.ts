/**
 * How the browser mode's page proves it holds the token, shared by the server (electron/server) and
 * the page (renderer/src/api). Nothing here is a cookie: cookies on 127.0.0.1 ignore ports, so a
 * cookie would also go to Jupyter, which the page opens on another port of the same host. The page
 * keeps the token in memory (and in sessionStorage, which belongs to one origin, port included, and is
 * never sent anywhere) and presents it explicitly on each request that needs it.
 */

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,256}$/;

/** The query parameter of the printed link; the page removes it from the address bar at once. */
export const TOKEN_QUERY = 'token';

/** The WebSocket subprotocol the server agrees to; the page also offers the token as a second one. */
export const WS_SUBPROTOCOL = 'ailab.v1';
/**
 * Browsers cannot set headers on a WebSocket handshake; a subprotocol (`Sec-WebSocket-Protocol`) is the
 * one field a page controls, and unlike the URL it is not kept anywhere. Tokens are made of characters
 * a subprotocol may hold.
 */
export const WS_TOKEN_SUBPROTOCOL_PREFIX = 'ailab.token.';

/** GET with the token: 204 when it is right, 401 otherwise. The page asks before it shows the app. */
export const SESSION_PATH = '/api/session';

export function bearer(token: string): string {
  return `Bearer ${token}`;
}
