import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../core/privateFiles';

export const LOG_TAIL_LINES = 2000;
/** One jobLog event carries at most this many lines; a burst beyond it is on disk, not on the wire. */
const MAX_LINES_PER_FLUSH = 2000;

/**
 * A job's log: every line appended to `<dataDir>/jobs/<id>.log`, the last 2,000 kept in memory for a
 * view that re-attaches, and new lines sent in batches at most every `intervalMs`.
 */
export class JobLog {
  private readonly tail: string[] = [];
  private total = 0;
  private pending: string[] = [];
  private pendingFrom = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly out: fs.WriteStream;
  private writeFailed = false;

  constructor(
    readonly file: string,
    private readonly send: (from: number, lines: string[]) => void,
    private readonly intervalMs = 100,
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    this.out = fs.createWriteStream(file, { flags: 'a', mode: PRIVATE_FILE_MODE });
    this.out.once('open', (fd: number) => fs.fchmod(fd, PRIVATE_FILE_MODE, () => undefined));
    // A full disk must not kill the job over its log; the lines stay in memory and on the wire.
    this.out.on('error', () => {
      this.writeFailed = true;
    });
  }

  line(text: string): void {
    this.total++;
    this.tail.push(text);
    if (this.tail.length > LOG_TAIL_LINES * 2) this.tail.splice(0, this.tail.length - LOG_TAIL_LINES);
    if (this.pending.length === 0) this.pendingFrom = this.total - 1;
    this.pending.push(text);
    if (this.pending.length > MAX_LINES_PER_FLUSH * 2) {
      const drop = this.pending.length - MAX_LINES_PER_FLUSH;
      this.pending.splice(0, drop);
      this.pendingFrom += drop;
    }
    if (!this.writeFailed) this.out.write(`${text}\n`);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    let lines = this.pending;
    let from = this.pendingFrom;
    if (lines.length > MAX_LINES_PER_FLUSH) {
      from += lines.length - MAX_LINES_PER_FLUSH;
      lines = lines.slice(-MAX_LINES_PER_FLUSH);
    }
    this.pending = [];
    this.send(from, lines);
  }

  /** The last lines and the number of the first of them. */
  snapshot(): { log: string[]; logFrom: number } {
    const log = this.tail.slice(-LOG_TAIL_LINES);
    return { log, logFrom: this.total - log.length };
  }

  get lineCount(): number {
    return this.total;
  }

  async close(): Promise<void> {
    this.flush();
    // end()'s callback never fires on a stream that already failed or closed, and a job must always
    // be able to finish: wait for whichever comes first.
    if (this.out.destroyed || this.out.writableFinished) return;
    await new Promise<void>((resolve) => {
      this.out.once('close', () => resolve());
      this.out.once('error', () => resolve());
      this.out.end();
    });
  }
}
