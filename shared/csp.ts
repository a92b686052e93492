/**
 * The renderer's Content-Security-Policy, set by Electron main (protocol response headers) and by the
 * browser-mode server (HTTP header). connect-src 'self' covers the browser mode's same-origin WebSocket.
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
