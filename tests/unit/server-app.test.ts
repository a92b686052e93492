import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/contract/errors';
import { RENDERER_CSP } from '../../shared/csp';
import { createAppServer, type AppServer } from '../../electron/server/appServer';
import type { ServerMessage } from '../../shared/contract/wire';
import { EventBus } from '../../electron/services/core/eventBus';

// The real HTTP + WebSocket server on a random port, with fake handlers (no Docker, no settings file).
const TOKEN = 'test-token-0123456789abcdefghijklmnop';
let dir: string;
let rendererDir: string;
let dataDir: string;
let bus: EventBus;
let server: AppServer;
let port: number;
let origin: string;

const handlers = {
  async getAppInfo() {
    return { name: 'AI-Lab Desktop', version: '0.0.0', mode: 'browser', platform: 'linux', settingsFile: '/x', settingsWarning: null };
  },
  async getSettings() {
    throw new AppError('SETTINGS_INVALID', 'broken settings', { hint: 'fix it' });
  },
  async getDockerStatus() {
    bus.emit('openUrl', { url: 'http://127.0.0.1:49494/lab' });
    return { state: 'connecting' };
  },
} as unknown as Handlers;

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(opts: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: { host: `127.0.0.1:${port}`, ...opts.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = { authorization: `Bearer ${TOKEN}` };
const TOKEN_PROTOCOLS = ['ailab.v1', `ailab.token.${TOKEN}`];

function connect(headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, TOKEN_PROTOCOLS, { headers, origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function upgradeStatus(opts: {
  origin?: string;
  protocols?: string[];
  headers?: Record<string, string>;
  path?: string;
  query?: string;
  host?: string;
}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${opts.path ?? '/ws'}${opts.query ?? ''}`, opts.protocols ?? [], {
      ...(opts.origin ? { origin: opts.origin } : {}),
      headers: { ...opts.headers, ...(opts.host ? { host: opts.host } : {}) },
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.close();
    });
    ws.once('error', () => undefined);
  });
}

function nextMessage(ws: WebSocket, pred: (m: ServerMessage) => boolean = () => true): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const onMsg = (data: WebSocket.RawData) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      if (!pred(m)) return;
      ws.off('message', onMsg);
      resolve(m);
    };
    ws.on('message', onMsg);
  });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-server-'));
  rendererDir = path.join(dir, 'renderer');
  dataDir = path.join(dir, 'data');
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>AI-Lab Desktop</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app-1234.js'), 'console.log(1)');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  bus = new EventBus();
  server = createAppServer({ bus, handlers, dataDir, rendererDir, token: TOKEN });
  port = await server.listen(0);
  origin = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('HTTP', () => {
  it('serves the page without a token (it holds nothing secret; it checks its own token), with the security headers', async () => {
    const r = await request({ path: '/' });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>AI-Lab Desktop</title>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(RENDERER_CSP);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('serves the printed link as it is: no redirect, no cookie (the page removes the token itself)', async () => {
    const r = await request({ path: `/?token=${TOKEN}` });
    expect(r.status).toBe(200);
    expect(r.headers.location).toBeUndefined();
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.body).toContain('<title>AI-Lab Desktop</title>');
  });

  it('never redirects, so no path can send the browser to another site', async () => {
    for (const p of [
      `/.//evil.example/?token=${TOKEN}`,
      `//evil.example/?token=${TOKEN}`,
      `/%2F%2Fevil.example/?token=${TOKEN}`,
      `/.%2F/evil.example/?token=${TOKEN}`,
      `/..//evil.example/?token=${TOKEN}`,
      '/.//evil.example/',
    ]) {
      const r = await request({ path: p });
      expect(Math.floor(r.status / 100), p).not.toBe(3);
      expect(r.headers.location, p).toBeUndefined();
    }
  });

  it('deletes the token cookies earlier versions set, for every port, and ignores them', async () => {
    const r = await request({ path: '/', headers: { cookie: `ailab_token_${port}=${TOKEN}; ailab_token_1=old; other=1` } });
    expect(r.status).toBe(200);
    expect(r.headers['set-cookie']).toEqual([
      `ailab_token_${port}=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict`,
      'ailab_token_1=; Max-Age=0; Path=/; HttpOnly; SameSite=Strict',
    ]);
    const api = await request({ path: '/api/session', headers: { cookie: `ailab_token_${port}=${TOKEN}` } });
    expect(api.status).toBe(401);
  });

  it('answers the session check: 204 with the token, 401 without or with a wrong one', async () => {
    expect((await request({ path: '/api/session', headers: auth })).status).toBe(204);
    expect((await request({ path: `/api/session?token=${TOKEN}` })).status).toBe(204);
    const missing = await request({ path: '/api/session' });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.body)).toMatchObject({ code: 'UNAUTHORIZED', message: 'This request carries no token.' });
    const wrong = await request({ path: '/api/session', headers: { authorization: 'Bearer wrong-token-0123456789' } });
    expect(JSON.parse(wrong.body)).toMatchObject({ code: 'UNAUTHORIZED', message: 'The token does not match the running server.' });
    expect((await request({ method: 'PUT', path: '/api/session', headers: auth })).status).toBe(405);
  });

  it('serves assets with their content type, routes fall back to index.html, missing files 404', async () => {
    const js = await request({ path: '/assets/app-1234.js', headers: auth });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log(1)');
    const route = await request({ path: '/volumes/abc', headers: auth });
    expect(route.status).toBe(200);
    expect(route.body).toContain('AI-Lab Desktop');
    const missing = await request({ path: '/assets/missing.js', headers: auth });
    expect(missing.status).toBe(404);
  });

  it('refuses path traversal', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const r = await request({ path: p, headers: auth });
      expect(r.status, p).not.toBe(200);
      expect(r.body).not.toContain('secret');
    }
  });

  it('refuses a foreign Host header with 403, even with the token', async () => {
    const r = await request({ path: `/?token=${TOKEN}`, headers: { host: `evil.example:${port}` } });
    expect(r.status).toBe(403);
    expect(r.body).toContain('foreign Host header');
    const ok = await request({ path: '/', headers: { host: `localhost:${port}` } });
    expect(ok.status).toBe(200);
  });

  it('refuses a PUT from a foreign Origin', async () => {
    const r = await request({ method: 'PUT', path: '/api/uploads?name=a.tgz', headers: { ...auth, origin: 'http://evil.example' }, body: Buffer.from('x') });
    expect(r.status).toBe(403);
    expect(fs.existsSync(path.join(dataDir, 'uploads')) ? fs.readdirSync(path.join(dataDir, 'uploads')) : []).toEqual([]);
  });

  it('answers API requests without the token with a JSON 401', async () => {
    const r = await request({ method: 'PUT', path: '/api/uploads?name=a.tgz', body: Buffer.from('x') });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('uploads', () => {
  it('streams the body to <dataDir>/uploads/<id>/<name>', async () => {
    const body = Buffer.alloc(300_000, 7);
    const r = await request({ method: 'PUT', path: '/api/uploads?name=..%2Fmy%20backup.tgz', headers: { ...auth, origin }, body });
    expect(r.status).toBe(201);
    const res = JSON.parse(r.body) as { uploadId: string; name: string; size: number };
    expect(res.name).toBe('my backup.tgz');
    expect(res.size).toBe(body.length);
    expect(fs.readFileSync(path.join(dataDir, 'uploads', res.uploadId, 'my backup.tgz')).equals(body)).toBe(true);
  });

  it('needs a name', async () => {
    const r = await request({ method: 'PUT', path: '/api/uploads', headers: auth, body: Buffer.from('x') });
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('removes the partial file when the client aborts', async () => {
    const before = fs.existsSync(path.join(dataDir, 'uploads')) ? fs.readdirSync(path.join(dataDir, 'uploads')) : [];
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: '/api/uploads?name=partial.tgz',
        headers: { host: `127.0.0.1:${port}`, ...auth, 'content-length': String(10_000_000) },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(100_000, 1), () => setTimeout(() => req.destroy(), 100));
    });
    let dirs: string[] = [];
    for (let i = 0; i < 50; i++) {
      dirs = fs.readdirSync(path.join(dataDir, 'uploads')).filter((d) => !before.includes(d));
      if (dirs.length === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(dirs).toEqual([]);
  });

  it('refuses an upload bigger than the free disk space with 507 DISK_FULL', async () => {
    const free = fs.statfsSync(dir);
    const tooBig = free.bavail * free.bsize + 1024 ** 3;
    const r = await new Promise<Reply>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method: 'PUT',
          path: '/api/uploads?name=huge.tgz',
          headers: { host: `127.0.0.1:${port}`, ...auth, 'content-length': String(tooBig) },
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            req.destroy();
          });
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(10));
    });
    expect(r.status).toBe(507);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'DISK_FULL' });
  });
});

