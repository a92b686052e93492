import type { TarEntryInfo } from '../archive/types';
import type { ProgressTracker } from './progress';

/** A stream that parses tar as it passes (TarTap, TarSplitter) and counts the bytes read. */
export interface TarByteCounter {
  readonly tarBytes: number;
}

/**
 * Progress from a tar stream's entries (TarTap, TarSplitter): an entry counts when its header passes,
 * and its content bytes as they stream, so a single 2 GB file moves the bar instead of jumping at the end.
 */
export class TapProgress {
  private before = 0;
  private currentSize = 0;
  private dataStart = 0;
  private timer: NodeJS.Timeout | null = null;
  private tap: TarByteCounter | null = null;
  entries = 0;
  bytes = 0;
  rootEntry: TarEntryInfo | null = null;

  constructor(
    private readonly progress: ProgressTracker,
    private readonly log: (line: string) => void,
  ) {}

  attach(tap: TarByteCounter): void {
    this.tap = tap;
    this.timer = setInterval(() => this.sample(), 200);
    this.timer.unref();
  }

  onEntry = (e: TarEntryInfo): void => {
    this.before += this.currentSize;
    this.currentSize = e.size;
    this.dataStart = this.tap?.tarBytes ?? 0;
    this.entries++;
    this.bytes += e.size;
    if (e.path === './' || e.path === '.') this.rootEntry = e;
    this.log(e.path);
    this.progress.entry(e.path, 0);
    this.progress.setBytesDone(this.before);
  };

  private sample(): void {
    if (!this.tap) return;
    const inside = Math.max(0, Math.min(this.currentSize, this.tap.tarBytes - this.dataStart));
    this.progress.setBytesDone(this.before + inside);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.progress.setBytesDone(this.before + this.currentSize);
  }
}
