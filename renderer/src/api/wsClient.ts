import { bearer, WS_SUBPROTOCOL, WS_TOKEN_SUBPROTOCOL_PREFIX } from '../../../shared/browserAuth';
import {
  ERROR_CODES,
  eventNames,
  methodNames,
  subscriberName,
  type AilabApi,
  type ApiErrorPayload,
  type ErrorCode,
  type EventName,
  type MethodName,
  type PlatformExtras,
  type Result,
  type Unsubscribe,
  type UploadedFile,
} from '../../../shared/contract';
import {
  MAX_MESSAGE_BYTES,
  UPLOADS_PATH,
  WS_PATH,
  type CallId,
  type CallMessage,
  type ServerMessage,
  type UploadErrorResponse,
  type UploadResponse,
} from '../../../shared/contract/wire';

/**
 * The browser mode's AilabApi: the same methods and events as Electron's preload, carried over one
 * WebSocket to the server the page was loaded from. The page's token (browserSession.ts) goes with the
 * WebSocket handshake and with each upload, explicitly: nothing the browser would send on its own.
 * Written against tiny structural types instead of the DOM's, so it runs under unit tests with a fake
 * socket.
 */

export type TransportState = 'open' | 'reconnecting';

/** The subset of the browser's WebSocket this client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** The subset of XMLHttpRequest the upload uses. */
export interface XhrLike {
  status: number;
  responseText: string;
  upload: { onprogress: ((ev: { loaded: number; total: number; lengthComputable: boolean }) => void) | null };
  onload: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onabort: ((ev: unknown) => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  send(body: unknown): void;
}

export interface WsEnvironment {
  /** ws(s)://host/ws (WS_PATH) of the page's own server. */
  url: string;
  /** The token the server printed; null when the page has none (every call then fails UNAUTHORIZED). */
  token: string | null;
  createSocket(url: string, protocols: string[]): WebSocketLike;
  createXhr(): XhrLike;
  /** Opens a URL the server sent in an openUrl event; false when the browser blocked the pop-up. */
  openWindow(url: string): boolean;
  /** Backoff before reconnect attempt `attempt` (1, 2, …), in ms. */
  backoffMs?: (attempt: number) => number;
}

/** The browser mode's api: AilabApi with the browser's extras always present. */
export type WsApi = AilabApi & Required<Pick<PlatformExtras, 'uploadFile' | 'onTransportState'>>;

export interface WsTransport {
  readonly api: WsApi;
  state(): TransportState | 'connecting';
  /** Stops reconnecting and closes the socket (tests; the page never needs it). */
  close(): void;
}

const OPEN = 1;

export const NO_TOKEN: ApiErrorPayload = {
  code: 'UNAUTHORIZED',
  message: 'This page has no token for the AI-Lab Desktop server.',
  hint: 'Open the URL printed in the terminal where the server runs (http://127.0.0.1:PORT/?token=…).',
};

export const SERVER_UNREACHABLE: ApiErrorPayload = {
  code: 'APP_SERVER_UNREACHABLE',
  message: 'Lost the connection to the AI-Lab Desktop server.',
  hint: 'Is `npm run serve` still running? The page reconnects by itself.',
};

export function defaultBackoffMs(attempt: number): number {
  const base = Math.min(5000, 250 * 2 ** Math.max(0, attempt - 1));
  return base / 2 + Math.random() * (base / 2);
}

function failure<T>(error: ApiErrorPayload): Result<T> {
  return { ok: false, error };
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const msg = JSON.parse(data) as unknown;
    if (typeof msg !== 'object' || msg === null) return null;
    const type = (msg as { type?: unknown }).type;
    if (type === 'result' || type === 'event') return msg as ServerMessage;
    return null;
  } catch {
    return null;
  }
}

