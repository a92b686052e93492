import type { ArchiveFileType, DiffEntry, DiffKind } from '../../../../shared/contract/backups';

/** `ls -l`'s mode column from the type and the octal mode main reports ("2775" → "drwxrwsr-x"). */
export function permissionsOf(type: ArchiveFileType, mode: string): string {
  const bits = parseInt(mode, 8) || 0;
  const kind = type === 'dir' ? 'd' : type === 'symlink' ? 'l' : type === 'hardlink' ? 'h' : type === 'other' ? '?' : '-';
  const triad = (shift: number, special: boolean, on: string, off: string) => {
    const r = bits & (4 << shift) ? 'r' : '-';
    const w = bits & (2 << shift) ? 'w' : '-';
    const x = bits & (1 << shift);
    return r + w + (special ? (x ? on : off) : x ? 'x' : '-');
  };
  return kind + triad(6, (bits & 0o4000) !== 0, 's', 'S') + triad(3, (bits & 0o2000) !== 0, 's', 'S') + triad(0, (bits & 0o1000) !== 0, 't', 'T');
}

/** The folder above a path ("" for a top-level name). */
export function parentOf(path: string): string {
  const at = path.lastIndexOf('/');
  return at < 0 ? '' : path.slice(0, at);
}

/**
 * The chosen paths as a restore wants them: a path inside a chosen folder is already part of it, so
 * only the outermost ones are sent (and listed), sorted.
 */
export function outermost(paths: Iterable<string>): string[] {
  const sorted = [...new Set(paths)].sort();
  const out: string[] = [];
  for (const p of sorted) if (!out.some((o) => p.startsWith(`${o}/`))) out.push(p);
  return out;
}

export type DiffCounts = Record<DiffKind, number>;

/** A node of the compare view's tree: a folder with its differences below it counted, or one difference. */
export interface DiffNode {
  name: string;
  path: string;
  depth: number;
  /** The difference at this path itself (a folder can be one: added or removed whole). */
  entry: DiffEntry | null;
  counts: DiffCounts;
  children: DiffNode[];
}

const zero = (): DiffCounts => ({ added: 0, removed: 0, changed: 0 });

/**
 * The flat differences as a tree: every folder on the way to a difference is a node, whose counts are
 * the differences below it; folders first, then by name, as the file browser sorts.
 */
export function diffTree(entries: readonly DiffEntry[], kinds: ReadonlySet<DiffKind>): DiffNode {
  const root: DiffNode = { name: '', path: '', depth: -1, entry: null, counts: zero(), children: [] };
  const byPath = new Map<string, DiffNode>([['', root]]);
  const nodeFor = (path: string): DiffNode => {
    const found = byPath.get(path);
    if (found) return found;
    const parent = nodeFor(parentOf(path));
    const node: DiffNode = { name: path.slice(path.lastIndexOf('/') + 1), path, depth: parent.depth + 1, entry: null, counts: zero(), children: [] };
    parent.children.push(node);
    byPath.set(path, node);
    return node;
  };
  for (const e of entries) {
    if (!kinds.has(e.kind) || e.path === '') continue;
    const node = nodeFor(e.path);
    node.entry = e;
    for (let p: string | null = parentOf(e.path); p !== null; p = p === '' ? null : parentOf(p)) (byPath.get(p) as DiffNode).counts[e.kind]++;
  }
  const isFolder = (n: DiffNode) => n.children.length > 0 || (n.entry !== null && (n.entry.backup ?? n.entry.volume)?.type === 'dir');
  const sort = (n: DiffNode) => {
    n.children.sort((a, b) => Number(isFolder(b)) - Number(isFolder(a)) || a.name.localeCompare(b.name));
    n.children.forEach(sort);
  };
  sort(root);
  return root;
}

/** The rows the tree shows: depth-first, skipping what is below a collapsed folder. */
export function visibleRows(root: DiffNode, collapsed: ReadonlySet<string>): DiffNode[] {
  const out: DiffNode[] = [];
  const walk = (n: DiffNode) => {
    for (const c of n.children) {
      out.push(c);
      if (!collapsed.has(c.path)) walk(c);
    }
  };
  walk(root);
  return out;
}

/** What a person reads for one difference, e.g. "12 KB → 14 KB" or "removed since the backup". */
export function diffWhy(e: DiffEntry): string {
  if (e.kind === 'added') return 'new since the backup';
  if (e.kind === 'removed') return 'gone since the backup';
  switch (e.reason) {
    case 'type':
      return `was a ${e.backup?.type ?? '?'}, now a ${e.volume?.type ?? '?'}`;
    case 'size':
      return 'size differs';
    case 'mtime':
      return 'modified since the backup';
    case 'content':
      return 'content differs (same size and time)';
    default:
      return 'differs';
  }
}
