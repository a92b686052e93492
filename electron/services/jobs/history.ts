import fs from 'node:fs/promises';
import { JOB_KINDS, type JobHistoryEntry } from '../../../shared/contract/jobs';
import { writeFileAtomic } from '../core/atomicWrite';

export const HISTORY_CAP = 200;

/**
 * Past jobs in `<dataDir>/jobs/history.json`, newest first, capped, written atomically. The desktop
 * app, a browser-mode server and CLI runs share the file, so it is read afresh for every change and
 * every listing (200 small entries) rather than cached: one process must not drop another's jobs.
 */
export class JobHistory {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  async list(): Promise<JobHistoryEntry[]> {
    await this.writing.catch(() => undefined);
    return this.read();
  }

  add(entry: JobHistoryEntry): Promise<void> {
    return this.change((list) => [entry, ...list.filter((e) => e.id !== entry.id)].slice(0, HISTORY_CAP));
  }

  clear(): Promise<void> {
    return this.change(() => []);
  }

  private change(fn: (list: JobHistoryEntry[]) => JobHistoryEntry[]): Promise<void> {
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const next = fn(await this.read());
        await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, jobs: next }, null, 1)}\n`);
      });
    return this.writing;
  }

  private async read(): Promise<JobHistoryEntry[]> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, 'utf8')) as { jobs?: unknown };
      if (!Array.isArray(parsed.jobs)) return [];
      return parsed.jobs.filter(isEntry).slice(0, HISTORY_CAP);
    } catch {
      // Missing or unreadable: history is a convenience, start afresh rather than fail a job.
      return [];
    }
  }
}

function isEntry(v: unknown): v is JobHistoryEntry {
  const e = v as Partial<JobHistoryEntry> | null;
  return (
    !!e && typeof e.id === 'string' && e.kind !== undefined && JOB_KINDS.includes(e.kind) && typeof e.volume === 'string' && typeof e.finishedAt === 'number'
  );
}
