import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ApiErrorPayload } from '../../shared/contract/errors';
import { prepareUpload, removeUpload, uploadsRoot } from '../services/core/uploads';
import type { UploadResponse } from '../../shared/contract/wire';

type SendJson = (status: number, body: UploadResponse | ApiErrorPayload) => void;

const diskFull = (): ApiErrorPayload => ({
  code: 'DISK_FULL',
  message: 'The disk that holds the AI-Lab Desktop data folder is full; the upload was discarded.',
  hint: 'Free some space (or point AILAB_DESKTOP_HOME at a bigger disk and restart the server), then drop the file again.',
});

/** Free bytes where uploads land, or null where the platform cannot tell. */
async function freeBytes(dir: string): Promise<number | null> {
  try {
    const st = await fs.promises.statfs(dir);
    return st.bavail * st.bsize;
  } catch {
    return null;
  }
}

/**
 * PUT /api/uploads?name=<file name>: streams the body to disk chunk by chunk (a backup can be many
 * gigabytes; nothing is held in memory), and removes the partial file if the client aborts or the
 * disk fills up. Authentication and the Origin check happened before this runs.
 */
export async function handleUpload(
  req: IncomingMessage,
  res: ServerResponse,
  dataDir: string,
  rawName: string | null,
  sendJson: SendJson,
  free: (dir: string) => Promise<number | null> = freeBytes,
): Promise<void> {
  if (!rawName) {
    req.resume();
    sendJson(400, { code: 'INVALID_ARGUMENT', message: 'The upload has no file name.', hint: 'Send PUT /api/uploads?name=<file name>.' });
    return;
  }
  const declared = Number(req.headers['content-length']);
  await fs.promises.mkdir(uploadsRoot(dataDir), { recursive: true, mode: 0o700 });
  // A chunked body (no Content-Length) gets the same cap, counted as it arrives.
  const room = await free(uploadsRoot(dataDir));
  if (Number.isFinite(declared) && declared > 0) {
    if (room !== null && declared > room) {
      // Refuse before the body arrives, and close the connection rather than drain gigabytes.
      res.setHeader('Connection', 'close');
      req.resume();
      sendJson(507, diskFull());
      return;
    }
  }

  let upload: Awaited<ReturnType<typeof prepareUpload>>;
  try {
    upload = await prepareUpload(dataDir, rawName);
  } catch (err) {
    req.resume();
    sendJson(...uploadFailure(err));
    return;
  }
  let size = 0;
  let overCap = false;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (room === null || size <= room) {
        done(null, chunk);
        return;
      }
      if (!overCap) {
        // Answer now and close the connection once the answer is out, rather than drain gigabytes.
        overCap = true;
        res.setHeader('Connection', 'close');
        res.once('finish', () => req.destroy());
        sendJson(507, diskFull());
      }
      done();
    },
  });
  try {
    await pipeline(req, counter, fs.createWriteStream(upload.file, { flags: 'wx', mode: 0o600 }));
    if (overCap) throw new Error('The upload is larger than the free space.');
    if (Number.isFinite(declared) && req.headers['content-length'] !== undefined && size !== declared) {
      throw Object.assign(new Error(`Received ${size} of ${declared} bytes.`), { code: 'ECONNRESET' });
    }
  } catch (err) {
    await removeUpload(dataDir, upload.uploadId).catch(() => undefined);
    if (overCap) return;
    if (!res.headersSent && !res.destroyed && !req.destroyed) sendJson(...uploadFailure(err));
    else res.destroy();
    return;
  }
  sendJson(201, { uploadId: upload.uploadId, name: upload.name, size });
}

/** Maps a write error to the HTTP status and error body the page shows. */
export function uploadFailure(err: unknown): [number, ApiErrorPayload] {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return [507, diskFull()];
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return [
      500,
      {
        code: 'PERMISSION_DENIED',
        message: `The server may not write to its data folder (${code}).`,
        hint: 'Check the permissions of the AI-Lab Desktop data folder.',
      },
    ];
  }
  const message = err instanceof Error ? err.message : String(err);
  return [500, { code: 'INTERNAL', message: `The upload failed: ${message}`, hint: 'Try again; if it keeps failing, check the server terminal.' }];
}
