import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { START_DOCKER_HINT } from '../docker/errors';

export interface ExitWaitOptions {
  /** How long wait() may stay silent once the output has ended before the container is inspected. */
  graceMs?: number;
  /** While the output still flows: how often Docker is asked whether the container still runs. */
  livenessMs?: number;
  /** How long one inspect may take before Docker counts as gone. */
  inspectTimeoutMs?: number;
}

export type ExitWaitable = Pick<Dockerode.Container, 'wait' | 'inspect'>;

const NOT_YET = Symbol('not yet');
/** Failed inspects in a row, while the output still flows, before Docker counts as gone. */
const LIVENESS_MISSES = 3;

/**
 * A started container's exit code. container.wait() alone can hang for ever: the Engine sends wait's
 * response headers at once and the body only at the exit, and when the connection dies in between
 * (dockerd stopped, its socket gone) docker-modem neither resolves nor rejects. So wait() is not
 * trusted on its own: `graceMs` after the output ended (the container exited, or the connection
 * died), and every `livenessMs` before that, the container is inspected. Exited gives its code,
 * running keeps waiting, an error or no answer within `inspectTimeoutMs` rejects (Docker is gone;
 * while the output still flows, only after a few in a row).
 */
export async function waitForExit(container: ExitWaitable, outputEnded: Promise<unknown>, opts: ExitWaitOptions = {}): Promise<number> {
  const graceMs = opts.graceMs ?? 2_000;
  const livenessMs = opts.livenessMs ?? 30_000;
  const inspectTimeoutMs = opts.inspectTimeoutMs ?? 10_000;

  const waited = Promise.resolve(container.wait()).then((res: unknown) => exitCodeOf(res));
  // Once the exit code came from inspect, a late rejection of wait() must not go unhandled.
  waited.catch(() => undefined);

  let ended = false;
  const endedSignal = outputEnded.then(
    () => {
      ended = true;
    },
    () => {
      ended = true;
    },
  );
  const timers = new Set<NodeJS.Timeout>();
  let settled = false;
  // Not unref'd: while a job waits here, the process must stay alive even if no socket holds it.
  // Cleared when this returns; a delay asked for after that (the output ending late) is no delay.
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      if (settled) {
        resolve();
        return;
      }
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  try {
    const graceAfterEnd = endedSignal.then(() => delay(graceMs));
    let missed = 0;
    for (;;) {
      const nudge = ended ? delay(graceMs) : Promise.race([graceAfterEnd, delay(livenessMs)]);
      const first = await Promise.race([waited, nudge.then((): typeof NOT_YET => NOT_YET)]);
      if (first !== NOT_YET) return first;
      let info: Dockerode.ContainerInspectInfo;
      try {
        info = await inspectWithin(container, inspectTimeoutMs, delay);
        missed = 0;
      } catch (err) {
        // While output still arrives Docker is evidently there: a busy engine gets a few chances.
        if (ended || ++missed >= LIVENESS_MISSES) throw err;
        continue;
      }
      if (!info.State.Running) return typeof info.State.ExitCode === 'number' ? info.State.ExitCode : -1;
    }
  } finally {
    settled = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
  }
}

function exitCodeOf(res: unknown): number {
  const code = (res as { StatusCode?: unknown } | null)?.StatusCode;
  return typeof code === 'number' ? code : -1;
}

async function inspectWithin(container: ExitWaitable, ms: number, delay: (ms: number) => Promise<void>): Promise<Dockerode.ContainerInspectInfo> {
  const timeout = delay(ms).then(() =>
    Promise.reject(
      new AppError('DOCKER_UNREACHABLE', `Docker did not answer within ${Math.round(ms / 1000)} s while the helper container ran.`, {
        hint: START_DOCKER_HINT,
      }),
    ),
  );
  timeout.catch(() => undefined);
  return Promise.race([container.inspect(), timeout]);
}
