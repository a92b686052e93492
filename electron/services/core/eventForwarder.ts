import { events, type EventName } from '../../../shared/contract';
import type { EventBus } from './eventBus';

/**
 * Forwards every bus event to one transport (an Electron window, a WebSocket). Events declared
 * `batched` carry arrays; those emitted within `windowMs` are concatenated into one message so a job
 * streaming thousands of file names per second costs a few messages per second, not thousands.
 */
export function forwardEvents(bus: EventBus, send: (name: EventName, payload: unknown) => void, windowMs = 50): () => void {
  const pending = new Map<EventName, unknown[]>();
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    timer = null;
    for (const [name, items] of pending) send(name, items);
    pending.clear();
  };
  const off = bus.onAny((name, payload) => {
    if (!events[name].batched) {
      send(name, payload);
      return;
    }
    const list = pending.get(name) ?? [];
    list.push(...(Array.isArray(payload) ? payload : [payload]));
    pending.set(name, list);
    timer ??= setTimeout(flush, windowMs);
  });
  return () => {
    off();
    if (timer) clearTimeout(timer);
    flush();
  };
}
