import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/contract/errors';
import { type ExitWaitable, waitForExit } from '../../electron/services/jobs/containerExit';
import { settleWithin } from '../../electron/services/jobs/settle';

const never = <T>() => new Promise<T>(() => undefined);
const later = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const FAST = { graceMs: 20, livenessMs: 60, inspectTimeoutMs: 50 };

type InspectAnswer = { running: boolean; exitCode?: number } | Error | 'never';

/** A container whose wait() and inspect() answer as told; counts the inspects. */
function fakeContainer(wait: () => Promise<unknown>, inspects: InspectAnswer[]): ExitWaitable & { inspected: number } {
  const c = {
    inspected: 0,
    wait: () => wait(),
    inspect: () => {
      const answer = inspects[Math.min(c.inspected, inspects.length - 1)] ?? 'never';
      c.inspected++;
      if (answer === 'never') return never<Dockerode.ContainerInspectInfo>();
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve({ State: { Running: answer.running, ExitCode: answer.exitCode ?? 0 } } as Dockerode.ContainerInspectInfo);
    },
  };
  return c as unknown as ExitWaitable & { inspected: number };
}

describe('waitForExit', () => {
  it("takes wait()'s exit code when it answers, without asking Docker again", async () => {
    const c = fakeContainer(() => Promise.resolve({ StatusCode: 3 }), ['never']);
    await expect(waitForExit(c, Promise.resolve(), FAST)).resolves.toBe(3);
    expect(c.inspected).toBe(0);
  });

  it('passes on a failed wait()', async () => {
    const c = fakeContainer(() => Promise.reject(new Error('socket hang up')), ['never']);
    await expect(waitForExit(c, never(), FAST)).rejects.toThrow('socket hang up');
  });

  it('reads the exit code with inspect when wait() never answers after the output ended', async () => {
    const c = fakeContainer(() => never(), [{ running: false, exitCode: 2 }]);
    await expect(waitForExit(c, Promise.resolve(), FAST)).resolves.toBe(2);
    expect(c.inspected).toBe(1);
  });

  it('rejects when wait() never answers and Docker is gone (the connection died mid-wait)', async () => {
    const gone = Object.assign(new Error('connect ENOENT /tmp/x.sock'), { code: 'ENOENT' });
    const c = fakeContainer(() => never(), [gone]);
    await expect(waitForExit(c, Promise.resolve(), FAST)).rejects.toBe(gone);
  });

  it('rejects with DOCKER_UNREACHABLE when inspect does not answer either', async () => {
    const c = fakeContainer(() => never(), ['never']);
    const err = await waitForExit(c, Promise.resolve(), FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('DOCKER_UNREACHABLE');
  });

  it('keeps waiting while the container runs, checking now and then even before the output ends', async () => {
    const c = fakeContainer(() => never(), [{ running: true }, { running: true }, { running: false, exitCode: 0 }]);
    const started = Date.now();
    await expect(waitForExit(c, never(), FAST)).resolves.toBe(0);
    expect(c.inspected).toBe(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * FAST.livenessMs - 10);
  });

  it('gives a busy engine a few chances while the output still flows, then gives up', async () => {
    const busy = fakeContainer(() => never(), ['never', 'never', { running: false, exitCode: 0 }]);
    await expect(waitForExit(busy, never(), FAST)).resolves.toBe(0);
    const gone = fakeContainer(() => never(), ['never']);
    const err = await waitForExit(gone, never(), FAST).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('DOCKER_UNREACHABLE');
    expect(gone.inspected).toBe(3);
  });

  it('prefers a late wait() answer over inspect while the container still runs', async () => {
    const c = fakeContainer(() => later(70).then(() => ({ StatusCode: 5 })), [{ running: true }]);
    await expect(waitForExit(c, Promise.resolve(), FAST)).resolves.toBe(5);
  });
});

describe('settleWithin', () => {
  it('says how a promise stands after at most the given time, without rejecting', async () => {
    await expect(settleWithin(Promise.resolve(1), 50)).resolves.toEqual({ state: 'fulfilled', value: 1 });
    const boom = new Error('boom');
    await expect(settleWithin(Promise.reject(boom), 50)).resolves.toEqual({ state: 'rejected', error: boom });
    const started = Date.now();
    await expect(settleWithin(never(), 30)).resolves.toEqual({ state: 'pending' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });
});
