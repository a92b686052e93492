import { protocol } from 'electron';
import fs from 'node:fs/promises';
import path from 'node:path';
import { RENDERER_CSP } from '../../shared/csp';
import { contentTypeFor, resolveStaticPath } from '../services/core/staticPaths';
import { APP_HOST, APP_SCHEME } from './origins';

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
 * Serves files from the built renderer and nothing else. The URL path goes through the same checks as
 * the browser mode's server (resolveStaticPath): `..` (also encoded), backslashes and NUL are refused,
 * and an encoded absolute path still resolves under rendererDir. Unlike the server there is no
 * client-side-route fallback to index.html: a missing file is a 404.
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
    const target = resolveStaticPath(root, url.pathname);
    if (target.kind === 'refused') return target.reason === 'malformed' ? respond(400, 'Bad request') : respond(403, 'Forbidden');
    const file = target.file;
    let data: Buffer;
    try {
      data = await fs.readFile(file);
    } catch {
      return respond(404, 'Not found');
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(data), {
      status: 200,
      headers: {
        'Content-Type': contentTypeFor(file),
        'Content-Security-Policy': RENDERER_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      },
    });
  };
}
