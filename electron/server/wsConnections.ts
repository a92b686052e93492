import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Handlers } from '../../shared/contract';
import { AppError } from '../../shared/contract/errors';
import { invokeHandler } from '../../shared/contract/invoke';
import type { EventBus } from '../services/core/eventBus';
import { forwardEvents } from '../services/core/eventForwarder';
import { chooseSubprotocol } from './security';
import { callMessageSchema, MAX_MESSAGE_BYTES, type CallId, type EventMessage, type ResultMessage } from '../../shared/contract/wire';

export interface WsConnectionsOptions {
  bus: EventBus;
  handlers: Handlers;
  /** How often to ping; a client that has not answered the previous ping by then is dropped. */
  keepaliveMs?: number;
  onUnexpected?: (method: string, err: unknown) => void;
}

/** A slow page must not make the server buffer without bound; past this it is dropped and reconnects. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/**
 * The WebSocket side of the browser mode: each connection may call any contract method (through the
 * same invokeHandler as Electron's IPC, so the same validation and envelopes) and receives every bus
 * event. Authentication happened at the upgrade; nothing here trusts what the page sends.
 */
export function createWsConnections(opts: WsConnectionsOptions) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, clientTracking: true, handleProtocols: chooseSubprotocol });
  const alive = new WeakSet<WebSocket>();
  // openUrl goes to one page, the one the user last acted in, so two open tabs do not both open it.
  let lastActive: WebSocket | null = null;

  const keepalive = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, opts.keepaliveMs ?? 30_000);
  keepalive.unref();

  wss.on('connection', (ws) => {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    // Errors (e.g. a message over maxPayload) close the socket; without a listener they would crash the server.
    ws.on('error', () => undefined);

    const send = (msg: ResultMessage | EventMessage) => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        ws.terminate();
        return;
      }
      ws.send(JSON.stringify(msg));
    };

    const stopForwarding = forwardEvents(opts.bus, (name, payload) => {
      if (name === 'openUrl' && lastActive !== null && lastActive !== ws && lastActive.readyState === WebSocket.OPEN) return;
      send({ type: 'event', name, payload } as EventMessage);
    });
    ws.on('close', () => {
      stopForwarding();
      if (lastActive === ws) lastActive = null;
    });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      void handleMessage(data, isBinary).then(send);
    });

    async function handleMessage(data: RawData, isBinary: boolean): Promise<ResultMessage> {
      const invalid = (id: CallId | null, message: string): ResultMessage => ({
        type: 'result',
        id,
        result: { ok: false, error: new AppError('INVALID_ARGUMENT', message).toPayload() },
      });
      if (isBinary) return invalid(null, 'Binary WebSocket messages are not part of the protocol.');
      let raw: unknown;
      try {
        raw = JSON.parse(rawToString(data));
      } catch {
        return invalid(null, 'The message is not valid JSON.');
      }
      const parsed = callMessageSchema.safeParse(raw);
      if (!parsed.success) {
        const id = callIdOf(raw);
        return invalid(id, `Malformed call message: ${parsed.error.issues[0]?.path.join('.') || 'message'}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
      }
      lastActive = ws;
      const { id, method, args } = parsed.data;
      const result = await invokeHandler(opts.handlers, method, args, opts.onUnexpected);
      return { type: 'result', id, result };
    }
  });

  return {
    wss,
    /** Closes every connection (the page starts reconnecting) and stops the keepalive. */
    close(code = 1001, reason = 'The server is shutting down.'): void {
      clearInterval(keepalive);
      for (const ws of wss.clients) ws.close(code, reason);
      wss.close();
    },
    /** Connections whose page could open a URL right now. */
    count(): number {
      return wss.clients.size;
    },
  };
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function callIdOf(raw: unknown): CallId | null {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return null;
  const id = (raw as { id: unknown }).id;
  if (typeof id === 'string' && id.length > 0 && id.length <= 100) return id;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  return null;
}
