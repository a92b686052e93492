import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { eventNames, methodNames, subscriberName } from '../../shared/contract';
import {
  createWsTransport,
  NO_TOKEN,
  SERVER_UNREACHABLE,
  type WebSocketLike,
  type WsApi,
  type WsEnvironment,
  type WsTransport,
  type XhrLike,
} from '../../renderer/src/api/wsClient';

class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onclose: WebSocketLike['onclose'] = null;
  onerror: WebSocketLike['onerror'] = null;
  sent: Array<{ type: string; id: number; method: string; args: unknown[] }> = [];
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as FakeSocket['sent'][number]);
  }
  close(): void {
    this.drop();
  }
  // Test side:
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  receive(msg: unknown): void {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) });
  }
}

class FakeXhr implements XhrLike {
  status = 0;
  responseText = '';
  upload: XhrLike['upload'] = { onprogress: null };
  onload: XhrLike['onload'] = null;
  onerror: XhrLike['onerror'] = null;
  onabort: XhrLike['onabort'] = null;
  method = '';
  url = '';
  headers: Record<string, string> = {};
  body: unknown;
  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }
  send(body: unknown): void {
    this.body = body;
  }
  respond(status: number, body: unknown): void {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.({});
  }
}

let sockets: FakeSocket[];
let xhrs: FakeXhr[];
let opened: string[];
let blockPopups = false;
let transport: WsTransport;
let api: WsApi;
const last = () => sockets[sockets.length - 1] as FakeSocket;
const TOKEN = 'page-token-0123456789abcdef';

function environment(token: string | null): WsEnvironment {
  return {
    url: 'ws://127.0.0.1:49500/ws',
    token,
    createSocket: (url, protocols) => {
      const s = new FakeSocket(url, protocols);
      sockets.push(s);
      return s;
    },
    createXhr: () => {
      const x = new FakeXhr();
      xhrs.push(x);
      return x;
    },
    openWindow: (url) => {
      opened.push(url);
      return !blockPopups;
    },
    backoffMs: (attempt) => attempt * 100,
  };
}

beforeEach(() => {
  vi.useFakeTimers();
  sockets = [];
  xhrs = [];
  opened = [];
  blockPopups = false;
  transport = createWsTransport(environment(TOKEN));
  api = transport.api;
});

afterEach(() => {
  transport.close();
  vi.useRealTimers();
});

