import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticTarget =
  /** A file under the root to serve if it exists; `spaFallback` says whether a miss serves index.html. */
  | { kind: 'file'; file: string; spaFallback: boolean }
  | { kind: 'refused' };

/**
 * Maps a URL path to a file under `root`, refusing anything that would leave it (`..`, encoded
 * separators, NUL). Paths without an extension are client-side routes: they fall back to index.html.
 */
export function resolveStaticPath(root: string, urlPath: string): StaticTarget {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'refused' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return { kind: 'refused' };
  if (decoded.split('/').some((seg) => seg === '..')) return { kind: 'refused' };
  const relative = decoded === '/' || decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  const rootAbs = path.resolve(root);
  const file = path.resolve(rootAbs, `.${relative}`);
  if (file !== rootAbs && !file.startsWith(rootAbs + path.sep)) return { kind: 'refused' };
  const lastSegment = relative.slice(relative.lastIndexOf('/') + 1);
  return { kind: 'file', file, spaFallback: !lastSegment.includes('.') };
}

function cacheControlFor(file: string, root: string): string {
  if (file.endsWith('.html')) return 'no-store';
  // Vite puts content-hashed names under assets/: they never change under the same name.
  if (path.relative(root, file).startsWith(`assets${path.sep}`)) return 'private, max-age=31536000, immutable';
  return 'no-cache';
}

async function regularFile(file: string): Promise<fs.Stats | null> {
  try {
    const st = await fs.promises.stat(file);
    return st.isFile() ? st : null;
  } catch {
    return null;
  }
}

/** Serves a resolved target; returns false when nothing was found (the caller answers 404). */
export async function sendStatic(
  res: ServerResponse,
  root: string,
  target: Extract<StaticTarget, { kind: 'file' }>,
  headOnly: boolean,
  headers: Readonly<Record<string, string>>,
): Promise<boolean> {
  let file = target.file;
  let st = await regularFile(file);
  if (!st && target.spaFallback) {
    file = path.join(root, 'index.html');
    st = await regularFile(file);
  }
  if (!st) return false;
  res.writeHead(200, {
    ...headers,
    'Content-Type': contentTypeFor(file),
    'Content-Length': String(st.size),
    'Cache-Control': cacheControlFor(file, path.resolve(root)),
  });
  if (headOnly) {
    res.end();
    return true;
  }
  try {
    await pipeline(fs.createReadStream(file), res);
  } catch {
    // The client went away mid-file; nothing to tell anyone.
    res.destroy();
  }
  return true;
}
