import type { z } from 'zod';

/**
 * A contract method: a zod tuple that validates the arguments in main (the renderer is untrusted),
 * and a phantom result type that both sides read at compile time. Results are produced by our own
 * code in main, so they are typed, not re-validated.
 */
export interface MethodSpec<A extends z.ZodTypeAny, R> {
  readonly args: A;
  readonly __result?: R;
}

export function method<R>() {
  return <A extends z.ZodTypeAny>(args: A): MethodSpec<A, R> => ({ args });
}

/** A main → renderer event. `batched` events carry arrays and are coalesced by the sender. */
export interface EventSpec<P> {
  readonly __payload?: P;
  readonly batched: boolean;
}

export function event<P>(opts: { batched?: boolean } = {}): EventSpec<P> {
  return { batched: opts.batched ?? false };
}
