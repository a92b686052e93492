import fs from 'node:fs/promises';
import type Dockerode from 'dockerode';
import type { ContainerRef } from '../../../shared/contract/jobs';
import { writeFileAtomic } from '../core/atomicWrite';
import { ownerIsAlive } from './owner';

interface LedgerEntry {
  owner: string;
  jobId: string;
  at: number;
  containers: ContainerRef[];
}

/**
 * Containers a job stopped, on disk until they are started again: if the app dies mid-job, the next
 * start of any manager finds them and starts them, so a user's AI-Lab is never left stopped by us.
 */
export class StoppedLedger {
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  add(owner: string, jobId: string, ref: ContainerRef): Promise<void> {
    return this.update((entries) => {
      let e = entries.find((x) => x.jobId === jobId);
      if (!e) {
        e = { owner, jobId, at: Date.now(), containers: [] };
        entries.push(e);
      }
      if (!e.containers.some((c) => c.id === ref.id)) e.containers.push(ref);
      return entries;
    });
  }

  clear(jobId: string): Promise<void> {
    return this.update((entries) => entries.filter((e) => e.jobId !== jobId));
  }

  /** Starts the containers of jobs whose process is gone; returns their names. */
  async recover(docker: Dockerode): Promise<string[]> {
    const entries = await this.read();
    const orphaned = entries.filter((e) => !ownerIsAlive(e.owner, e.at));
    const started: string[] = [];
    for (const e of orphaned) {
      for (const c of e.containers) {
        try {
          await docker.getContainer(c.id).start();
          started.push(c.name);
        } catch {
          // Already running (304), removed by the user (404), or Docker away: nothing more to do.
        }
      }
      await this.clear(e.jobId);
    }
    return started;
  }

  private async read(): Promise<LedgerEntry[]> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, 'utf8')) as unknown;
      return Array.isArray(parsed) ? (parsed as LedgerEntry[]).filter((e) => e && typeof e.jobId === 'string' && Array.isArray(e.containers)) : [];
    } catch {
      return [];
    }
  }

  private update(fn: (entries: LedgerEntry[]) => LedgerEntry[]): Promise<void> {
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        const next = fn(await this.read());
        await writeFileAtomic(this.file, `${JSON.stringify(next, null, 1)}\n`);
      });
    return this.writing;
  }
}
