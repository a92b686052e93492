import { protocol } from 'electron';
import fs from 'node:fs/promises';
import path from 'node:path';
import { RENDERER_CSP } from '../../shared/csp';
import { APP_HOST, APP_SCHEME } from './origins';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Must run before the app is ready. `standard` gives app:// real origins and relative URL resolution,
 * `secure` makes the page a secure context, `supportFetchAPI` lets the page fetch its own assets.
 */
export function registerAppSchemePrivileged(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

export function installAppProtocol(rendererDir: string): void {
  protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));
}

function respond(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': RENDERER_CSP, 'X-Content-Type-Options': 'nosniff' },
  });
}

/**
 * Serves files from the built renderer and nothing else. The URL path is decoded and then resolved
 * under rendererDir; anything that lands outside it (`..`, encoded `%2f`, backslashes, absolute
 * paths) is refused, because WHATWG URL parsing only removes the dot segments it can see.
 */
export function createAppProtocolHandler(rendererDir: string): (request: Request) => Promise<Response> {
  const root = path.resolve(rendererDir);
  return async (request) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return respond(400, 'Bad request');
    }
    if (url.host !== APP_HOST) return respond(404, 'Not found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'Method not allowed');
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return respond(400, 'Bad request');
    }
    if (pathname.includes('\0')) return respond(400, 'Bad request');
    if (pathname.endsWith('/')) pathname += 'index.html';
    const file = path.resolve(root, `.${path.sep}${pathname.replace(/^[/\\]+/, '')}`);
    const relative = path.relative(root, file);
    if (relative === '' || relative.split(/[/\\]/)[0] === '..' || path.isAbsolute(relative)) return respond(403, 'Forbidden');
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch {
      return respond(404, 'Not found');
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(data), {
      status: 200,
      headers: {
        'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Security-Policy': RENDERER_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      },
    });
  };
}
