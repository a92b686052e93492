import type { JobPhase, JobProgress } from '../../../shared/contract/jobs';

export interface ProgressOptions {
  /** At most one progress event per this many ms (the UI needs ~10/s, not one per file). */
  intervalMs?: number;
  /** "No progress for 30 s" after this long without a file or byte moving. */
  stallMs?: number;
  now?: () => number;
}

const THROUGHPUT_WINDOW_MS = 5000;
/**
 * What one entry costs next to content bytes (header, open, stat, inode): with bytes alone, a volume
 * of a few big files and thousands of small notebooks shows 100 % while the notebooks still stream.
 */
export const ENTRY_WORK_BYTES = 32 * 1024;

/**
 * Counts files and bytes of the current phase and turns them into throughput, ETA and a stall flag,
 * emitting a snapshot at most every `intervalMs` (and at once on a phase change).
 */
export class ProgressTracker {
  private phase: JobPhase = 'starting';
  private filesDone = 0;
  private filesTotal: number | null = null;
  private bytesDone = 0;
  private bytesTotal: number | null = null;
  private currentFile: string | null = null;
  private stalled = false;
  private lastMove: number;
  private lastEmit = 0;
  private readonly startedAt: number;
  private samples: Array<[number, number, number]> = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly stallTimer: NodeJS.Timeout;
  private readonly intervalMs: number;
  private readonly stallMs: number;
  private readonly now: () => number;
  private closed = false;
  /** A phase measured in its own terms (reading the written archive back), 0..1; null: from the counts. */
  private fraction: number | null = null;

  constructor(
    private readonly jobId: string,
    private readonly emit: (p: JobProgress) => void,
    opts: ProgressOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 100;
    this.stallMs = opts.stallMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    this.startedAt = this.now();
    this.lastMove = this.startedAt;
    this.stallTimer = setInterval(() => this.checkStall(), Math.min(1000, this.stallMs / 2));
    this.stallTimer.unref();
  }

  /**
   * A new phase; its counts start from zero unless `keepCounts` (verifying shows what was packed while
   * its bar follows the re-read).
   */
  setPhase(phase: JobPhase, totals: { filesTotal?: number | null; bytesTotal?: number | null } = {}, opts: { keepCounts?: boolean } = {}): void {
    this.phase = phase;
    this.fraction = null;
    if (!opts.keepCounts) {
      this.filesDone = 0;
      this.bytesDone = 0;
      this.filesTotal = totals.filesTotal ?? null;
      this.bytesTotal = totals.bytesTotal ?? null;
    }
    this.currentFile = null;
    this.samples = [];
    this.moved();
    this.flush();
  }

  setTotals(totals: { filesTotal?: number | null; bytesTotal?: number | null }): void {
    if (totals.filesTotal !== undefined) this.filesTotal = totals.filesTotal;
    if (totals.bytesTotal !== undefined) this.bytesTotal = totals.bytesTotal;
    this.schedule();
  }

  /** One entry packed or unpacked. */
  entry(path: string, size: number): void {
    this.filesDone++;
    this.bytesDone += size;
    this.currentFile = path;
    this.moved();
    this.schedule();
  }

  /** How far a phase that is not about files and bytes has got (0..1). */
  setFraction(f: number): void {
    this.fraction = Math.max(0, Math.min(1, f));
    this.moved();
    this.schedule();
  }

  /** Content bytes done so far, measured by the caller (inside large files, between entries). */
  setBytesDone(n: number): void {
    if (n <= this.bytesDone) return;
    this.bytesDone = n;
    this.moved();
    this.schedule();
  }

  /** Bytes moved without a new entry (a large file streaming). */
  bytes(n: number): void {
    if (n <= 0) return;
    this.bytesDone += n;
    this.moved();
    this.schedule();
  }

