import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleUpload } from '../../electron/server/uploadRoute';

// The upload route on a real HTTP server, with the free space it sees set by the test (a fake disk).
let dataDir: string;
let server: http.Server;
let port: number;
const FREE = 64 * 1024;

beforeEach(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-upload-cap-'));
  server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    void handleUpload(req, res, dataDir, 'chunked.tgz', send, async () => FREE);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** A PUT without Content-Length (Transfer-Encoding: chunked), `total` bytes in 16 KiB chunks. */
function chunkedPut(total: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/api/uploads' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    let sent = 0;
    const more = () => {
      while (sent < total) {
        const n = Math.min(16 * 1024, total - sent);
        sent += n;
        if (!req.write(Buffer.alloc(n, 7))) {
          req.once('drain', more);
          return;
        }
      }
      req.end();
    };
    more();
  });
}

describe('chunked uploads (no Content-Length)', () => {
  it('are capped by the free space like declared ones: 507 DISK_FULL, nothing left on disk', async () => {
    const r = await chunkedPut(FREE * 4);
    expect(r.status).toBe(507);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'DISK_FULL' });
    // The partial file goes once the connection is closed.
    let left: string[] = [];
    for (let i = 0; i < 50; i++) {
      left = fs.readdirSync(path.join(dataDir, 'uploads'));
      if (left.length === 0) break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(left).toEqual([]);
  });

  it('within the free space are stored whole', async () => {
    const r = await chunkedPut(FREE - 1);
    expect(r.status).toBe(201);
    const { uploadId, size } = JSON.parse(r.body) as { uploadId: string; size: number };
    expect(size).toBe(FREE - 1);
    expect(fs.statSync(path.join(dataDir, 'uploads', uploadId, 'chunked.tgz')).size).toBe(FREE - 1);
  });
});
