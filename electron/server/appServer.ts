import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Handlers } from '../../shared/contract';
import { SESSION_PATH, TOKEN_QUERY } from '../../shared/browserAuth';
import type { EventBus } from '../services/core/eventBus';
import { resolveStaticPath } from '../services/core/staticPaths';
import { UPLOADS_PATH, WS_PATH } from '../../shared/contract/wire';
import { authenticate, checkRequest, checkUpgrade, legacyCookieDeletions, presentedToken, SECURITY_HEADERS } from './security';
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

/**
 * The browser mode's HTTP + WebSocket server: the built renderer as static files, the WebSocket for
 * calls and events, and the API (uploads, session check), all behind the Host/Origin checks; the
 * WebSocket and the API also behind the token.
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

    if (url.pathname.startsWith('/api/')) {
      const auth = authenticate(presentedToken({ query: url.searchParams.get(TOKEN_QUERY), authorization: req.headers.authorization }), opts.token);
      if (!auth.ok) {
        req.resume();
        json(401, {
          code: 'UNAUTHORIZED',
          message: auth.reason === 'missing' ? 'This request carries no token.' : 'The token does not match the running server.',
          hint: 'Open the URL printed in the terminal where the server runs; scripts send "Authorization: Bearer <token>" (or ?token=).',
        });
        return;
      }
      if (url.pathname === SESSION_PATH) {
        req.resume();
        if (method !== 'GET' && method !== 'HEAD') {
          res.setHeader('Allow', 'GET, HEAD');
          json(405, { code: 'INVALID_ARGUMENT', message: `${method} is not allowed here.` });
          return;
        }
        res.writeHead(204, { ...SECURITY_HEADERS, 'Cache-Control': 'no-store' });
        res.end();
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
      req.resume();
      json(404, { code: 'INVALID_ARGUMENT', message: `No API endpoint ${url.pathname}.` });
      return;
    }

    // The page itself (the built renderer) needs no token: it holds nothing secret, and a reload must
    // load it without one (the token is in the page's sessionStorage, which the server never sees).
    // The page checks its token (SESSION_PATH) and says what to do when it has none or a wrong one.
    // A token in the URL is left for the page to take and remove (history.replaceState): there is no
    // redirect, so no Location header a crafted path (/.//evil.example/) could turn into another site.
    req.resume();
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      plain(405, 'Method not allowed.');
      return;
    }
    // Cookies of earlier versions still reach every port of this host: delete them.
    const deletions = legacyCookieDeletions(req.headers.cookie);
    if (deletions.length > 0) res.setHeader('Set-Cookie', deletions);
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
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
      );
    };
    socket.on('error', () => undefined);
    const gate = checkUpgrade({ host: req.headers.host, origin: req.headers.origin }, boundPort);
    if (!gate.ok) return refuse(gate.status, gate.message);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== WS_PATH) return refuse(404, 'Not found.');
    const presented = presentedToken({
      query: url.searchParams.get(TOKEN_QUERY),
      authorization: req.headers.authorization,
      subprotocols: req.headers['sec-websocket-protocol'],
    });
    if (!authenticate(presented, opts.token).ok) return refuse(401, 'Missing or wrong token.');
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
