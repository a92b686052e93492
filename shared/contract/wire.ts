import { z } from 'zod';
import type { ApiErrorPayload, Result } from './errors';
import type { EventName, PayloadOf, UploadedFile } from './index';

/**
 * The browser mode's wire protocol between the page (renderer/src/api/wsClient.ts) and the server
 * (electron/server): paths, the message size limit, and the messages. Defined once, here, and imported
 * by both sides. The server validates what the page sends (it is untrusted, like the renderer in
 * Electron); the page trusts the server it loaded from.
 */

export const WS_PATH = '/ws';
export const UPLOADS_PATH = '/api/uploads';
/** The largest WebSocket message either side accepts; calls are small, files go through uploads. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export const callIdSchema = z.union([z.string().min(1).max(100), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)]);
export type CallId = z.infer<typeof callIdSchema>;

/** page → server: run one contract method. `args` is validated against the contract by invokeHandler. */
export const callMessageSchema = z
  .object({
    type: z.literal('call'),
    id: callIdSchema,
    method: z.string().min(1).max(100),
    args: z.array(z.unknown()),
  })
  .strict();
export type CallMessage = z.infer<typeof callMessageSchema>;
export type ClientMessage = CallMessage;

/** server → page: the envelope of one call. `id` is null only when a malformed message had none. */
export interface ResultMessage {
  type: 'result';
  id: CallId | null;
  result: Result<unknown>;
}

/** server → page: one contract event, as forwarded from the core's event bus. */
export interface EventMessage<E extends EventName = EventName> {
  type: 'event';
  name: E;
  payload: PayloadOf<E>;
}

export type ServerMessage = ResultMessage | EventMessage;

/** PUT /api/uploads?name=… answers this on success (2xx)… */
export type UploadResponse = UploadedFile;
/** …and this on failure (4xx/5xx), e.g. { code: 'DISK_FULL', … } with 507. */
export type UploadErrorResponse = ApiErrorPayload;
