import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { docker } from '../support/docker';

/**
 * A tiny Docker Registry (v2 API, read-only) on 127.0.0.1 that serves one local image under any
 * tag it is told about, so the engine really pulls (dockerd talks plain HTTP to 127.0.0.0/8
 * registries). Blobs can be throttled to make the pull slow enough to watch and to cancel.
 */
export interface TestRegistry {
  /** "127.0.0.1:PORT" */
  host: string;
  /** Make `repo:tag` pullable: the local image's layers plus a new one of its own. */
  add(repo: string, tag: string): Promise<void>;
  /** Bytes per 100 ms for blob downloads; 0 = as fast as possible. */
  throttle(bytesPer100ms: number): void;
  /** Answer every request with 401 (a private registry without `docker login`). */
  requireAuth(on: boolean): void;
  requests: string[];
  close(): Promise<void>;
}

interface Blob {
  digest: string;
  data: Buffer;
}

/** Size of the layer each tag adds: big enough for several progress reports. */
const EXTRA_LAYER_BYTES = 768 * 1024;

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function imageBlobs(image: string): Promise<{ config: Blob; layers: Blob[] }> {
  const tar = (await docker.getImage(image).get()) as unknown as Readable;
  const files = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    const ex = extract();
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        files.set(header.name, Buffer.concat(chunks));
        next();
      });
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
    tar.pipe(ex);
  });
  const manifest = JSON.parse(files.get('manifest.json')?.toString() ?? '[]') as Array<{ Config: string; Layers: string[] }>;
  const first = manifest[0];
  if (!first) throw new Error(`docker save ${image} has no manifest`);
  const configData = files.get(first.Config);
  if (!configData) throw new Error('config missing');
  const layers = first.Layers.map((l) => {
    const raw = files.get(l);
    if (!raw) throw new Error(`layer ${l} missing`);
    const gz = gzipSync(raw, { level: 1 });
    return { digest: sha(gz), data: gz };
  });
  return { config: { digest: sha(configData), data: configData }, layers };
}

export async function startTestRegistry(sourceImage: string): Promise<TestRegistry> {
  const base = await imageBlobs(sourceImage);
  const baseConfig = JSON.parse(base.config.data.toString()) as { rootfs: { diff_ids: string[] }; history?: unknown[]; created?: string };
  const blobs = new Map<string, Buffer>([[base.config.digest, base.config.data], ...base.layers.map((l): [string, Buffer] => [l.digest, l.data])]);
  const manifests = new Map<string, { digest: string; data: Buffer }>();

  /**
   * Every tag is a new image: the source's layers plus one of its own (random, so it does not
   * compress away), so the engine has something to download and report progress on.
   */
  const makeTag = async (repo: string, tag: string): Promise<void> => {
    const p = pack();
    p.entry({ name: `pulled-${tag}.bin`, mode: 0o644 }, randomBytes(EXTRA_LAYER_BYTES));
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p) chunks.push(c as Buffer);
    const tar = Buffer.concat(chunks);
    const gz = gzipSync(tar, { level: 1 });
    const layer = { digest: sha(gz), data: gz };
    const config = Buffer.from(
      JSON.stringify({
        ...baseConfig,
        created: new Date().toISOString(),
        rootfs: { type: 'layers', diff_ids: [...baseConfig.rootfs.diff_ids, sha(tar)] },
        history: [...(baseConfig.history ?? []), { created: new Date().toISOString(), comment: `test layer ${tag}` }],
      }),
    );
    const configBlob = { digest: sha(config), data: config };
    blobs.set(layer.digest, layer.data);
    blobs.set(configBlob.digest, configBlob.data);
    const layers = [...base.layers, layer];
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: configBlob.data.length, digest: configBlob.digest },
        layers: layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: l.data.length, digest: l.digest })),
      }),
    );
    manifests.set(`${repo}:${tag}`, { digest: sha(manifest), data: manifest });
  };
  const requests: string[] = [];
  let rate = 0;
  let auth = false;

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(`${req.method} ${url}`);
    const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0', ...headers });
      res.end(JSON.stringify({ errors: [{ code, message }] }));
    };
    if (auth) return error(401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': 'Basic realm="ailab-test"' });
    if (url === '/v2/' || url === '/v2') {
      res.writeHead(200, { 'docker-distribution-api-version': 'registry/2.0', 'content-type': 'application/json' });
      return res.end('{}');
    }
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/?]+)$/.exec(url);
    if (!m) return error(404, 'NOT_FOUND', 'not found');
    const [, repo, kind, ref] = m;
    if (kind === 'manifests') {
      const found = manifests.get(`${repo}:${ref}`) ?? [...manifests.values()].find((x) => x.digest === ref);
      if (!found) return error(404, 'MANIFEST_UNKNOWN', `manifest unknown: ${repo}:${ref}`);
      res.writeHead(200, {
        'content-type': 'application/vnd.docker.distribution.manifest.v2+json',
        'content-length': String(found.data.length),
        'docker-content-digest': found.digest,
        'docker-distribution-api-version': 'registry/2.0',
      });
      return res.end(req.method === 'HEAD' ? undefined : found.data);
    }
    const blob = ref ? blobs.get(ref) : undefined;
    if (!blob) return error(404, 'BLOB_UNKNOWN', 'blob unknown');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(blob.length), 'docker-content-digest': ref ?? '' });
    if (req.method === 'HEAD') return res.end();
    if (rate <= 0) return res.end(blob);
    let offset = 0;
    const tick = () => {
      if (res.destroyed) return;
      const chunk = blob.subarray(offset, offset + rate);
      offset += chunk.length;
      if (offset >= blob.length) res.end(chunk);
      else {
        res.write(chunk);
        setTimeout(tick, 100);
      }
    };
    tick();
  });
  const { host, close } = await serveOnLoopback(server);
  return {
    host,
    add: makeTag,
    throttle: (b) => {
      rate = b;
    },
    requireAuth: (on) => {
      auth = on;
    },
    requests,
    close,
  };
}

/** Listens on 127.0.0.1 (a free port); `close` also ends the engine's kept-alive connections. */
export async function serveOnLoopback(server: http.Server): Promise<{ host: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
