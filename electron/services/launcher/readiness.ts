import http from 'node:http';

/** Jupyter Server prints this once it listens ("Jupyter Server 2.14.0 is running at:"). */
export const READY_LINE = /is running at:?/i;

/** One GET /api: unauthenticated, answers as soon as the server is up. */
export function probeApi(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: host.replace(/^\[|\]$/g, ''), port, path: '/api', timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) < 500);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}

export interface WaitForReadyOptions {
  /** Resolves when the log shows the ready line (the caller wires its log follower to this). */
  logReady: Promise<void>;
  /** Resolves when the container stopped before being ready. */
  exited: Promise<void>;
  probe: (() => Promise<boolean>) | null;
  timeoutMs: number;
  signal: AbortSignal;
  probeEveryMs?: number;
}

export type ReadyOutcome = 'log' | 'api' | 'timeout' | 'exited' | 'cancelled';

/**
 * Waits for the first of: the ready line, /api answering, the container exiting, the timeout, or a
 * cancel. The probe runs between log lines because some images log nothing useful (or to a file).
 */
export function waitForReady(opts: WaitForReadyOptions): Promise<ReadyOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let probeTimer: NodeJS.Timeout | null = null;
    const settle = (o: ReadyOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (probeTimer) clearTimeout(probeTimer);
      opts.signal.removeEventListener('abort', onAbort);
      resolve(o);
    };
    const onAbort = () => settle('cancelled');
    const deadline = setTimeout(() => settle('timeout'), opts.timeoutMs);
    if (opts.signal.aborted) return settle('cancelled');
    opts.signal.addEventListener('abort', onAbort, { once: true });
    opts.logReady.then(
      () => settle('log'),
      () => undefined,
    );
    opts.exited.then(
      () => settle('exited'),
      () => undefined,
    );
    const probe = opts.probe;
    if (probe) {
      const every = opts.probeEveryMs ?? 750;
      const tick = async () => {
        if (settled) return;
        if (await probe()) settle('api');
        else if (!settled) probeTimer = setTimeout(() => void tick(), every);
      };
      probeTimer = setTimeout(() => void tick(), every);
    }
  });
}
