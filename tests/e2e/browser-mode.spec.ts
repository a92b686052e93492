import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import WebSocket from 'ws';
import type { ServerMessage } from '../../shared/contract/wire';
import { startServedApp, type ServedApp } from '../support/serve';
import { ENGINE_SOCKET } from '../support/docker';
import { SCREENSHOTS } from '../support/e2e';

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
    setRequestHeader(name: string, value: string): void;
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

function rawGet(hostHeader: string, urlPath: string): Promise<{ status: number; body: string; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers: { host: hostHeader } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location }));
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

test('a page without the token says what to do, and holds no credential', async ({ page }) => {
  const res = await page.goto(`${app.origin}/`);
  expect(res?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Open the link printed in the terminal' })).toBeVisible();
  await expect(page.locator('body')).toContainText('Open the URL printed in the terminal');
  await expect(page.getByRole('tab', { name: 'Volumes' })).toHaveCount(0);
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'browser-no-token.png') });
  expect(await page.context().cookies()).toEqual([]);
});

test('a wrong token is refused, and forgotten', async ({ page }) => {
  await page.goto(`${app.origin}/?token=${app.token.slice(0, -2)}xx`);
  await expect(page.locator('body')).toContainText('does not match the running server');
  expect(page.url()).toBe(`${app.origin}/`);
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  expect(await page.context().cookies()).toEqual([]);
});

/** The URLs of the tab's session history (back/forward entries), as the browser keeps them. */
async function historyUrls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { entries } = (await cdp.send('Page.getNavigationHistory')) as { entries: Array<{ url: string }> };
    return entries.map((e) => e.url);
  } finally {
    await cdp.detach();
  }
}

test('with the token the page loads, the token leaves the address bar and the history, no cookie is set, and a reload still works', async ({ page }) => {
  const socket = page.waitForEvent('websocket');
  const res = await page.goto(app.url);
  expect(res?.status()).toBe(200);
  await expect(page).toHaveTitle('AI-Lab Desktop');
  await expect(page.getByRole('tab', { name: 'Volumes' })).toBeVisible();
  expect(page.url()).toBe(`${app.origin}/`);
  const headers = res?.headers() ?? {};
  expect(headers['content-security-policy']).toContain("default-src 'self'");
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['cache-control']).toBe('no-store');
  expect(headers['set-cookie']).toBeUndefined();
  expect(await page.context().cookies()).toEqual([]);
  // The token travels on the handshake, not in the WebSocket's URL.
  expect((await socket).url()).toBe(`ws://127.0.0.1:${port}/ws`);

  // Away and back: no history entry ever held the token.
  await page.goto('about:blank');
  await page.goBack();
  expect(page.url()).toBe(`${app.origin}/`);
  const urls = await historyUrls(page);
  expect(urls).toContain(`${app.origin}/`);
  expect(urls.join('\n')).not.toContain(app.token);

  // A reload finds the token in this tab's sessionStorage and the app works again.
  const again = page.waitForEvent('websocket');
  await page.reload();
  const ws = await again;
  await ws.waitForEvent('framereceived', (f) => typeof f.payload === 'string' && f.payload.includes('"ok":true'));
  await expect(page.getByRole('tab', { name: 'Volumes' })).toBeVisible();
  expect(page.url()).toBe(`${app.origin}/`);
  expect(await page.context().cookies()).toEqual([]);
});