describe('WebSocket', () => {
  it('refuses a foreign or missing Origin, a foreign Host, a missing token and other paths', async () => {
    expect(await upgradeStatus({ origin: 'http://evil.example', protocols: TOKEN_PROTOCOLS })).toBe(403);
    expect(await upgradeStatus({ protocols: TOKEN_PROTOCOLS })).toBe(403);
    expect(await upgradeStatus({ origin, protocols: TOKEN_PROTOCOLS, host: `evil.example:${port}` })).toBe(403);
    expect(await upgradeStatus({ origin })).toBe(401);
    expect(await upgradeStatus({ origin, protocols: ['ailab.v1', 'ailab.token.wrong-token-0123456789'] })).toBe(401);
    expect(await upgradeStatus({ origin, headers: { cookie: `ailab_token_${port}=${TOKEN}` } })).toBe(401);
    expect(await upgradeStatus({ origin, protocols: TOKEN_PROTOCOLS, path: '/other' })).toBe(404);
  });

  it('accepts the token as a subprotocol (the page), a Bearer header or ?token= (scripts)', async () => {
    expect(await upgradeStatus({ origin, protocols: TOKEN_PROTOCOLS })).toBe(101);
    expect(await upgradeStatus({ origin, headers: auth })).toBe(101);
    expect(await upgradeStatus({ origin, query: `?token=${TOKEN}` })).toBe(101);
    const ws = await connect();
    expect(ws.protocol).toBe('ailab.v1');
    ws.close();
  });

  it('runs calls through invokeHandler and answers with envelopes', async () => {
    const ws = await connect();
    try {
      ws.send(JSON.stringify({ type: 'call', id: 1, method: 'getAppInfo', args: [] }));
      expect(await nextMessage(ws)).toMatchObject({ type: 'result', id: 1, result: { ok: true, value: { mode: 'browser' } } });
      ws.send(JSON.stringify({ type: 'call', id: 'b', method: 'getSettings', args: [] }));
      expect(await nextMessage(ws)).toEqual({
        type: 'result',
        id: 'b',
        result: { ok: false, error: { code: 'SETTINGS_INVALID', message: 'broken settings', hint: 'fix it' } },
      });
      ws.send(JSON.stringify({ type: 'call', id: 2, method: 'getAppInfo', args: ['extra'] }));
      expect(await nextMessage(ws)).toMatchObject({ id: 2, result: { ok: false, error: { code: 'INVALID_ARGUMENT' } } });
      ws.send(JSON.stringify({ type: 'call', id: 3, method: 'rmRf', args: [] }));
      expect(await nextMessage(ws)).toMatchObject({ id: 3, result: { ok: false, error: { code: 'UNKNOWN_METHOD' } } });
    } finally {
      ws.close();
    }
  });

  it('answers malformed messages with INVALID_ARGUMENT and keeps the connection', async () => {
    const ws = await connect();
    try {
      ws.send('{not json');
      expect(await nextMessage(ws)).toMatchObject({ type: 'result', id: null, result: { ok: false, error: { code: 'INVALID_ARGUMENT' } } });
      ws.send(JSON.stringify({ type: 'call', id: 7, method: 'getAppInfo' }));
      expect(await nextMessage(ws)).toMatchObject({ id: 7, result: { ok: false, error: { code: 'INVALID_ARGUMENT' } } });
      ws.send(JSON.stringify([1, 2]));
      expect(await nextMessage(ws)).toMatchObject({ id: null, result: { ok: false } });
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
      expect(await nextMessage(ws)).toMatchObject({ id: null, result: { ok: false, error: { code: 'INVALID_ARGUMENT' } } });
      ws.send(JSON.stringify({ type: 'call', id: 8, method: 'getAppInfo', args: [] }));
      expect(await nextMessage(ws)).toMatchObject({ id: 8, result: { ok: true } });
    } finally {
      ws.close();
    }
  });

  it('closes a connection that sends more than 1 MiB, and the server lives on', async () => {
    const ws = await connect();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('x'.repeat(1024 * 1024 + 1));
    expect(await closed).toBe(1009);
    const again = await connect();
    again.send(JSON.stringify({ type: 'call', id: 1, method: 'getAppInfo', args: [] }));
    expect(await nextMessage(again)).toMatchObject({ result: { ok: true } });
    again.close();
  });

  it('forwards bus events, and stops after the socket closes', async () => {
    const ws = await connect();
    const got = nextMessage(ws, (m) => m.type === 'event');
    bus.emit('settingsChanged', { theme: 'dark' } as never);
    expect(await got).toEqual({ type: 'event', name: 'settingsChanged', payload: { theme: 'dark' } });
    ws.close();
    await new Promise((r) => ws.once('close', r));
    await new Promise((r) => setTimeout(r, 50));
    expect(server.connections()).toBe(0);
  });

  it('sends openUrl only to the page that made the last call', async () => {
    const a = await connect();
    const b = await connect();
    try {
      const aEvents: ServerMessage[] = [];
      const bEvents: ServerMessage[] = [];
      a.on('message', (d) => aEvents.push(JSON.parse(d.toString()) as ServerMessage));
      b.on('message', (d) => bEvents.push(JSON.parse(d.toString()) as ServerMessage));
      const result = nextMessage(b, (m) => m.type === 'result');
      b.send(JSON.stringify({ type: 'call', id: 1, method: 'getDockerStatus', args: [] }));
      await result;
      await new Promise((r) => setTimeout(r, 100));
      expect(bEvents.filter((m) => m.type === 'event' && m.name === 'openUrl')).toHaveLength(1);
      expect(aEvents.filter((m) => m.type === 'event' && m.name === 'openUrl')).toHaveLength(0);
    } finally {
      a.close();
      b.close();
    }
  });

  it('terminates a page that stops answering pings', async () => {
    const bus2 = new EventBus();
    const s2 = createAppServer({ bus: bus2, handlers, dataDir, rendererDir, token: TOKEN, keepaliveMs: 100 });
    const p2 = await s2.listen(0);
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${p2}/ws`, TOKEN_PROTOCOLS, { origin: `http://127.0.0.1:${p2}`, autoPong: false });
      await new Promise((r) => ws.once('open', r));
      const closed = await new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      expect(closed).toBe(1006);
    } finally {
      await s2.close();
    }
  });
});
