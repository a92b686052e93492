import fs from 'node:fs';
import path from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../core/privateFiles';

export const LOG_TAIL_LINES = 2000;
/** One jobLog event carries at most this many lines; a burst beyond it is on disk, not on the wire. */
const MAX_LINES_PER_FLUSH = 2000;
/** A longer line (tar quoting a 64 KiB path) is cut: the point is said in the first few kilobytes. */
export const MAX_LINE_CHARS = 4096;
/**
 * The file keeps the first and the last this many bytes of lines; what lies between is counted, not
 * kept. A 30,000-file restore logs about 2 MB; one tar error per made-up folder once logged 1 GB.
 */
export const LOG_HEAD_BYTES = 1024 * 1024;
export const LOG_TAIL_BYTES = 1024 * 1024;
/** Logs of jobs the history no longer lists are removed once they are this old (another process may still write one). */
export const LOG_RETENTION_GRACE_MS = 24 * 60 * 60 * 1000;

/** A line as the log keeps it: cut at MAX_LINE_CHARS, saying how much was left out. */
export function capLine(text: string): string {
  if (text.length <= MAX_LINE_CHARS) return text;
  return `${text.slice(0, MAX_LINE_CHARS)}… (${text.length - MAX_LINE_CHARS} more characters left out)`;
}

/**
 * A job's log: lines appended to `<dataDir>/jobs/<id>.log` up to LOG_HEAD_BYTES, then the last
 * LOG_TAIL_BYTES of lines held back and written at close after a line saying how many were left out;
 * the last 2,000 kept in memory for a view that re-attaches, and new lines sent in batches at most every
 * `intervalMs`. Lines longer than MAX_LINE_CHARS are cut.
 */
export class JobLog {
  private readonly tail: string[] = [];
  private total = 0;
  private headBytes = 0;
  /** Lines after the head, oldest first, at most LOG_TAIL_BYTES of them. */
  private held: string[] = [];
  private heldStart = 0;
  private heldBytes = 0;
  private leftOut = 0;
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

  line(raw: string): void {
    const text = capLine(raw);
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
    this.toFile(text);
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  private toFile(text: string): void {
    const bytes = Buffer.byteLength(text) + 1;
    if (this.headBytes + bytes <= LOG_HEAD_BYTES && this.held.length === this.heldStart) {
      this.headBytes += bytes;
      if (!this.writeFailed) this.out.write(`${text}\n`);
      return;
    }
    this.headBytes = LOG_HEAD_BYTES; // the head is closed: everything else is the tail's
    this.held.push(text);
    this.heldBytes += bytes;
    while (this.heldBytes > LOG_TAIL_BYTES && this.heldStart < this.held.length) {
      this.heldBytes -= Buffer.byteLength(this.held[this.heldStart] as string) + 1;
      this.heldStart++;
      this.leftOut++;
    }
    if (this.heldStart > 4096 && this.heldStart * 2 > this.held.length) {
      this.held = this.held.slice(this.heldStart);
      this.heldStart = 0;
    }
  }

  /** Lines the file does not hold (between its head and its tail). */
  get linesLeftOut(): number {
    return this.leftOut;
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
    if (!this.writeFailed && this.held.length > this.heldStart) {
      const tail = this.held.slice(this.heldStart);
      if (this.leftOut > 0) this.out.write(`[… ${this.leftOut} lines left out …]\n`);
      this.out.write(`${tail.join('\n')}\n`);
    }
    this.held = [];
    this.heldStart = 0;
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

/**
 * Removes `<id>.log` files in `jobsDir` of jobs that `keep` (the history) does not list, once older
 * than `graceMs`: the history keeps the last 200 jobs, so their logs are all that stays. Never throws.
 */
export async function pruneJobLogs(jobsDir: string, keep: Set<string>, now = Date.now(), graceMs = LOG_RETENTION_GRACE_MS): Promise<number> {
  let names: string[];
  try {
    names = await fs.promises.readdir(jobsDir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const m = /^(job-[a-z0-9-]+)\.log$/.exec(name);
    if (!m || keep.has(m[1] as string)) continue;
    const file = path.join(jobsDir, name);
    try {
      const st = await fs.promises.stat(file);
      if (now - st.mtimeMs < graceMs) continue;
      await fs.promises.rm(file, { force: true });
      removed++;
    } catch {
      // Gone already, or not ours to remove: the next sweep tries again.
    }
  }
  return removed;
}
