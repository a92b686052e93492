import type { JobLogChunk } from '../../../../shared/contract/jobs';

/** Lines of a job's log kept in the page; older ones are on disk (the job's log file). */
export const MAX_LOG_LINES = 5000;

/**
 * A job's log in the page: a bounded buffer mutated in place (a copy per batch of a 5,000-line array
 * would be wasted work at thousands of lines per second); `version` in the store says it changed.
 */
export class LogBuffer {
  lines: string[] = [];
  /** Line number of lines[0] in the whole job log; -1 when unknown (a replay from disk). */
  from = 0;
  /** Number of the next line expected (to skip what a replay already holds). */
  next = 0;

  replace(lines: string[], from: number): void {
    this.lines = lines.slice(-MAX_LOG_LINES);
    this.from = from < 0 ? -1 : from + (lines.length - this.lines.length);
    this.next = from < 0 ? Number.MAX_SAFE_INTEGER : from + lines.length;
  }

  append(chunk: JobLogChunk): void {
    let lines = chunk.lines;
    if (this.next !== Number.MAX_SAFE_INTEGER && chunk.from < this.next) lines = lines.slice(this.next - chunk.from);
    if (lines.length === 0) return;
    if (this.next !== Number.MAX_SAFE_INTEGER && this.from >= 0 && chunk.from > this.next) {
      // A burst the server did not send in full: mark the gap, the lines are in the log file.
      this.lines.push(`… ${chunk.from - this.next} lines not shown (they are in the job's log file) …`);
    }
    for (const l of lines) this.lines.push(l);
    if (this.next !== Number.MAX_SAFE_INTEGER) this.next = Math.max(this.next, chunk.from) + lines.length;
    const excess = this.lines.length - MAX_LOG_LINES;
    if (excess > 0) {
      this.lines.splice(0, excess);
      if (this.from >= 0) this.from += excess;
    }
  }
}
