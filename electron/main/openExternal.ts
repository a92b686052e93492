import { AppError } from '../../shared/contract/errors';

/**
 * The openExternal handed to the services. They only pass URLs main built (e.g. the local Jupyter
 * address), but shell.openExternal would also launch file:, smb: or custom-scheme handlers, so
 * anything other than http(s) is refused here as a last line of defence.
 */
export function createSafeOpenExternal(open: (url: string) => Promise<void>): (url: string) => Promise<void> {
  return async (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AppError('INVALID_ARGUMENT', `Refusing to open "${String(url).slice(0, 200)}": it is not a valid URL.`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new AppError('INVALID_ARGUMENT', `Refusing to open a ${parsed.protocol} URL: only http and https addresses are opened in the browser.`);
    }
    await open(parsed.href);
  };
}