describe('ws client', () => {
  it('has one function per contract method and one subscriber per event', () => {
    for (const m of methodNames) expect(typeof api[m], m).toBe('function');
    for (const e of eventNames) expect(typeof (api as unknown as Record<string, unknown>)[subscriberName(e)], e).toBe('function');
    expect(typeof api.uploadFile).toBe('function');
    expect(typeof api.onTransportState).toBe('function');
    expect(sockets).toHaveLength(1);
    expect(last().url).toBe('ws://127.0.0.1:49500/ws');
  });

  it('presents the token on the handshake as a subprotocol, never in the URL', () => {
    expect(last().protocols).toEqual(['ailab.v1', `ailab.token.${TOKEN}`]);
    expect(last().url).not.toContain(TOKEN);
  });

  it('without a token, never connects and every call and upload says how to get one', async () => {
    transport.close();
    sockets = [];
    transport = createWsTransport(environment(null));
    api = transport.api;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(sockets).toHaveLength(0);
    await expect(api.getAppInfo()).resolves.toEqual({ ok: false, error: NO_TOKEN });
    await expect(api.uploadFile({ name: 'a.tgz', size: 1 })).resolves.toEqual({ ok: false, error: NO_TOKEN });
    expect(xhrs).toHaveLength(0);
  });

  it('queues calls until the socket opens and matches results by id, out of order', async () => {
    const info = api.getAppInfo();
    const settings = api.getSettings();
    expect(last().sent).toHaveLength(0);
    last().open();
    const [a, b] = last().sent;
    expect(a).toMatchObject({ type: 'call', method: 'getAppInfo', args: [] });
    expect(b).toMatchObject({ type: 'call', method: 'getSettings', args: [] });
    expect(a?.id).not.toBe(b?.id);
    last().receive({ type: 'result', id: b?.id, result: { ok: true, value: { theme: 'dark' } } });
    last().receive({ type: 'result', id: a?.id, result: { ok: false, error: { code: 'INTERNAL', message: 'x' } } });
    await expect(settings).resolves.toEqual({ ok: true, value: { theme: 'dark' } });
    await expect(info).resolves.toEqual({ ok: false, error: { code: 'INTERNAL', message: 'x' } });
  });

  it('sends the arguments as given', async () => {
    last().open();
    const p = api.updateSettings({ theme: 'dark' } as never);
    expect(last().sent[0]).toMatchObject({ method: 'updateSettings', args: [{ theme: 'dark' }] });
    last().receive({ type: 'result', id: last().sent[0]?.id, result: { ok: true, value: {} } });
    await expect(p).resolves.toMatchObject({ ok: true });
  });

  it('ignores garbage and results for unknown ids', async () => {
    last().open();
    const p = api.getAppInfo();
    last().receive('not json');
    last().receive({ type: 'result', id: 9999, result: { ok: true, value: 1 } });
    last().receive({ type: 'what' });
    last().receive({ type: 'result', id: last().sent[0]?.id, result: { ok: true, value: 2 } });
    await expect(p).resolves.toEqual({ ok: true, value: 2 });
  });

  it('delivers events to subscribers until they unsubscribe', () => {
    last().open();
    const seen: unknown[] = [];
    const off = api.onDockerStatus((s) => seen.push(s));
    const other: unknown[] = [];
    api.onSettingsChanged((s) => other.push(s));
    last().receive({ type: 'event', name: 'dockerStatus', payload: { state: 'connected' } });
    off();
    last().receive({ type: 'event', name: 'dockerStatus', payload: { state: 'unreachable' } });
    expect(seen).toEqual([{ state: 'connected' }]);
    expect(other).toEqual([]);
  });

  it('opens http(s) URLs from openUrl events, nothing else', () => {
    last().open();
    const seen: unknown[] = [];
    api.onOpenUrl((p) => seen.push(p));
    last().receive({ type: 'event', name: 'openUrl', payload: { url: 'http://127.0.0.1:49494/lab' } });
    last().receive({ type: 'event', name: 'openUrl', payload: { url: 'javascript:alert(1)' } });
    last().receive({ type: 'event', name: 'openUrl', payload: { url: 'file:///etc/passwd' } });
    last().receive({ type: 'event', name: 'openUrl', payload: { nope: 1 } });
    expect(opened).toEqual(['http://127.0.0.1:49494/lab']);
    expect(seen).toHaveLength(4);
    expect(seen[0]).toEqual({ url: 'http://127.0.0.1:49494/lab', popupBlocked: false });
  });

  it('tells listeners when the browser blocked the pop-up, so the UI can offer a link', () => {
    last().open();
    blockPopups = true;
    const seen: unknown[] = [];
    api.onOpenUrl((p) => seen.push(p));
    last().receive({ type: 'event', name: 'openUrl', payload: { url: 'http://127.0.0.1:49494/' } });
    expect(seen).toEqual([{ url: 'http://127.0.0.1:49494/', popupBlocked: true }]);
  });

  it('fails pending calls with APP_SERVER_UNREACHABLE when the socket drops, then reconnects with backoff', async () => {
    const states: string[] = [];
    api.onTransportState((s) => states.push(s));
    last().open();
    expect(states).toEqual(['open']);
    const p = api.getAppInfo();
    last().drop();
    await expect(p).resolves.toEqual({ ok: false, error: SERVER_UNREACHABLE });
    expect(SERVER_UNREACHABLE.message).toBe('Lost the connection to the AI-Lab Desktop server.');
    expect(SERVER_UNREACHABLE.hint).toBe('Is `npm run serve` still running? The page reconnects by itself.');
    expect(states).toEqual(['open', 'reconnecting']);
    expect(transport.state()).toBe('reconnecting');

    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(99);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(2);
    last().drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);
    last().open();
    expect(states).toEqual(['open', 'reconnecting', 'open']);

    // Working again, and the backoff starts over.
    const q = api.getAppInfo();
    last().receive({ type: 'result', id: last().sent[0]?.id, result: { ok: true, value: { mode: 'browser' } } });
    await expect(q).resolves.toEqual({ ok: true, value: { mode: 'browser' } });
    last().drop();
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(4);
  });

  it('a call while waiting to reconnect tries at once and fails if that attempt fails', async () => {
    last().open();
    last().drop();
    expect(sockets).toHaveLength(1);
    const p = api.getSettings();
    expect(sockets).toHaveLength(2);
    last().drop();
    await expect(p).resolves.toEqual({ ok: false, error: SERVER_UNREACHABLE });
    const q = api.getSettings();
    expect(sockets).toHaveLength(3);
    last().open();
    last().receive({ type: 'result', id: last().sent[0]?.id, result: { ok: true, value: 1 } });
    await expect(q).resolves.toEqual({ ok: true, value: 1 });
  });

  it('tells a late transport-state subscriber the current state', () => {
    const early: string[] = [];
    api.onTransportState((s) => early.push(s));
    expect(early).toEqual([]);
    last().drop();
    const late: string[] = [];
    const off = api.onTransportState((s) => late.push(s));
    expect(late).toEqual(['reconnecting']);
    off();
    vi.advanceTimersByTime(100);
    last().open();
    expect(late).toEqual(['reconnecting']);
    expect(early).toEqual(['reconnecting', 'open']);
  });

  it('refuses calls too large for the server before sending them', async () => {
    last().open();
    const big = { theme: 'x'.repeat(1024 * 1024 + 10) };
    await expect(api.updateSettings(big as never)).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(last().sent).toHaveLength(0);
  });
});

