import fs from 'node:fs/promises';
import { AppError } from '../../../shared/contract/errors';
import { assertSafe, inspectArchive } from '../archive/inspectArchive';
import { checkReadableFile } from '../jobs/paths';
import { IndexBuilder, type ArchiveIndex } from './archiveIndex';
import type { FileStamp, IndexCache } from './indexCache';

/** Indexes held in memory, so paging through one archive does not parse its cache file each time. */
const IN_MEMORY = 3;

export interface OpenedIndex {
  index: ArchiveIndex;
  /** Made before this call (memory or the cache folder), not by reading the archive now. */
  fromCache: boolean;
}

async function stampOf(file: string): Promise<FileStamp> {
  const st = await fs.stat(file);
  return { file, size: st.size, mtimeMs: st.mtimeMs };
}

const same = (a: FileStamp, b: FileStamp) => a.file === b.file && a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * Opens archives for the backup browser: from memory, from the cache folder, or by reading the whole
 * archive once with the restore's own check (inspectArchive + assertSafe), so the browser shows only
 * what a restore would accept and refuses the rest with the same codes (ARCHIVE_INVALID, ARCHIVE_UNSAFE).
 */
export class ArchiveBrowser {
  private readonly recent: Array<{ stamp: FileStamp; index: ArchiveIndex }> = [];
  private readonly building = new Map<string, Promise<ArchiveIndex>>();

  constructor(private readonly deps: { cache: IndexCache | null; env?: NodeJS.ProcessEnv }) {}

  async open(file: string): Promise<OpenedIndex> {
    const p = await checkReadableFile(file, this.deps.env);
    const stamp = await stampOf(p);
    const mem = this.recent.find((r) => same(r.stamp, stamp));
    if (mem) return { index: mem.index, fromCache: true };
    const cached = await this.deps.cache?.get(stamp);
    if (cached) {
      this.remember(stamp, cached);
      return { index: cached, fromCache: true };
    }
    // Two pages asked for at once (the browser and a search) read the archive once.
    const key = `${stamp.file}\0${stamp.size}\0${stamp.mtimeMs}`;
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(stamp).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return { index: await pending, fromCache: false };
  }

  private async build(stamp: FileStamp): Promise<ArchiveIndex> {
    const builder = new IndexBuilder();
    const inspection = await inspectArchive(stamp.file, { onEntry: (e) => builder.add(e.info) });
    assertSafe(inspection);
    const index = builder.finish({
      file: stamp.file,
      size: inspection.compressedBytes,
      mtimeMs: stamp.mtimeMs,
      sha256: inspection.sha256,
      format: inspection.format,
      archiveEntries: inspection.entries,
    });
    // Kept only when the file did not change while it was read: the stamp must describe what was indexed.
    const after = await stampOf(stamp.file).catch(() => null);
    if (after && same(after, stamp) && inspection.compressedBytes === stamp.size) {
      this.remember(stamp, index);
      // A cache that cannot be written (full disk, read-only data folder) costs speed, not the answer.
      await this.deps.cache?.put(index).catch(() => undefined);
    }
    return index;
  }

  private remember(stamp: FileStamp, index: ArchiveIndex): void {
    const at = this.recent.findIndex((r) => r.stamp.file === stamp.file);
    if (at >= 0) this.recent.splice(at, 1);
    this.recent.unshift({ stamp, index });
    this.recent.length = Math.min(this.recent.length, IN_MEMORY);
  }
}

/** The archive file changed since it was indexed (a diff re-reads it and must read the same bytes). */
export function archiveChanged(file: string): AppError {
  return new AppError('ARCHIVE_INVALID', `${file} changed while it was being compared.`, {
    hint: 'Something is writing to the backup file; wait until it is finished and compare again.',
    details: { file },
  });
}
