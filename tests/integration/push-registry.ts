import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import { serveOnLoopback } from './launcher-registry';

/**
 * A tiny writable Docker Registry (the v2 upload API) on 127.0.0.1, for `docker push` and the pull back
 * (dockerd talks plain HTTP to 127.0.0.0/8 registries): POST/PATCH/PUT blob uploads checked against
 * their digest, HEAD/GET blobs, PUT/GET/HEAD manifests. Optional basic auth (`user:pass`): without the
 * right login every request gets a 401 with a Basic challenge, as a private registry answers.
 * launcher-registry.ts is its read-only sibling (it serves local images for the pull tests).
 */
export interface PushRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** Require this login; null: open. */
  requireLogin(login: { user: string; password: string } | null): void;
  /** Tags pushed so far, as `repo:tag`. */
  tags(): string[];
  requests: string[];
  close(): Promise<void>;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startPushRegistry(): Promise<PushRegistry> {
  const blobs = new Map<string, Buffer>();
  const uploads = new Map<string, Buffer[]>();
  const manifests = new Map<string, { digest: string; data: Buffer; type: string }>();
  const requests: string[] = [];
  let login: string | null = null;

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const full = req.url ?? '/';
    const [url = '/', query = ''] = full.split('?', 2);
    const params = new URLSearchParams(query);
    requests.push(`${req.method} ${full}`);
    const headers = { 'docker-distribution-api-version': 'registry/2.0' };
    const error = (status: number, code: string, message: string, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers, ...extra });
      res.end(JSON.stringify({ errors: [{ code, message }] }));
    };
    if (login !== null && req.headers.authorization !== `Basic ${Buffer.from(login).toString('base64')}`) {
      await readBody(req);
      return error(401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': 'Basic realm="ailab-push-test"' });
    }
    if (url === '/v2/' || url === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json', ...headers });
      return void res.end('{}');
    }
    let m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(url);
    if (m && req.method === 'POST') {
      await readBody(req);
      const id = randomUUID();
      uploads.set(id, []);
      res.writeHead(202, { ...headers, location: `/v2/${m[1]}/blobs/uploads/${id}`, 'docker-upload-uuid': id, range: '0-0', 'content-length': '0' });
      return void res.end();
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/.exec(url);
    if (m) {
      const [, name, id = ''] = m;
      const parts = uploads.get(id);
      if (!parts) return error(404, 'BLOB_UPLOAD_UNKNOWN', 'upload unknown');
      parts.push(await readBody(req));
      const size = parts.reduce((n, p) => n + p.length, 0);
      if (req.method === 'PATCH') {
        res.writeHead(202, {
          ...headers,
          location: `/v2/${name}/blobs/uploads/${id}`,
          'docker-upload-uuid': id,
          range: `0-${Math.max(0, size - 1)}`,
          'content-length': '0',
        });
        return void res.end();
      }
      if (req.method === 'PUT') {
        const data = Buffer.concat(parts);
        const digest = params.get('digest') ?? '';
        uploads.delete(id);
        if (sha(data) !== digest) return error(400, 'DIGEST_INVALID', `digest ${digest} does not match the upload (${sha(data)})`);
        blobs.set(digest, data);
        res.writeHead(201, { ...headers, location: `/v2/${name}/blobs/${digest}`, 'docker-content-digest': digest, 'content-length': '0' });
        return void res.end();
      }
      return error(405, 'UNSUPPORTED', 'method not allowed');
    }
    m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(url);
    if (m) {
      await readBody(req);
      const blob = blobs.get(m[2] ?? '');
      if (!blob) return error(404, 'BLOB_UNKNOWN', 'blob unknown');
      res.writeHead(200, {
        ...headers,
        'content-type': 'application/octet-stream',
        'content-length': String(blob.length),
        'docker-content-digest': m[2] ?? '',
      });
      return void res.end(req.method === 'HEAD' ? undefined : blob);
    }
    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url);
    if (m) {
      const [, name, ref = ''] = m;
      if (req.method === 'PUT') {
        const data = await readBody(req);
        const digest = sha(data);
        const entry = { digest, data, type: req.headers['content-type'] ?? 'application/vnd.docker.distribution.manifest.v2+json' };
        manifests.set(`${name}:${ref}`, entry);
        manifests.set(`${name}@${digest}`, entry);
        res.writeHead(201, { ...headers, location: `/v2/${name}/manifests/${digest}`, 'docker-content-digest': digest, 'content-length': '0' });
        return void res.end();
      }
      await readBody(req);
      const found = manifests.get(`${name}:${ref}`) ?? manifests.get(`${name}@${ref}`);
      if (!found) return error(404, 'MANIFEST_UNKNOWN', `manifest unknown: ${name}:${ref}`);
      res.writeHead(200, { ...headers, 'content-type': found.type, 'content-length': String(found.data.length), 'docker-content-digest': found.digest });
      return void res.end(req.method === 'HEAD' ? undefined : found.data);
    }
    await readBody(req);
    return error(404, 'NOT_FOUND', 'not found');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  const { host, close } = await serveOnLoopback(server);
  return {
    host,
    requireLogin: (l) => {
      login = l ? `${l.user}:${l.password}` : null;
    },
    tags: () => [...manifests.keys()].filter((k) => !k.includes('@')),
    requests,
    close,
  };
}
