import fs, { type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import type { ArchiveInspection } from '../archive/types';

interface Cached {
  key: string;
  inspection: ArchiveInspection;
  /** First-level names under the top folder (what a stripped restore writes); null until a plan that strips asks. */
  namesUnderTop: string[] | null;
  at: number;
}

const TTL_MS = 30 * 60 * 1000;
const MAX = 8;

function key(st: Stats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

async function identity(file: string): Promise<string | null> {
  try {
    return key(await fs.stat(file));
  } catch {
    return null;
  }
}

/**
 * Inspections by file identity (device, inode, size, mtime, ctime): the Restore dialog reads the whole
 * archive once, and the restore it starts a moment later reuses the result unless the file changed.
 */
export class InspectionCache {
  private readonly items = new Map<string, Cached>();

  async get(file: string): Promise<Cached | null> {
    const hit = this.items.get(file);
    if (!hit) return null;
    if (Date.now() - hit.at > TTL_MS || hit.key !== (await identity(file))) {
      this.items.delete(file);
      return null;
    }
    return hit;
  }

  /** The inspection of `file` only if it was made of the very file `handle` has open, unchanged since. */
  async getFor(file: string, handle: FileHandle): Promise<Cached | null> {
    const hit = await this.get(file);
    if (!hit) return null;
    try {
      return key(await handle.stat()) === hit.key ? hit : null;
    } catch {
      return null;
    }
  }

  async put(file: string, inspection: ArchiveInspection, namesUnderTop: string[] | null, keyBefore: string | null): Promise<void> {
    // Only when the file did not change while it was read.
    const key = await identity(file);
    if (key === null || key !== keyBefore) return;
    this.items.set(file, { key, inspection, namesUnderTop, at: Date.now() });
    while (this.items.size > MAX) {
      const oldest = this.items.keys().next().value as string;
      this.items.delete(oldest);
    }
  }

  identity(file: string): Promise<string | null> {
    return identity(file);
  }

  has(file: string): boolean {
    return this.items.has(file);
  }
}
