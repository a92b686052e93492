import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeFor, resolveStaticPath } from '../../electron/services/core/staticPaths';

const ROOT = path.resolve('/srv/app/dist/renderer');

describe('resolveStaticPath', () => {
  it('maps / and folders to index.html', () => {
    expect(resolveStaticPath(ROOT, '/')).toEqual({ kind: 'file', file: path.join(ROOT, 'index.html'), spaFallback: false });
    expect(resolveStaticPath(ROOT, '/sub/')).toEqual({ kind: 'file', file: path.join(ROOT, 'sub', 'index.html'), spaFallback: false });
  });

  it('maps asset paths under the root, without SPA fallback for files with an extension', () => {
    expect(resolveStaticPath(ROOT, '/assets/index-abc123.js')).toEqual({
      kind: 'file',
      file: path.join(ROOT, 'assets', 'index-abc123.js'),
      spaFallback: false,
    });
    expect(resolveStaticPath(ROOT, '/assets/a%20b.css')).toEqual({ kind: 'file', file: path.join(ROOT, 'assets', 'a b.css'), spaFallback: false });
  });

  it('treats extension-less paths as client routes that fall back to index.html', () => {
    expect(resolveStaticPath(ROOT, '/volumes/my-vol')).toEqual({ kind: 'file', file: path.join(ROOT, 'volumes', 'my-vol'), spaFallback: true });
  });

  it('refuses traversal, encoded separators and backslashes as leaving the root', () => {
    for (const p of ['/../etc/passwd', '/assets/../../etc/passwd', '/%2e%2e/etc/passwd', '/assets%2F..%2F..%2Fsecret', '/..%5c..%5cwin.ini', '/a\\b']) {
      expect(resolveStaticPath(ROOT, p), p).toEqual({ kind: 'refused', reason: 'outside' });
    }
  });

  it('refuses NUL, broken escapes and relative paths as malformed', () => {
    for (const p of ['/x%00.js', '/%E0%A4%A', '..', 'relative']) {
      expect(resolveStaticPath(ROOT, p), p).toEqual({ kind: 'refused', reason: 'malformed' });
    }
  });

  it('keeps an encoded absolute path under the root', () => {
    expect(resolveStaticPath(ROOT, '/%2Fetc%2Fpasswd')).toEqual({ kind: 'file', file: path.join(ROOT, 'etc', 'passwd'), spaFallback: true });
  });

  it('never resolves outside the root', () => {
    for (const p of ['/', '/a', '/a/b/c.js', '/.vite/manifest.json', '/%2e/x.js']) {
      const r = resolveStaticPath(ROOT, p);
      if (r.kind === 'file') expect(r.file.startsWith(ROOT + path.sep)).toBe(true);
    }
  });
});

describe('contentTypeFor', () => {
  const emitted = {
    'index.html': 'text/html; charset=utf-8',
    'a.JS': 'text/javascript; charset=utf-8',
    'a.css': 'text/css; charset=utf-8',
    'a.svg': 'image/svg+xml',
    'a.woff2': 'font/woff2',
    'a.js.map': 'application/json; charset=utf-8',
    'unknown.bin': 'application/octet-stream',
  };
  it.each(Object.entries(emitted))('gives %s, as Vite emits it, the type %s', (file, type) => {
    expect(contentTypeFor(file)).toBe(type);
  });
});
