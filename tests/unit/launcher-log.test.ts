import { describe, expect, it } from 'vitest';
import { demuxBuffer, LineSplitter } from '../../electron/services/launcher/containerLog';
import { READY_LINE, waitForReady } from '../../electron/services/launcher/readiness';
import { dockerFrame } from '../support/dockerFrames';

describe('container log lines', () => {
  it('joins chunks into whole lines and keeps a partial line for the next chunk', () => {
    const s = new LineSplitter();
    expect(s.push('[I 12:00] Jupyter Ser')).toEqual([]);
    expect(s.push('ver 2.14.0 is running at:\r\n    http://127.0.0.1')).toEqual(['[I 12:00] Jupyter Server 2.14.0 is running at:']);
    expect(s.push(':49494/lab\n\nnext')).toEqual(['    http://127.0.0.1:49494/lab', '']);
    expect(s.flush()).toEqual(['next']);
    expect(s.flush()).toEqual([]);
  });

  it('keeps only the last state of a carriage-return progress line and bounds endless lines', () => {
    const s = new LineSplitter(10);
    expect(s.push('10%\r50%\r100%\n')).toEqual(['100%']);
    expect(s.push('x'.repeat(25))).toEqual(['x'.repeat(25)]);
  });

  it("splits Docker's multiplexed frames into stdout and stderr lines", () => {
    const buf = Buffer.concat([dockerFrame(1, 'out one\nout '), dockerFrame(2, 'err line\n'), dockerFrame(1, 'two\n'), dockerFrame(2, 'no newline')]);
    expect(demuxBuffer(buf, false)).toEqual([
      { stream: 'stdout', line: 'out one' },
      { stream: 'stderr', line: 'err line' },
      { stream: 'stdout', line: 'out two' },
      { stream: 'stderr', line: 'no newline' },
    ]);
    expect(demuxBuffer(Buffer.from('a\nb'), true)).toEqual([
      { stream: 'stdout', line: 'a' },
      { stream: 'stdout', line: 'b' },
    ]);
  });

  it('recognises the ready line of Jupyter Server', () => {
    expect(READY_LINE.test('[I 2024-05-01 10:00:00.000 ServerApp] Jupyter Server 2.14.0 is running at:')).toBe(true);
    expect(READY_LINE.test('[I ServerApp] Serving notebooks from local directory')).toBe(false);
  });
});

describe('waiting for Jupyter', () => {
  const never = new Promise<void>(() => undefined);
  it('ends when the container exits first', async () => {
    const outcome = await waitForReady({ logReady: never, exited: Promise.resolve(), probe: null, timeoutMs: 5000, signal: new AbortController().signal });
    expect(outcome).toBe('exited');
  });

  it('keeps probing until /api answers, and stops probing afterwards', async () => {
    let calls = 0;
    const outcome = await waitForReady({
      logReady: never,
      exited: never,
      probe: async () => ++calls >= 3,
      timeoutMs: 5000,
      signal: new AbortController().signal,
      probeEveryMs: 10,
    });
    expect(outcome).toBe('api');
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(3);
  });

  it('times out, or ends at once when cancelled', async () => {
    expect(
      await waitForReady({ logReady: never, exited: never, probe: async () => false, timeoutMs: 30, signal: new AbortController().signal, probeEveryMs: 5 }),
    ).toBe('timeout');
    const ac = new AbortController();
    ac.abort();
    expect(await waitForReady({ logReady: never, exited: never, probe: null, timeoutMs: 5000, signal: ac.signal })).toBe('cancelled');
  });
});
