import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineEvent } from '../../electron/services/docker/types';
import { diskUsageWhenFree, VolumeSizeCache, type DiskUsage } from '../../electron/services/volumes/sizeCache';
import { FILES_HELPER_ROLE, FILES_HELPER_ROLE_LABEL } from '../../electron/services/volumes/volumeModel';
import { VolumeChangeWatcher } from '../../electron/services/volumes/volumeWatcher';

const ev = (Type: string, Action: string, ID = 'x', Attributes: Record<string, string> = {}): EngineEvent => ({ Type, Action, Actor: { ID, Attributes } });

describe('VolumeChangeWatcher', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('coalesces a burst of relevant events into one notice', () => {
    const emitted: string[] = [];
    let invalidations = 0;
    const w = new VolumeChangeWatcher({ isOwnHelper: () => false, onSizesInvalid: () => invalidations++, emit: (r) => emitted.push(r) });
    expect(w.handleEngineEvent(ev('volume', 'create'))).toBe(true);
    expect(w.handleEngineEvent(ev('container', 'start'))).toBe(true);
    expect(w.handleEngineEvent(ev('container', 'exec_start: sh'))).toBe(false);
    expect(w.handleEngineEvent(ev('image', 'pull'))).toBe(false);
    expect(emitted).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(emitted).toEqual(['volume create, container start']);
    expect(invalidations).toBe(1); // volume create changes sizes; container start does not
  });

  it('ignores the events of our own file-browser helpers', () => {
    const emitted: string[] = [];
    const w = new VolumeChangeWatcher({ isOwnHelper: (id) => id === 'helper', onSizesInvalid: () => {}, emit: (r) => emitted.push(r) });
    expect(w.handleEngineEvent(ev('container', 'create', 'other', { [FILES_HELPER_ROLE_LABEL]: FILES_HELPER_ROLE }))).toBe(false);
    expect(w.handleEngineEvent(ev('volume', 'mount', 'vol', { container: 'helper' }))).toBe(false);
    expect(w.handleEngineEvent(ev('container', 'die', 'helper'))).toBe(false);
    vi.advanceTimersByTime(500);
    expect(emitted).toEqual([]);
    w.handleConnected();
    vi.advanceTimersByTime(100);
    expect(emitted).toEqual(['docker connected']);
  });
});

describe('VolumeSizeCache', () => {
  it('reset() forgets every size, and a computation begun before it (the old engine) is not kept', async () => {
    const releases: Array<(df: DiskUsage) => void> = [];
    const fetch = () => new Promise<DiskUsage>((r) => releases.push(r));
    const seen: unknown[] = [];
    const cache = new VolumeSizeCache(fetch, (p) => seen.push(p.sizes), 0);
    const first = cache.compute();
    releases[0]?.({ Volumes: [{ Name: 'a', UsageData: { Size: 10, RefCount: 1 } }] });
    await first;
    expect(cache.get('a')).toEqual({ size: 10, refCount: 1 });

    const old = cache.compute();
    cache.reset();
    expect(cache.get('a')).toBeNull();
    // A new computation starts at once instead of joining the old engine's.
    const fresh = cache.compute();
    expect(releases).toHaveLength(3);
    releases[1]?.({ Volumes: [{ Name: 'a', UsageData: { Size: 99, RefCount: 0 } }] });
    await old;
    expect(cache.get('a')).toBeNull();
    releases[2]?.({ Volumes: [{ Name: 'a', UsageData: { Size: 5, RefCount: 0 } }] });
    await fresh;
    expect(cache.get('a')).toEqual({ size: 5, refCount: 0 });
    expect(seen).toEqual([{ a: { size: 10, refCount: 1 } }, { a: { size: 5, refCount: 0 } }]);
  });

  it('computes in the background once, joins callers and reports -1 as unknown', async () => {
    let calls = 0;
    let release: (df: DiskUsage) => void = () => {};
    const fetch = () => {
      calls++;
      return new Promise<DiskUsage>((r) => (release = r));
    };
    const seen: unknown[] = [];
    const cache = new VolumeSizeCache(fetch, (p) => seen.push(p.sizes), 0);
    cache.refreshInBackground();
    cache.refreshInBackground();
    const joined = cache.compute();
    expect(calls).toBe(1);
    release({
      Volumes: [
        { Name: 'a', UsageData: { Size: 10, RefCount: 1 } },
        { Name: 'b', UsageData: { Size: -1, RefCount: -1 } },
      ],
    });
    const payload = await joined;
    expect(payload.sizes).toEqual({ a: { size: 10, refCount: 1 }, b: { size: null, refCount: null } });
    expect(cache.get('a')).toEqual({ size: 10, refCount: 1 });
    expect(seen).toHaveLength(1);
    // Fresh: nothing to do until something invalidates it.
    cache.refreshInBackground();
    expect(calls).toBe(1);
    cache.invalidate();
    cache.refreshInBackground();
    expect(calls).toBe(2);
    release({ Volumes: [] });
    cache.dispose();
  });

  it('runs again after a computation when invalidated meanwhile, and waits the minimum interval', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const cache = new VolumeSizeCache(
        async () => {
          calls++;
          return { Volumes: [] };
        },
        () => {},
        1000,
      );
      cache.refreshInBackground();
      expect(calls).toBe(1);
      cache.invalidate();
      cache.refreshInBackground(); // joins the running one: marks "again"
      await vi.advanceTimersByTimeAsync(0);
      expect(calls).toBe(1); // too soon after the last one
      await vi.advanceTimersByTimeAsync(1000);
      expect(calls).toBe(2);
      cache.dispose();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('diskUsageWhenFree', () => {
  // Docker 20.10 answers a second concurrent `GET /system/df` with this 500 instead of sharing the work.
  const busy = () =>
    Object.assign(new Error('(HTTP code 500) server error - a disk usage operation is already running'), {
      statusCode: 500,
      json: { message: 'a disk usage operation is already running' },
    });

  it('waits while another client computes sizes, then answers', async () => {
    const waits: number[] = [];
    let calls = 0;
    const df = await diskUsageWhenFree(
      async () => {
        calls++;
        if (calls < 3) throw busy();
        return { Volumes: [{ Name: 'a', UsageData: { Size: 1, RefCount: 0 } }] };
      },
      { sleep: async (ms) => void waits.push(ms) },
    );
    expect(df.Volumes?.[0]?.Name).toBe('a');
    expect(waits).toEqual([250, 500]);
  });

  it('gives up after its attempts, and throws any other error at once', async () => {
    let calls = 0;
    await expect(diskUsageWhenFree(async () => (calls++, Promise.reject(busy())), { attempts: 3, sleep: async () => {} })).rejects.toThrow(/already running/);
    expect(calls).toBe(3);
    calls = 0;
    const gone = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
    await expect(diskUsageWhenFree(async () => (calls++, Promise.reject(gone)), { sleep: async () => {} })).rejects.toBe(gone);
    expect(calls).toBe(1);
  });
});
