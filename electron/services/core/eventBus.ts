import { EventEmitter } from 'node:events';
import type { EventName, PayloadOf } from '../../../shared/contract';

/**
 * Typed fan-out of contract events from the services to whoever presents them (the Electron window,
 * the browser-mode WebSocket clients, the CLI). Services never know who listens.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  emit<E extends EventName>(name: E, payload: PayloadOf<E>): void {
    this.emitter.emit(name, payload);
    this.emitter.emit('*', name, payload);
  }

  on<E extends EventName>(name: E, listener: (payload: PayloadOf<E>) => void): () => void {
    this.emitter.on(name, listener);
    return () => this.emitter.off(name, listener);
  }

  /** Every event, for transports that forward all of them. */
  onAny(listener: (name: EventName, payload: unknown) => void): () => void {
    this.emitter.on('*', listener);
    return () => this.emitter.off('*', listener);
  }
}
