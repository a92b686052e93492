import type { Writable } from 'node:stream';

/**
 * Resolves on the writable's next `event` ('drain' or 'finish'); rejects on 'error', and on a 'close'
 * before it unless `closed()` answers null (the close came after all that was wanted). Listeners are
 * attached before this returns, so the caller may end() the stream right after.
 */
export function writableEvent(stream: Writable, event: 'drain' | 'finish', closed: () => Error | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.off(event, onEvent);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    const onEvent = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      const err = closed();
      if (err) reject(err);
      else resolve();
    };
    stream.on(event, onEvent);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}
