import { vi } from 'vitest';
import type { AilabApi, Result } from '../../shared/contract';

/**
 * A stand-in for renderer/src/api/bridge's `api`: every method a vi.fn the test sets up, every event
 * subscription recorded so the test can fire it. Only for the renderer's hook tests (jsdom, no main).
 */
export type FakeApi = { [K in keyof AilabApi]-?: ReturnType<typeof vi.fn> } & {
  /** Calls the listeners of `onX` subscriptions. */
  emit(event: string, payload?: unknown): void;
};

export function ok<T>(value: T): Promise<Result<T>> {
  return Promise.resolve({ ok: true, value });
}

export function createFakeApi(): FakeApi {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const fns = new Map<string, ReturnType<typeof vi.fn>>();
  const emit = (event: string, payload?: unknown) => {
    for (const l of listeners.get(event) ?? []) l(payload);
  };
  return new Proxy({} as FakeApi, {
    get(_target, prop) {
      if (prop === 'emit') return emit;
      if (typeof prop !== 'string') return undefined;
      let fn = fns.get(prop);
      if (!fn) {
        fn = prop.startsWith('on')
          ? vi.fn((listener: (p: unknown) => void) => {
              const set = listeners.get(prop) ?? new Set();
              set.add(listener);
              listeners.set(prop, set);
              return () => set.delete(listener);
            })
          : vi.fn(() => Promise.resolve({ ok: false, error: { code: 'INTERNAL', message: `${prop} is not set up in this test` } }));
        fns.set(prop, fn);
      }
      return fn;
    },
  });
}

export { volumeSummary as volume } from '../support/volumeSummary';
