import type { BackupCatalogue, BackupEntry } from '../../../../shared/contract/backups';

/** A folder the catalogue shows, and why it is in the list. */
export interface CatalogueFolder {
  dir: string;
  source: 'plan' | 'default' | 'added';
}

/**
 * The folders a volume's catalogue lists: its plan's, the folder "Back up…" uses, and the ones the user
 * added (settings.catalogueFolders), each once, in that order.
 */
export function catalogueFolders(planDir: string | null, defaultDir: string | null, added: readonly string[]): CatalogueFolder[] {
  const out: CatalogueFolder[] = [];
  const seen = new Set<string>();
  const add = (dir: string | null, source: CatalogueFolder['source']) => {
    const d = dir?.trim().replace(/[\\/]+$/, '');
    if (!d || seen.has(d)) return;
    seen.add(d);
    out.push({ dir: d, source });
  };
  add(planDir, 'plan');
  add(defaultDir, 'default');
  for (const d of added) add(d, 'added');
  return out;
}

/** Several folders' catalogues as one list: each file once, newest first, files without a time last by name. */
export function mergeCatalogues(catalogues: readonly BackupCatalogue[]): BackupEntry[] {
  const byFile = new Map<string, BackupEntry>();
  for (const c of catalogues) for (const b of c.backups) byFile.set(b.file, b);
  return [...byFile.values()].sort((a, b) => {
    if (a.createdAt !== null && b.createdAt !== null) return b.createdAt - a.createdAt || a.fileName.localeCompare(b.fileName);
    if (a.createdAt !== null) return -1;
    if (b.createdAt !== null) return 1;
    return a.fileName.localeCompare(b.fileName);
  });
}
