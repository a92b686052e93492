import { methodChannel, methodNames, type Handlers } from '../../shared/contract';
import { AppError, type Result } from '../../shared/contract/errors';
import { invokeHandler } from '../../shared/contract/invoke';
import { isAllowedUrl } from './origins';

/** The parts of Electron's IpcMainInvokeEvent the glue looks at (structural, so tests can fake them). */
export interface FrameLike {
  readonly url: string;
}
export interface InvokeEventLike {
  readonly sender: unknown;
  readonly senderFrame: FrameLike | null;
}
export type InvokeListener = (event: InvokeEventLike, ...args: unknown[]) => Promise<Result<unknown>>;
export interface IpcMainLike {
  handle(channel: string, listener: InvokeListener): void;
  removeHandler(channel: string): void;
}
/** The parts of a BrowserWindow the sender check needs. */
export interface WindowLike {
  isDestroyed(): boolean;
  readonly webContents: { isDestroyed(): boolean; readonly mainFrame: FrameLike };
}

export type SenderCheck = (event: InvokeEventLike) => boolean;

/**
 * Only our own window's top frame, showing our own page, may call main. A frame inside the page, a
 * page the window was somehow navigated to, or any other webContents is refused before its arguments
 * are even looked at.
 */
export function createSenderCheck(getWindow: () => WindowLike | null, origins: ReadonlySet<string>): SenderCheck {
  return (event) => {
    const win = getWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return false;
    if (event.sender !== win.webContents) return false;
    const frame = event.senderFrame;
    if (!frame || frame !== win.webContents.mainFrame) return false;
    return isAllowedUrl(frame.url, origins);
  };
}

const forbidden: Result<never> = {
  ok: false,
  error: new AppError('FORBIDDEN_SENDER', 'This request did not come from the AI-Lab Desktop window and was refused.').toPayload(),
};

/**
 * Registers every contract method on its own channel. Each call goes the same way: sender check,
 * argument validation against the contract, the handler, and a result-or-error envelope (never a
 * rejected promise, so the renderer never sees Electron's "Error invoking remote method" wrapping).
 * Returns a function that removes the handlers again.
 */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  handlers: Handlers,
  isTrustedSender: SenderCheck,
  onUnexpected: (method: string, err: unknown) => void = () => {},
): () => void {
  const channels = methodNames.map((name) => {
    const channel = methodChannel(name);
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event)) return forbidden;
      return invokeHandler(handlers, name, args, onUnexpected);
    });
    return channel;
  });
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}