test('a page on another 127.0.0.1 port that the app opens (as "Open AI-Lab" does) receives no credential', async ({ page, context }) => {
  // The stand-in for Jupyter: records every request it gets, headers and all.
  const seen: Array<{ url: string; headers: http.IncomingHttpHeaders }> = [];
  const standIn = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><title>Jupyter stand-in</title><img src="/favicon.ico"><script>fetch("/api/contents", { credentials: "include" })</script>');
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  const standInUrl = `http://127.0.0.1:${(standIn.address() as { port: number }).port}/lab`;
  try {
    // The page uses its token for everything it can: WebSocket calls and an upload.
    await page.goto(app.url);
    await expect(page.getByRole('tab', { name: 'Volumes' })).toBeVisible();
    const upload = await page.evaluate(
      (token) =>
        new Promise<number>((resolve) => {
          const g = globalThis as unknown as PageGlobals;
          const xhr = new g.XMLHttpRequest();
          xhr.open('PUT', '/api/uploads?name=x.tgz');
          xhr.setRequestHeader('Authorization', `Bearer ${token}`);
          xhr.onload = () => resolve(xhr.status);
          xhr.onerror = () => resolve(0);
          xhr.send(new g.File([new Uint8Array([1, 2, 3])], 'x.tgz', { type: 'application/gzip' }));
        }),
      app.token,
    );
    expect(upload).toBe(201);

    // What the client does with openUrl: window.open(url, '_blank'), then cuts the opener link.
    const popup = context.waitForEvent('page');
    await page.evaluate((url) => {
      const w = globalThis as unknown as { open(url: string, target: string): { opener: unknown } | null };
      const opened = w.open(url, '_blank');
      if (opened) opened.opener = null;
    }, standInUrl);
    const jupyter = await popup;
    await jupyter.waitForLoadState('load');
    await expect.poll(() => seen.some((r) => r.url === '/api/contents')).toBe(true);

    expect(seen.length).toBeGreaterThanOrEqual(2);
    for (const r of seen) {
      expect(r.headers.cookie, r.url).toBeUndefined();
      expect(r.headers.authorization, r.url).toBeUndefined();
      // The stand-in's own requests name the stand-in; nothing names our page.
      if (r.url === '/lab') expect(r.headers.referer, r.url).toBeUndefined();
      else expect(r.headers.referer ?? '', r.url).not.toContain(app.origin);
      expect(JSON.stringify(r), r.url).not.toContain(app.token);
    }
    // Nor can the opened page read it from storage: sessionStorage belongs to our origin (port included).
    expect(await jupyter.evaluate(() => JSON.stringify({ ...sessionStorage }) + document.cookie)).not.toContain(app.token);
    expect(await context.cookies()).toEqual([]);
  } finally {
    await new Promise((resolve) => standIn.close(resolve));
  }
});

test('no path of ours redirects to another site (/.//evil.example/?token=…)', async ({ page }) => {
  const hosts = new Set<string>();
  page.on('request', (r) => hosts.add(new URL(r.url()).host));
  for (const p of [`/.//evil.example/?token=${app.token}`, `//evil.example/?token=${app.token}`, `/%2F%2Fevil.example/?token=${app.token}`]) {
    const raw = await rawGet(`127.0.0.1:${port}`, p);
    expect(Math.floor(raw.status / 100), p).not.toBe(3);
    expect(raw.location, p).toBeUndefined();
  }
  const res = await page.goto(`${app.origin}/.//evil.example/?token=${app.token}`);
  expect(new URL(page.url()).host).toBe(`127.0.0.1:${port}`);
  expect(res?.request().redirectedFrom()).toBeNull();
  expect([...hosts]).toEqual([`127.0.0.1:${port}`]);
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
  expect(ours.status).toBe(200);
});

test('a WebSocket from a foreign Origin is refused, even with the token', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['ailab.v1', `ailab.token.${app.token}`], { origin: 'http://attacker.example' });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => reject(new Error('the server accepted a foreign Origin')));
    ws.once('error', () => undefined);
  });
  expect(status).toBe(403);
});

test('a call over the WebSocket with the token works (getAppInfo says browser mode)', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: app.origin, headers: { authorization: `Bearer ${app.token}` } });
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
    ({ n, token }) =>
      new Promise<{ status: number; body: string; progress: number }>((resolve) => {
        const g = globalThis as unknown as PageGlobals;
        const bytes = new Uint8Array(n);
        for (let i = 0; i < n; i++) bytes[i] = i % 251;
        const file = new g.File([bytes], 'my backup.tgz', { type: 'application/gzip' });
        const xhr = new g.XMLHttpRequest();
        let progress = 0;
        xhr.upload.onprogress = (ev) => (progress = Math.max(progress, ev.loaded));
        xhr.open('PUT', `/api/uploads?name=${encodeURIComponent(file.name)}`);
        xhr.setRequestHeader('Authorization', `Bearer ${token}`);
        xhr.onload = () => resolve({ status: xhr.status, body: xhr.responseText, progress });
        xhr.onerror = () => resolve({ status: 0, body: '', progress });
        xhr.send(file);
      }),
    { n: size, token: app.token },
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
