export type Settled<T> = { state: 'fulfilled'; value: T } | { state: 'rejected'; error: unknown } | { state: 'pending' };

/**
 * How `p` stands after at most `ms`, never rejecting: for the end of a job, which must not wait for
 * ever on a stream that may never finish.
 */
export function settleWithin<T>(p: Promise<T>, ms: number): Promise<Settled<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ state: 'pending' }), ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve({ state: 'fulfilled', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ state: 'rejected', error });
      },
    );
  });
}