export function createWsTransport(env: WsEnvironment): WsTransport {
  const backoff = env.backoffMs ?? defaultBackoffMs;
  let socket: WebSocketLike | null = null;
  let state: TransportState | 'connecting' = 'connecting';
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  let nextId = 1;
  /** Calls sent on the current socket, waiting for their result. */
  const inFlight = new Map<CallId, (r: Result<unknown>) => void>();
  /** Calls made while no socket was open; sent when one opens, failed when the attempt fails. */
  let queued: Array<{ msg: string; id: CallId; resolve: (r: Result<unknown>) => void }> = [];
  const eventListeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(s: TransportState) => void>();

  const setState = (next: TransportState) => {
    if (state === next) return;
    state = next;
    for (const l of stateListeners) l(next);
  };

  const failAll = () => {
    const waiting = [...inFlight.values(), ...queued.map((q) => q.resolve)];
    inFlight.clear();
    queued = [];
    for (const resolve of waiting) resolve(failure(SERVER_UNREACHABLE));
  };

  const dispatchEvent = (name: string, payload: unknown) => {
    if (name === 'openUrl') payload = openUrl(payload);
    const set = eventListeners.get(name as EventName);
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(payload);
      } catch (err) {
        // One broken listener must not starve the others.
        console.error(`Listener for ${name} failed`, err);
      }
    }
  };

  /** Opens the URL and tells listeners whether the browser let us (so the UI can offer a link). */
  const openUrl = (payload: unknown): unknown => {
    const url = (payload as { url?: unknown } | null)?.url;
    if (typeof url !== 'string') return payload;
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return payload;
      return { url: parsed.href, popupBlocked: !env.openWindow(parsed.href) };
    } catch {
      return payload;
    }
  };

  const token = env.token;
  const connect = () => {
    if (closed || token === null) return;
    retryTimer = null;
    const ws = env.createSocket(env.url, [WS_SUBPROTOCOL, `${WS_TOKEN_SUBPROTOCOL_PREFIX}${token}`]);
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      attempt = 0;
      const toSend = queued;
      queued = [];
      for (const q of toSend) {
        inFlight.set(q.id, q.resolve);
        ws.send(q.msg);
      }
      setState('open');
    };
    ws.onmessage = (ev) => {
      if (socket !== ws) return;
      const msg = parseServerMessage(ev.data);
      if (!msg) return;
      if (msg.type === 'result') {
        if (msg.id === null) return;
        const resolve = inFlight.get(msg.id);
        if (!resolve) return;
        inFlight.delete(msg.id);
        resolve(msg.result);
      } else {
        dispatchEvent(msg.name, msg.payload);
      }
    };
    ws.onerror = () => {
      // onclose follows and does the work.
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      failAll();
      if (closed) return;
      setState('reconnecting');
      attempt += 1;
      retryTimer = setTimeout(connect, backoff(attempt));
    };
  };

  const call = (method: MethodName, args: unknown[]): Promise<Result<unknown>> => {
    if (token === null) return Promise.resolve(failure(NO_TOKEN));
    if (closed) return Promise.resolve(failure(SERVER_UNREACHABLE));
    const id = nextId++;
    const message: CallMessage = { type: 'call', id, method, args };
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch {
      return Promise.resolve(failure({ code: 'INVALID_ARGUMENT', message: `The arguments of ${method} cannot be sent (not plain data).` }));
    }
    if (text.length > MAX_MESSAGE_BYTES / 4 && new TextEncoder().encode(text).length > MAX_MESSAGE_BYTES) {
      return Promise.resolve(
        failure({ code: 'INVALID_ARGUMENT', message: `The arguments of ${method} are too large to send (over ${MAX_MESSAGE_BYTES / (1024 * 1024)} MiB).` }),
      );
    }
    return new Promise((resolve) => {
      if (socket && socket.readyState === OPEN) {
        inFlight.set(id, resolve);
        socket.send(text);
        return;
      }
      queued.push({ msg: text, id, resolve });
      // Waiting for a backoff timer would make a user's click hang; try at once instead.
      if (socket === null && retryTimer !== null) {
        clearTimeout(retryTimer);
        connect();
      }
    });
  };

  const subscribe = (name: EventName, listener: (payload: unknown) => void): Unsubscribe => {
    let set = eventListeners.get(name);
    if (!set) eventListeners.set(name, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  };

  const uploadFile = (file: unknown, onProgress?: (sent: number, total: number) => void): Promise<Result<UploadedFile>> => {
    if (typeof file !== 'object' || file === null || typeof (file as { size?: unknown }).size !== 'number') {
      return Promise.resolve(failure({ code: 'INVALID_ARGUMENT', message: 'Only a file can be uploaded.' }));
    }
    const rawName = (file as { name?: unknown }).name;
    const name = typeof rawName === 'string' && rawName !== '' ? rawName : 'upload.bin';
    const total = (file as { size: number }).size;
    if (token === null) return Promise.resolve(failure(NO_TOKEN));
    return new Promise((resolve) => {
      const xhr = env.createXhr();
      xhr.open('PUT', `${UPLOADS_PATH}?name=${encodeURIComponent(name)}`);
      xhr.setRequestHeader('Authorization', bearer(token));
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.upload.onprogress = (ev) => onProgress?.(ev.loaded, ev.lengthComputable ? ev.total : total);
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText) as unknown;
        } catch {
          body = null;
        }
        if (xhr.status >= 200 && xhr.status < 300 && body !== null && typeof (body as UploadResponse).uploadId === 'string') {
          const ok = body as UploadResponse;
          onProgress?.(total, total);
          resolve({ ok: true, value: { uploadId: ok.uploadId, name: ok.name, size: ok.size } });
          return;
        }
        const err = (body ?? {}) as Partial<UploadErrorResponse>;
        resolve(
          failure({
            code: isErrorCode(err.code) ? err.code : 'INTERNAL',
            message: typeof err.message === 'string' ? err.message : `The upload failed (HTTP ${xhr.status}).`,
            ...(typeof err.hint === 'string' ? { hint: err.hint } : {}),
          }),
        );
      };
      xhr.onerror = () => resolve(failure(SERVER_UNREACHABLE));
      xhr.onabort = () => resolve(failure({ code: 'CANCELLED', message: 'The upload was cancelled.' }));
      xhr.send(file);
    });
  };

  const onTransportState = (listener: (s: TransportState) => void): Unsubscribe => {
    stateListeners.add(listener);
    // A late subscriber (a banner mounted after the drop) still learns the current state.
    if (state !== 'connecting') listener(state);
    return () => {
      stateListeners.delete(listener);
    };
  };

  // Generated from the contract like the preload, so a new method or event needs no change here.
  const methodTable = Object.fromEntries(methodNames.map((m) => [m, (...args: unknown[]) => call(m, trimTrailingUndefined(args))])) as unknown as {
    readonly [M in MethodName]: AilabApi[M];
  };
  const eventTable = Object.fromEntries(
    eventNames.map((e) => [subscriberName(e), (listener: (payload: unknown) => void) => subscribe(e, listener)]),
  ) as unknown as Omit<AilabApi, MethodName | 'pathForFile' | 'uploadFile' | 'onTransportState'>;

  const api = {
    ...methodTable,
    ...eventTable,
    uploadFile,
    onTransportState,
  } satisfies AilabApi;

  connect();

  return {
    api,
    state: () => state,
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      const ws = socket;
      socket = null;
      failAll();
      ws?.close(1000, 'closed');
    },
  };
}

