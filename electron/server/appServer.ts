import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Handlers } from '../../shared/contract';
import type { ApiErrorPayload } from '../../shared/contract/errors';
import type { EventBus } from '../services/core/eventBus';
import { resolveStaticPath } from '../services/core/staticPaths';
import { UPLOADS_PATH, WS_PATH } from './protocol';
import { authenticate, checkRequest, checkUpgrade, SECURITY_HEADERS, sessionCookie, withoutToken, type AuthOutcome } from './security';
import { sendStatic } from './staticFiles';
import { handleUpload } from './uploadRoute';
import { createWsConnections } from './wsConnections';

export interface AppServerOptions {
  bus: EventBus;
  handlers: Handlers;
  dataDir: string;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  token: string;
  keepaliveMs?: number;
  onUnexpected?: (method: string, err: unknown) => void;
}

export interface AppServer {
  /** Binds to 127.0.0.1 only; resolves with the port (useful with 0). Rejects with the listen error (EADDRINUSE…). */
  listen(port: number): Promise<number>;
  port(): number;
  /** How many pages are connected over WebSocket. */
  connections(): number;
  close(): Promise<void>;
}

const HTML_HEADERS = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };

function unauthorizedPage(reason: Exclude<AuthOutcome, { ok: true }>['reason']): string {
  const what =
    reason === 'wrong-token'
      ? 'The token in this link (or the one remembered from an earlier run) does not match the running server.'
      : 'This page needs the token that the server printed when it started.';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="color-scheme" content="light dark"><title>AI-Lab Desktop: open the link from the terminal</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5; padding: 0 1rem">
<h1>Open the link printed in the terminal</h1>
<p>${what}</p>
<p>Open the URL printed in the terminal where you ran <code>npm run serve</code>; it looks like
<code>http://127.0.0.1:PORT/?token=…</code>. The server prints a new token each time it starts.</p>
</body></html>
`;
}

/**
 * The browser mode's HTTP + WebSocket server: the built renderer as static files, the WebSocket for
 * calls and events, and the upload endpoint, all behind the Host/Origin checks and the token.
 */
export function createAppServer(opts: AppServerOptions): AppServer {
  let boundPort = 0;
  const ws = createWsConnections({ bus: opts.bus, handlers: opts.handlers, keepaliveMs: opts.keepaliveMs, onUnexpected: opts.onUnexpected });

  const server = http.createServer((req, res) => {
    handleRequest(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Internal error.\n');
      } else {
        res.destroy();
      }
    });
  });
  // Headers and request bodies arrive slowly for big uploads; only idle connections are timed out.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;

  async function handleRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const plain = (status: number, text: string) => {
      res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`${text}\n`);
    };
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(body));
    };

    const gate = checkRequest({ method, host: req.headers.host, origin: req.headers.origin }, boundPort);
    if (!gate.ok) {
      req.resume();
      plain(gate.status, gate.message);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const isApi = url.pathname.startsWith('/api/');
    const auth = authenticate(url.searchParams.get('token'), req.headers.cookie, boundPort, opts.token);
    if (!auth.ok) {
      req.resume();
      if (isApi) {
        const body: ApiErrorPayload = {
          code: 'UNAUTHORIZED',
          message: 'Missing or wrong token.',
          hint: 'Open the URL printed in the terminal where the server runs, or pass ?token=.',
        };
        json(401, body);
      } else {
        res.writeHead(401, { ...SECURITY_HEADERS, ...HTML_HEADERS });
        res.end(method === 'HEAD' ? undefined : unauthorizedPage(auth.reason));
      }
      return;
    }

    if (url.pathname === UPLOADS_PATH) {
      if (method !== 'PUT') {
        req.resume();
        res.setHeader('Allow', 'PUT');
        json(405, { code: 'INVALID_ARGUMENT', message: `${method} is not allowed here; uploads use PUT.` });
        return;
      }
      await handleUpload(req, res, opts.dataDir, url.searchParams.get('name'), json);
      return;
    }
    if (isApi) {
      req.resume();
      json(404, { code: 'INVALID_ARGUMENT', message: `No API endpoint ${url.pathname}.` });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      req.resume();
      res.setHeader('Allow', 'GET, HEAD');
      plain(405, 'Method not allowed.');
      return;
    }
    if (auth.via === 'query' && method === 'GET') {
      // Keep the token out of the address bar, history and screenshots: the cookie carries it from now on.
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': sessionCookie(boundPort, opts.token),
        Location: withoutToken(req.url ?? '/'),
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    const target = resolveStaticPath(opts.rendererDir, url.pathname);
    if (target.kind === 'refused') {
      plain(400, 'Bad path.');
      return;
    }
    const sent = await sendStatic(res, opts.rendererDir, target, method === 'HEAD', SECURITY_HEADERS);
    if (!sent) plain(404, 'Not found.');
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    };
    socket.on('error', () => undefined);
    const gate = checkUpgrade({ host: req.headers.host, origin: req.headers.origin }, boundPort);
    if (!gate.ok) return refuse(gate.status, gate.message);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== WS_PATH) return refuse(404, 'Not found.');
    const auth = authenticate(url.searchParams.get('token'), req.headers.cookie, boundPort, opts.token);
    if (!auth.ok) return refuse(401, 'Missing or wrong token.');
    ws.wss.handleUpgrade(req, socket, head, (client) => ws.wss.emit('connection', client, req));
  });

  return {
    listen(port) {
      return new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.once('error', onError);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', onError);
          boundPort = (server.address() as AddressInfo).port;
          resolve(boundPort);
        });
      });
    },
    port: () => boundPort,
    connections: () => ws.count(),
    async close() {
      ws.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Uploads in flight and pages that ignore the close frame get a moment, then are cut off.
      const timer = setTimeout(() => {
        for (const client of ws.wss.clients) client.terminate();
        server.closeAllConnections();
      }, 1500);
      await closed;
      clearTimeout(timer);
    },
  };
}
