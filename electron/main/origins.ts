/**
 * Where the renderer may come from. Production serves dist/renderer from the privileged `app://ailab/`
 * scheme; development may point at the Vite dev server on loopback. Every trust decision in main
 * (IPC senders, navigation) compares against these origins.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'ailab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * scheme://host[:port] of a URL, or null. Computed by hand because WHATWG URL reports the origin of
 * non-special schemes such as app:// as the opaque "null", which would make every app:// URL equal.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!parsed.host) return null;
  return `${parsed.protocol}//${parsed.host}`.toLowerCase();
}

/**
 * The Vite dev server URL from AILAB_DEV_SERVER_URL, or null. Honoured only for an unpackaged app and
 * only on loopback over http(s): a stray variable on a user's machine must never hand the full API to
 * a page from elsewhere.
 */
export function devServerUrl(env: NodeJS.ProcessEnv, isPackaged: boolean): string | null {
  const raw = env.AILAB_DEV_SERVER_URL;
  if (!raw || isPackaged) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) return null;
  return parsed.href;
}

export function allowedOrigins(devUrl: string | null): ReadonlySet<string> {
  const origins = new Set<string>([APP_ORIGIN]);
  const dev = devUrl ? originOf(devUrl) : null;
  if (dev) origins.add(dev);
  return origins;
}

export function isAllowedUrl(url: string, origins: ReadonlySet<string>): boolean {
  const origin = originOf(url);
  return origin !== null && origins.has(origin);
}