interface BrowserGlobals {
  location: { protocol: string; host: string };
  WebSocket: new (url: string, protocols: string[]) => WebSocketLike;
  XMLHttpRequest: new () => XhrLike;
  open(url: string, target: string, features?: string): { opener: unknown } | null;
}

/** The page's API in the browser mode: connects to the server the page came from, with `token`. */
export function createWsApi(token: string | null): AilabApi {
  // The DOM's own types are not visible to the Node-side type check of the unit tests, hence the structural view.
  const w = globalThis as unknown as BrowserGlobals;
  const scheme = w.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return createWsTransport({
    url: `${scheme}//${w.location.host}${WS_PATH}`,
    token,
    createSocket: (url, protocols) => new w.WebSocket(url, protocols),
    createXhr: () => new w.XMLHttpRequest(),
    openWindow: (url) => {
      // Without 'noopener' so a blocked pop-up is detectable (null); the opener link is cut at once.
      const popup = w.open(url, '_blank');
      if (!popup) return false;
      popup.opener = null;
      return true;
    },
  }).api;
}

/**
 * JSON turns a trailing `undefined` argument into `null`, which an optional argument's schema refuses;
 * dropping them makes a call over the WebSocket look exactly like the same call over Electron's IPC.
 */
function trimTrailingUndefined(args: unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return end === args.length ? args : args.slice(0, end);
}
