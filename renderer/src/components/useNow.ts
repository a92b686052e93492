import { useEffect, useState } from 'react';

/**
 * The current time, renewed every `everyMs` while `active` (a running job, a countdown): for
 * durations and "in N s" that change without an event from main. Nothing is fetched.
 */
export function useNow(everyMs: number, active = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs, active]);
  return now;
}
