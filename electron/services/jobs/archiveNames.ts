import { pathComponents } from '../archive/inspectArchive';
import { scanArchive } from '../archive/scanArchive';

/**
 * The first-level names a restore with the top folder stripped would write (`notebooks/a.ipynb` →
 * `a.ipynb`). inspectArchive reports names above the top folder, so this is a second read, needed
 * only for archives that have one.
 */
export async function namesUnderFolder(file: string, folder: string, signal?: AbortSignal, cap = 1000): Promise<string[]> {
  const prefix = pathComponents(folder);
  const names = new Set<string>();
  await scanArchive(file, {
    signal,
    onEntry: (e) => {
      if (names.size >= cap) return;
      const parts = pathComponents(e.info.path);
      if (parts.length <= prefix.length) return;
      for (let i = 0; i < prefix.length; i++) if (parts[i] !== prefix[i]) return;
      names.add(parts[prefix.length] as string);
    },
  });
  return [...names];
}

/** Normalised first-level name of an archive path, or null for the root itself. */
export function firstLevel(p: string): string | null {
  return pathComponents(p)[0] ?? null;
}
