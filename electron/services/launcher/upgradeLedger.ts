import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { PendingUpgrade } from '../../../shared/contract/launcher';
import { writeFileAtomic } from '../core/atomicWrite';

/** What the ledger keeps per upgrade beyond the contract's view: how the volume looked right after the backup. */
export interface LedgerEntry extends PendingUpgrade {
  /** sha256 of the volume's sorted `find -printf` listing (types, modes, owners, times, sizes, paths). */
  volumeFingerprint: string;
}

const entrySchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  newContainerId: z.string().nullable(),
  newImage: z.string().min(1),
  oldContainerId: z.string().min(1),
  oldImage: z.string().min(1),
  keptAs: z.string().min(1),
  oldWasRunning: z.boolean(),
  volume: z.string().min(1),
  backupFile: z.string().min(1),
  state: z.enum(['starting', 'ready']),
  startedAt: z.string(),
  volumeFingerprint: z.string(),
});

const fileSchema = z.object({ formatVersion: z.literal(1), upgrades: z.array(entrySchema) });

export function toPending(e: LedgerEntry): PendingUpgrade {
  const { volumeFingerprint: _fingerprint, ...pending } = e;
  return pending;
}

/**
 * The upgrades waiting for Keep or Roll back, in `<dataDir>/upgrades.json` (0600, written atomically):
 * the app, the browser-mode server and the CLI share the data folder, so any of them can finish an
 * upgrade another one started, also after a restart. A file that fails the schema is read as empty:
 * what it named cannot be trusted to act on (the old container is still there under its kept name).
 */
export class UpgradeLedger {
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly file: string) {}

  static in(dataDir: string): UpgradeLedger {
    return new UpgradeLedger(path.join(dataDir, 'upgrades.json'));
  }

  async list(): Promise<LedgerEntry[]> {
    let raw: string;
    try {
      raw = await fs.readFile(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data.upgrades : [];
    } catch {
      return [];
    }
  }

  /** The entry whose container (the new one, by name or id) or kept old container `ref` names. */
  async find(ref: string): Promise<LedgerEntry | null> {
    const r = ref.replace(/^\//, '');
    const list = await this.list();
    return (
      list.find(
        (e) => e.name === r || e.keptAs === r || (r.length >= 12 && (e.newContainerId?.startsWith(r) === true || e.oldContainerId.startsWith(r))) || e.id === r,
      ) ?? null
    );
  }

  put(entry: LedgerEntry): Promise<void> {
    return this.update((list) => [...list.filter((e) => e.id !== entry.id), entry]);
  }

  remove(id: string): Promise<void> {
    return this.update((list) => list.filter((e) => e.id !== id));
  }

  private update(fn: (list: LedgerEntry[]) => LedgerEntry[]): Promise<void> {
    const next = this.writing
      .catch(() => undefined)
      .then(async () => {
        const list = fn(await this.list());
        await writeFileAtomic(this.file, `${JSON.stringify({ formatVersion: 1, upgrades: list }, null, 1)}\n`);
      });
    this.writing = next;
    return next;
  }
}