describe('uploadFile', () => {
  const file = { name: 'my backup.tgz', size: 1000 };

  it('PUTs the file with progress and resolves with the upload id', async () => {
    const progress: Array<[number, number]> = [];
    const p = api.uploadFile(file, (sent, total) => progress.push([sent, total]));
    const x = xhrs[0] as FakeXhr;
    expect(x.method).toBe('PUT');
    expect(x.url).toBe('/api/uploads?name=my%20backup.tgz');
    expect(x.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(x.body).toBe(file);
    x.upload.onprogress?.({ loaded: 400, total: 1000, lengthComputable: true });
    x.respond(201, { uploadId: 'a'.repeat(32), name: 'my backup.tgz', size: 1000 });
    await expect(p).resolves.toEqual({ ok: true, value: { uploadId: 'a'.repeat(32), name: 'my backup.tgz', size: 1000 } });
    expect(progress).toEqual([
      [400, 1000],
      [1000, 1000],
    ]);
  });

  it('passes the server error on (disk full)', async () => {
    const p = api.uploadFile(file);
    (xhrs[0] as FakeXhr).respond(507, { code: 'DISK_FULL', message: 'The disk is full.', hint: 'Free some space.' });
    await expect(p).resolves.toEqual({ ok: false, error: { code: 'DISK_FULL', message: 'The disk is full.', hint: 'Free some space.' } });
  });

  it('reports a network failure as the server being unreachable', async () => {
    const p = api.uploadFile(file);
    (xhrs[0] as FakeXhr).onerror?.({});
    await expect(p).resolves.toEqual({ ok: false, error: SERVER_UNREACHABLE });
  });

  it('refuses what is not a file', async () => {
    await expect(api.uploadFile('not a file')).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(xhrs).toHaveLength(0);
  });
});
