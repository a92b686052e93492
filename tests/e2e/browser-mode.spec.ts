import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import WebSocket from 'ws';
import type { ServerMessage } from '../../electron/server/protocol';
import { startServedApp, type ServedApp } from '../support/serve';
import { ENGINE_SOCKET } from '../support/docker';

// The real built server (dist/server/serve.cjs) in front of real Chromium. Only the page title is
// taken from the UI; everything else is the server's own behaviour.
let app: ServedApp;

/**
 * The page side of page.evaluate, typed structurally: this file is type-checked without the DOM
 * library, and `WebSocket` here would name the ws package, not the browser's.
 */
interface PageGlobals {
  location: { host: string };
  WebSocket: new (url: string) => {
    onopen: (() => void) | null;
    onmessage: ((ev: { data: unknown }) => void) | null;
    onerror: (() => void) | null;
    send(data: string): void;
    close(): void;
  };
  File: new (parts: Uint8Array[], name: string, opts: { type: string }) => { name: string };
  XMLHttpRequest: new () => {
    status: number;
    responseText: string;
    upload: { onprogress: ((ev: { loaded: number }) => void) | null };
    onload: (() => void) | null;
    onerror: (() => void) | null;
    open(method: string, url: string): void;
    send(body: unknown): void;
  };
}
let port: number;

test.beforeAll(async () => {
  app = await startServedApp();
  port = Number(new URL(app.origin).port);
});

test.afterAll(async () => {
  await app?.stop();
});

function rawGet(hostHeader: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers: { host: hostHeader } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('prints one ready-to-open line and the Docker endpoint', async () => {
  await expect.poll(() => app.output()).toContain(`unix://${ENGINE_SOCKET}`);
  expect(app.output()).toMatch(/Docker: /);
  expect(app.output().match(/AI-Lab Desktop is running at: /g)).toHaveLength(1);
  expect(app.url).toBe(`${app.origin}/?token=${app.token}`);
  expect(app.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
});

test('a page without the token is refused and says what to do', async ({ page }) => {
  const res = await page.goto(`${app.origin}/`);
  expect(res?.status()).toBe(401);
  await expect(page.getByRole('heading', { name: 'Open the link printed in the terminal' })).toBeVisible();
  await expect(page.locator('body')).toContainText('Open the URL printed in the terminal');
  expect(await page.context().cookies()).toEqual([]);
});

test('a wrong token is refused', async ({ page }) => {
  const res = await page.goto(`${app.origin}/?token=${app.token.slice(0, -2)}xx`);
  expect(res?.status()).toBe(401);
  await expect(page.locator('body')).toContainText('does not match');
  expect(await page.context().cookies()).toEqual([]);
});

test('with the token the page loads, the cookie is set and the token leaves the address bar', async ({ page }) => {
  const res = await page.goto(app.url);
  expect(res?.status()).toBe(200);
  await expect(page).toHaveTitle('AI-Lab Desktop');
  expect(page.url()).toBe(`${app.origin}/`);
  const cookies = await page.context().cookies();
  expect(cookies).toHaveLength(1);
  expect(cookies[0]).toMatchObject({ name: `ailab_token_${port}`, value: app.token, httpOnly: true, sameSite: 'Strict', path: '/' });
  const headers = res?.headers() ?? {};
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['cache-control']).toBe('no-store');

  // The cookie alone now opens the page and the page's own WebSocket (same origin, CSP connect-src 'self').
  const again = await page.goto(`${app.origin}/`);
  expect(again?.status()).toBe(200);
  const info = await page.evaluate(
    () =>
      new Promise<unknown>((resolve, reject) => {
        const g = globalThis as unknown as PageGlobals;
        const ws = new g.WebSocket(`ws://${g.location.host}/ws`);
        ws.onopen = () => ws.send(JSON.stringify({ type: 'call', id: 'e2e', method: 'getAppInfo', args: [] }));
        ws.onmessage = (ev) => {
          const msg = JSON.parse(String(ev.data)) as { type: string; id?: unknown; result?: unknown };
          if (msg.type === 'result' && msg.id === 'e2e') {
            ws.close();
            resolve(msg.result);
          }
        };
        ws.onerror = () => reject(new Error('WebSocket failed'));
      }),
  );
  expect(info).toMatchObject({ ok: true, value: { mode: 'browser', name: 'AI-Lab Desktop' } });
});

test("the page's own client connects over the WebSocket and gets answers", async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const socket = page.waitForEvent('websocket', (ws) => ws.url() === `ws://127.0.0.1:${port}/ws`);
  await page.goto(app.url);
  const ws = await socket;
  // Whatever the UI asks first, the answer is a result envelope matched to its call.
  const frame = await ws.waitForEvent('framereceived', (f) => typeof f.payload === 'string' && f.payload.startsWith('{"type":"result"'));
  expect(JSON.parse(String(frame.payload))).toMatchObject({ type: 'result', result: { ok: expect.any(Boolean) } });
  expect(ws.isClosed()).toBe(false);
  expect(errors).toEqual([]);
});

