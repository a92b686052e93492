import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ensurePrivateDir, makePrivate } from '../core/privateFiles';
import { ArchiveIndex, type SerializedIndex } from './archiveIndex';

/** Indexes kept on disk; the least recently used go first. 20 × a 100k-entry index ≈ 20 × 8 MB. */
export const MAX_CACHED_INDEXES = 20;
export const INDEX_CACHE_DIR = 'archive-index';

/** What identifies an archive file without reading it. */
export interface FileStamp {
  file: string;
  size: number;
  mtimeMs: number;
}

/**
 * Archive indexes in `<dataDir>/archive-index/`, one file per archive path (named by the path's
 * sha256, so no user path becomes a file name). A file is used only while the archive's path, size
 * and mtime are those it was made from; it records the check's sha256 of that very file too. The
 * folder is the user's alone (0700, files 0600): an index lists the names of a volume's notebooks.
 */
export class IndexCache {
  constructor(
    readonly dir: string,
    private readonly max = MAX_CACHED_INDEXES,
  ) {}

  private fileFor(archive: string): string {
    return path.join(this.dir, `${createHash('sha256').update(archive).digest('hex').slice(0, 40)}.json`);
  }

  /** The cached index of exactly this file, or null (missing, stale, damaged, or another version). */
  async get(stamp: FileStamp): Promise<ArchiveIndex | null> {
    const f = this.fileFor(stamp.file);
    let text: string;
    try {
      text = await fs.readFile(f, 'utf8');
    } catch {
      return null;
    }
    try {
      const data = JSON.parse(text) as SerializedIndex;
      if (data.file !== stamp.file || data.size !== stamp.size || data.mtimeMs !== stamp.mtimeMs) return null;
      const index = ArchiveIndex.fromSerialized(data);
      // Recently used: the LRU bound goes by the files' times.
      const now = new Date();
      await fs.utimes(f, now, now).catch(() => undefined);
      return index;
    } catch {
      await fs.rm(f, { force: true });
      return null;
    }
  }

  /** Writes atomically (a temporary file renamed), then trims the folder to `max` indexes. */
  async put(index: ArchiveIndex): Promise<void> {
    await ensurePrivateDir(this.dir);
    const final = this.fileFor(index.file.file);
    const temp = path.join(this.dir, `.${path.basename(final)}.${randomBytes(6).toString('hex')}.partial`);
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await makePrivate(handle);
      await handle.writeFile(JSON.stringify(index.serialize()));
      await handle.close();
      await fs.rename(temp, final);
    } catch (err) {
      await handle.close().catch(() => undefined);
      await fs.rm(temp, { force: true });
      throw err;
    }
    await this.trim();
  }

  async remove(archive: string): Promise<void> {
    await fs.rm(this.fileFor(archive), { force: true });
  }

  private async trim(): Promise<void> {
    const all = await fs.readdir(this.dir);
    // A temporary file left by a process that died mid-write: gone after an hour (a live write takes far less).
    for (const n of all.filter((x) => x.endsWith('.partial'))) {
      const st = await fs.stat(path.join(this.dir, n)).catch(() => null);
      if (st && Date.now() - st.mtimeMs > 3_600_000) await fs.rm(path.join(this.dir, n), { force: true });
    }
    const names = all.filter((n) => n.endsWith('.json'));
    if (names.length <= this.max) return;
    const stats = await Promise.all(
      names.map(async (n) => {
        const st = await fs.stat(path.join(this.dir, n)).catch(() => null);
        return { n, at: st?.mtimeMs ?? 0 };
      }),
    );
    stats.sort((a, b) => b.at - a.at);
    for (const { n } of stats.slice(this.max)) await fs.rm(path.join(this.dir, n), { force: true });
  }
}
