import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobProgress } from '../../shared/contract/jobs';
import { ENTRY_WORK_BYTES, ProgressTracker } from '../../electron/services/jobs/progress';

describe('ProgressTracker', () => {
  let now = 0;
  let events: JobProgress[];
  let t: ProgressTracker;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 1_000_000;
    vi.setSystemTime(now);
    events = [];
    t = new ProgressTracker('job-test-0001', (p) => events.push(p), { intervalMs: 100, stallMs: 30_000, now: () => Date.now() });
  });
  afterEach(() => {
    t.dispose();
    vi.useRealTimers();
  });

  it('emits at most every 100 ms however many files pass, and at once on a phase change', () => {
    t.setPhase('packing', { filesTotal: 10_000, bytesTotal: 10_000_000 });
    expect(events.map((e) => e.phase)).toEqual(['packing']);
    for (let i = 0; i < 5000; i++) t.entry(`./f${i}`, 1000);
    expect(events.length).toBe(1);
    vi.advanceTimersByTime(100);
    expect(events.length).toBe(2);
    expect(events[1]).toMatchObject({ filesDone: 5000, bytesDone: 5_000_000, currentFile: './f4999' });
  });

  it('counts entries next to bytes, so thousands of small files are not "100 %"', () => {
    t.setPhase('packing', { filesTotal: 3000, bytesTotal: 90_000_000 });
    t.entry('./big.bin', 90_000_000);
    vi.advanceTimersByTime(100);
    const p = events[events.length - 1] as JobProgress;
    const expected = (90_000_000 + ENTRY_WORK_BYTES) / (90_000_000 + 3000 * ENTRY_WORK_BYTES);
    expect(p.percent).toBeCloseTo(Math.round(expected * 1000) / 10, 5);
    expect(p.percent).toBeLessThan(100);
  });

  it('works out throughput and ETA from the last seconds', () => {
    t.setPhase('packing', { filesTotal: 0, bytesTotal: 100_000_000 });
    for (let s = 0; s < 4; s++) {
      vi.advanceTimersByTime(1000);
      t.bytes(10_000_000);
      vi.advanceTimersByTime(100);
    }
    const p = events[events.length - 1] as JobProgress;
    expect(p.throughput).toBeGreaterThan(8_000_000);
    expect(p.throughput).toBeLessThan(12_000_000);
    expect(p.etaSeconds).toBeGreaterThan(4);
    expect(p.etaSeconds).toBeLessThan(9);
  });

  it('says "stalled" after 30 s without movement, and clears it when bytes move again', () => {
    t.setPhase('packing', { filesTotal: 10, bytesTotal: 1000 });
    vi.advanceTimersByTime(29_000);
    expect(events.some((e) => e.stalled)).toBe(false);
    vi.advanceTimersByTime(2000);
    expect(events[events.length - 1]?.stalled).toBe(true);
    t.entry('./next', 10);
    vi.advanceTimersByTime(100);
    expect(events[events.length - 1]?.stalled).toBe(false);
  });

  it('ends with one terminal snapshot and nothing after it', () => {
    t.setPhase('packing', { filesTotal: 2, bytesTotal: 10 });
    t.entry('./a', 5);
    t.complete(2, 10);
    const last = t.finish('done');
    expect(last).toMatchObject({ phase: 'done', percent: 100, filesDone: 2, bytesDone: 10 });
    const n = events.length;
    t.entry('./late', 1);
    vi.advanceTimersByTime(60_000);
    expect(events.length).toBe(n);
  });
});