test('a foreign Host header is refused with 403', async () => {
  const foreign = await rawGet(`attacker.example:${port}`, `/?token=${app.token}`);
  expect(foreign.status).toBe(403);
  expect(foreign.body).toContain('foreign Host header');
  const ours = await rawGet(`127.0.0.1:${port}`, `/?token=${app.token}`);
  expect(ours.status).toBe(303);
});

test('a WebSocket from a foreign Origin is refused, even with the cookie', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: 'http://attacker.example', headers: { cookie: `ailab_token_${port}=${app.token}` } });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('the server accepted a foreign Origin')));
    ws.once('error', () => undefined);
  });
  expect(status).toBe(403);
});

test('a call over the WebSocket with the cookie works (getAppInfo says browser mode)', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: app.origin, headers: { cookie: `ailab_token_${port}=${app.token}` } });
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<ServerMessage>((resolve) => {
      ws.on('message', (d: WebSocket.RawData) => {
        const m = JSON.parse(d.toString()) as ServerMessage;
        if (m.type === 'result' && m.id === 1) resolve(m);
      });
    });
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'getAppInfo', args: [] }));
    const msg = await reply;
    expect(msg).toMatchObject({ type: 'result', id: 1, result: { ok: true, value: { mode: 'browser' } } });
  } finally {
    ws.close();
  }
});

test('an upload of a few MB from the page streams to disk with the right size', async ({ page }) => {
  await page.goto(app.url);
  await expect(page).toHaveTitle('AI-Lab Desktop');
  const size = 6 * 1024 * 1024 + 123;
  const result = await page.evaluate(
    (n) =>
      new Promise<{ status: number; body: string; progress: number }>((resolve) => {
        const g = globalThis as unknown as PageGlobals;
        const bytes = new Uint8Array(n);
        for (let i = 0; i < n; i++) bytes[i] = i % 251;
        const file = new g.File([bytes], 'my backup.tgz', { type: 'application/gzip' });
        const xhr = new g.XMLHttpRequest();
        let progress = 0;
        xhr.upload.onprogress = (ev) => (progress = Math.max(progress, ev.loaded));
        xhr.open('PUT', `/api/uploads?name=${encodeURIComponent(file.name)}`);
        xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText, progress });
        xhr.onerror = () => resolve({ status: 0, body: '', progress });
        xhr.send(file);
      }),
    size,
  );
  expect(result.status).toBe(201);
  const body = JSON.parse(result.body) as { uploadId: string; name: string; size: number };
  expect(body).toMatchObject({ name: 'my backup.tgz', size });
  expect(body.uploadId).toMatch(/^[0-9a-f]{32}$/);
  const onDisk = path.join(app.home, 'uploads', body.uploadId, 'my backup.tgz');
  expect(fs.statSync(onDisk).size).toBe(size);
  const head = fs.readFileSync(onDisk).subarray(0, 600);
  expect([...head].every((b, i) => b === i % 251)).toBe(true);
});
