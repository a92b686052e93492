import fs from 'node:fs/promises';
import type { JobHistoryEntry } from '../../../shared/contract/jobs';
import { writeFileAtomic } from '../core/atomicWrite';

export const HISTORY_CAP = 200;

/** Past jobs in `<dataDir>/jobs/history.json`, newest first, capped, written atomically and in order. */
export class JobHistory {
  private entries: JobHistoryEntry[] | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  async list(): Promise<JobHistoryEntry[]> {
    if (this.entries === null) this.entries = await this.read();
    return [...this.entries];
  }

  async add(entry: JobHistoryEntry): Promise<void> {
    const list = await this.list();
    this.entries = [entry, ...list.filter((e) => e.id !== entry.id)].slice(0, HISTORY_CAP);
    await this.persist();
  }

  async clear(): Promise<void> {
    this.entries = [];
    await this.persist();
  }

  private persist(): Promise<void> {
    const snapshot = JSON.stringify({ version: 1, jobs: this.entries ?? [] }, null, 1);
    this.writing = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.file, `${snapshot}\n`));
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
  return !!e && typeof e.id === 'string' && (e.kind === 'backup' || e.kind === 'restore') && typeof e.volume === 'string' && typeof e.finishedAt === 'number';
}
