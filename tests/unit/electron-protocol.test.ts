import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RENDERER_CSP } from '../../shared/csp';

const electron = vi.hoisted(() => ({
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
}));
vi.mock('electron', () => electron);

const { createAppProtocolHandler, installAppProtocol, registerAppSchemePrivileged } = await import('../../electron/main/protocol');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-protocol-'));
const rendererDir = path.join(root, 'dist', 'renderer');
let serve: (request: Request) => Promise<Response>;
const SECRET = 'secret-outside-renderer';

/** A Request whose url is exactly the string given: the WHATWG Request constructor would normalise `..` away. */
function rawRequest(url: string, method = 'GET'): Request {
  return { url, method } as unknown as Request;
}

beforeAll(() => {
  fs.mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>AI-Lab Desktop</title>');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  fs.writeFileSync(path.join(root, 'dist', 'secret.txt'), SECRET);
  fs.writeFileSync(path.join(root, 'secret.txt'), SECRET);
  serve = createAppProtocolHandler(rendererDir);
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('app:// protocol', () => {
  it('registers app as a standard, secure, fetch-capable scheme and handles it', () => {
    registerAppSchemePrivileged();
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledWith([
      { scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true, supportFetchAPI: true }) },
    ]);
    installAppProtocol(rendererDir);
    expect(electron.protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
  });

  it('serves the renderer with the CSP header and a content type', async () => {
    const res = await serve(new Request('app://ailab/index.html'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('<title>AI-Lab Desktop</title>');

    const js = await serve(new Request('app://ailab/assets/app.js'));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('content-security-policy')).toBe(RENDERER_CSP);
  });

  it('serves index.html for the root', async () => {
    const res = await serve(new Request('app://ailab/'));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('AI-Lab Desktop');
  });

  const traversals = [
    'app://ailab/../secret.txt',
    'app://ailab/../../secret.txt',
    'app://ailab/..%2fsecret.txt',
    'app://ailab/..%2f..%2fsecret.txt',
    'app://ailab/assets/..%2f..%2fsecret.txt',
    'app://ailab/%2e%2e%2fsecret.txt',
    'app://ailab/%2e%2e%2f%2e%2e%2fsecret.txt',
    'app://ailab/..%5c..%5csecret.txt',
    `app://ailab/${encodeURIComponent(path.join(root, 'secret.txt'))}`,
  ];
  for (const url of traversals) {
    it(`refuses path traversal: ${url.replace(root, '<tmp>')}`, async () => {
      const res = await serve(rawRequest(url));
      expect([403, 404]).toContain(res.status);
      expect(await res.text()).not.toContain(SECRET);
      expect(res.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    });
  }

  it('answers an encoded ../ with 403', async () => {
    const res = await serve(rawRequest('app://ailab/..%2f..%2fsecret.txt'));
    expect(res.status).toBe(403);
  });

  it('refuses other hosts, missing files, directories, bad encodings, NUL bytes and writes', async () => {
    expect((await serve(rawRequest('app://other/index.html'))).status).toBe(404);
    expect((await serve(rawRequest('app://ailab/missing.js'))).status).toBe(404);
    expect((await serve(rawRequest('app://ailab/assets'))).status).toBe(404);
    expect((await serve(rawRequest('app://ailab/%E0%A4%A'))).status).toBe(400);
    expect((await serve(rawRequest('app://ailab/index.html%00.js'))).status).toBe(400);
    expect((await serve(rawRequest('app://ailab/index.html', 'POST'))).status).toBe(405);
  });
});
