import fs from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { contentTypeFor, type StaticTarget } from '../services/core/staticPaths';

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
