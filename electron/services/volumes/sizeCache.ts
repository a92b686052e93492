import type { VolumeSize, VolumeSizesPayload } from '../../../shared/contract/volumes';

/** The part of `GET /system/df` we read. */
export interface DiskUsage {
  Volumes?: Array<{ Name: string; UsageData?: { Size?: number; RefCount?: number } | null }> | null;
}

/**
 * `GET /system/df`, waiting out the engine's "a disk usage operation is already running" (a 500 from
 * Docker 20.10 whenever another client, or another app instance, is computing sizes at the same moment;
 * newer engines share the computation instead). Other errors are thrown at once.
 */
export async function diskUsageWhenFree(
  fetchDiskUsage: () => Promise<DiskUsage>,
  { attempts = 40, delayMs = 250, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) } = {},
): Promise<DiskUsage> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetchDiskUsage();
    } catch (err) {
      if (attempt >= attempts || !isDiskUsageBusy(err)) throw err;
      await sleep(Math.min(delayMs * attempt, 2000));
    }
  }
}

function isDiskUsageBusy(err: unknown): boolean {
  const e = err as { statusCode?: number; message?: unknown; json?: { message?: unknown } } | null;
  const text = `${String(e?.json?.message ?? '')} ${String(e?.message ?? '')}`;
  return /disk usage operation is already running/i.test(text);
}

export function sizesFromDiskUsage(df: DiskUsage): Record<string, VolumeSize> {
  const sizes: Record<string, VolumeSize> = {};
  for (const v of df.Volumes ?? []) {
    const size = v.UsageData?.Size;
    const refs = v.UsageData?.RefCount;
    // The engine reports -1 where it did not (or could not) measure.
    sizes[v.Name] = {
      size: typeof size === 'number' && size >= 0 ? size : null,
      refCount: typeof refs === 'number' && refs >= 0 ? refs : null,
    };
  }
  return sizes;
}

/**
 * Volume sizes, computed lazily in the background. `docker system df` walks every volume's files, so:
 * at most one computation at a time, none while the cached sizes are still valid, at most one every
 * `minIntervalMs` while things keep changing, and the list never waits for it.
 */
export class VolumeSizeCache {
  private payload: VolumeSizesPayload | null = null;
  private stale = true;
  private running: Promise<VolumeSizesPayload> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private lastFinished = 0;
  private disposed = false;
  /** Bumped by reset(): a computation begun before it measured another engine's volumes. */
  private epoch = 0;

  constructor(
    private readonly fetchDiskUsage: () => Promise<DiskUsage>,
    private readonly onComputed: (p: VolumeSizesPayload) => void,
    private readonly minIntervalMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  get(name: string): VolumeSize | null {
    return this.payload?.sizes[name] ?? null;
  }

  invalidate(): void {
    this.stale = true;
  }

  /** Forgets every size: the engine changed, and a volume of the same name there is another volume. */
  reset(): void {
    this.epoch++;
    this.payload = null;
    this.stale = true;
    this.running = null;
    this.again = false;
  }

  /** Starts a computation when the sizes are stale; returns at once. */
  refreshInBackground(): void {
    if (!this.stale || this.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.lastFinished + this.minIntervalMs - this.now());
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.refreshInBackground();
      }, wait);
      this.timer.unref?.();
      return;
    }
    void this.compute().catch(() => {
      // Docker went away or refused; the next list after reconnecting tries again.
    });
  }

  /** Computes now (or joins the computation in flight) and resolves with the sizes. */
  compute(): Promise<VolumeSizesPayload> {
    if (this.running) return this.running;
    this.stale = false;
    this.again = false;
    const epoch = this.epoch;
    const run = (async () => {
      try {
        const df = await this.fetchDiskUsage();
        const payload: VolumeSizesPayload = { sizes: sizesFromDiskUsage(df), computedAt: this.now() };
        if (epoch !== this.epoch) return payload;
        this.payload = payload;
        if (!this.disposed) this.onComputed(payload);
        return payload;
      } catch (err) {
        if (epoch === this.epoch) this.stale = true;
        throw err;
      } finally {
        // A run from before reset() leaves the state of the runs after it alone.
        if (epoch === this.epoch) this.running = null;
        this.lastFinished = this.now();
        if (epoch === this.epoch && this.again) {
          this.again = false;
          this.stale = true;
          this.refreshInBackground();
        }
      }
    })();
    this.running = run;
    return run;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