  snapshot(): JobProgress {
    const now = this.now();
    const throughput = this.throughput(now);
    return {
      jobId: this.jobId,
      phase: this.phase,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      currentFile: this.currentFile,
      throughput,
      etaSeconds: this.eta(throughput, now),
      stalled: this.stalled,
      elapsedMs: now - this.startedAt,
      percent: this.percent(),
    };
  }

  /** A job that succeeded ends showing its whole work (not the last, short phase's counters). */
  complete(files: number, bytes: number): void {
    this.filesDone = files;
    this.filesTotal = files;
    this.bytesDone = bytes;
    this.bytesTotal = bytes;
    this.currentFile = null;
  }

  /** The final snapshot: a terminal phase, emitted at once; no more events after it. */
  finish(phase: 'done' | 'failed' | 'cancelled'): JobProgress {
    this.phase = phase;
    this.stalled = false;
    if (phase === 'done') {
      if (this.filesTotal !== null) this.filesDone = Math.max(this.filesDone, this.filesTotal);
      if (this.bytesTotal !== null) this.bytesDone = Math.max(this.bytesDone, this.bytesTotal);
    }
    const snap = this.snapshot();
    this.closed = true;
    this.dispose();
    this.emit(snap);
    return snap;
  }

  dispose(): void {
    clearInterval(this.stallTimer);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Work done and total in byte units: content bytes plus a fixed cost per entry. */
  private work(): { done: number; total: number } | null {
    const bytesKnown = this.bytesTotal !== null;
    const filesKnown = this.filesTotal !== null;
    if (!bytesKnown && !filesKnown) return null;
    const done = (bytesKnown ? this.bytesDone : 0) + (filesKnown ? this.filesDone * ENTRY_WORK_BYTES : 0);
    const total = (this.bytesTotal ?? 0) + (this.filesTotal ?? 0) * ENTRY_WORK_BYTES;
    return total > 0 ? { done, total } : null;
  }

  private percent(): number | null {
    if (this.phase === 'done') return 100;
    if (this.fraction !== null) return Math.round(this.fraction * 1000) / 10;
    const w = this.work();
    if (!w) return null;
    return Math.max(0, Math.min(100, Math.round((w.done / w.total) * 1000) / 10));
  }

  private throughput(now: number): number {
    const first = this.samples.find(([t]) => now - t <= THROUGHPUT_WINDOW_MS);
    if (!first) return 0;
    const dt = (now - first[0]) / 1000;
    if (dt < 0.2) return 0;
    return Math.max(0, Math.round((this.bytesDone - first[1]) / dt));
  }

  /** Seconds left at the recent rate of work (bytes and entries together). */
  private eta(_throughput: number, now: number): number | null {
    if (this.fraction !== null) return null;
    const w = this.work();
    const first = this.samples.find(([t]) => now - t <= THROUGHPUT_WINDOW_MS);
    if (!w || !first) return null;
    const dt = (now - first[0]) / 1000;
    if (dt < 0.5) return null;
    const doneThen = (this.bytesTotal !== null ? first[1] : 0) + (this.filesTotal !== null ? first[2] * ENTRY_WORK_BYTES : 0);
    const rate = (w.done - doneThen) / dt;
    if (rate <= 0) return null;
    return Math.max(0, Math.round((w.total - w.done) / rate));
  }

  private moved(): void {
    this.lastMove = this.now();
    if (this.stalled) {
      this.stalled = false;
      this.schedule();
    }
  }

  private checkStall(): void {
    if (this.closed) return;
    const stalled = this.now() - this.lastMove >= this.stallMs;
    if (stalled !== this.stalled) {
      this.stalled = stalled;
      this.flush();
    }
  }

  private schedule(): void {
    if (this.closed || this.timer) return;
    const wait = Math.max(0, this.lastEmit + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (this.closed) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const now = this.now();
    this.lastEmit = now;
    this.samples.push([now, this.bytesDone, this.filesDone]);
    while (this.samples.length > 2 && now - (this.samples[1] as [number, number, number])[0] > THROUGHPUT_WINDOW_MS) this.samples.shift();
    this.emit(this.snapshot());
  }
}
