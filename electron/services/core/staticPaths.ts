import path from 'node:path';

// How the built renderer's files are found and typed, for both ways it is served: Electron's app://
// protocol and the browser mode's HTTP server.

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
  /** A file under the root to serve if it exists; `spaFallback` says whether a miss may serve index.html. */
  | { kind: 'file'; file: string; spaFallback: boolean }
  /** `malformed`: not a path at all (bad escape, NUL, relative); `outside`: it tries to leave the root. */
  | { kind: 'refused'; reason: 'malformed' | 'outside' };

/**
 * Maps a URL path to a file under `root`, refusing anything that would leave it (`..`, encoded
 * separators, backslashes): URL parsing only removes the dot segments it can see, so the decoded path
 * is checked again here. Paths whose last segment has no extension are client-side routes.
 */
export function resolveStaticPath(root: string, urlPath: string): StaticTarget {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'refused', reason: 'malformed' };
  }
  if (!decoded.startsWith('/') || decoded.includes('\0')) return { kind: 'refused', reason: 'malformed' };
  if (decoded.includes('\\') || decoded.split('/').some((seg) => seg === '..')) return { kind: 'refused', reason: 'outside' };
  const relative = decoded.endsWith('/') ? `${decoded}index.html` : decoded;
  const rootAbs = path.resolve(root);
  const file = path.resolve(rootAbs, `.${relative}`);
  if (file !== rootAbs && !file.startsWith(rootAbs + path.sep)) return { kind: 'refused', reason: 'outside' };
  const lastSegment = relative.slice(relative.lastIndexOf('/') + 1);
  return { kind: 'file', file, spaFallback: !lastSegment.includes('.') };
}
