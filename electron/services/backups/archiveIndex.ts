import type { ArchiveFileEntry, ArchiveFileType, ArchiveFolderPage, ArchiveSearchResult } from '../../../shared/contract/backups';
import { editDistance } from '../core/editDistance';
import { AppError } from '../../../shared/contract/errors';
import { pathComponents } from '../archive/archiveRules';
import type { ArchiveFormat, TarEntryInfo } from '../archive/types';

/**
 * The backup browser's index of one archive: every entry's metadata, laid out so that a folder's
 * children are one contiguous run, already sorted (folders first, then by name). Paging a folder is
 * then a slice, and loading the index from the cache needs no sorting. Columns, not one object per
 * entry: a 100k-entry archive is a few typed arrays plus its path strings.
 */

/** One character per type in the cache file. */
const TYPE_CHARS: Record<ArchiveFileType, string> = { file: 'f', dir: 'd', symlink: 'l', hardlink: 'h', other: 'o' };
const TYPES: readonly ArchiveFileType[] = ['file', 'dir', 'symlink', 'hardlink', 'other'];
const TYPE_CODE: Record<ArchiveFileType, number> = { file: 0, dir: 1, symlink: 2, hardlink: 3, other: 4 };
const CHAR_CODE: Record<string, number> = { f: 0, d: 1, l: 2, h: 3, o: 4 };
const DIR = TYPE_CODE.dir;

/** What tar gives a folder it has to create without an entry of its own (GNU tar as root, umask 022). */
const MADE_UP_MODE = 0o755;

export const INDEX_FORMAT_VERSION = 1;

/** The archive file an index describes; a cached index is used only while all of these still hold. */
export interface IndexedFile {
  file: string;
  size: number;
  mtimeMs: number;
  /** The restore check's sha256 of the file, read when the index was made. */
  sha256: string;
  format: ArchiveFormat;
  /** Real entries, as `tar -tvf` lists them. */
  archiveEntries: number;
}

/** The cache file's shape: columns in layout order (index 0 is the root ""). */
export interface SerializedIndex extends IndexedFile {
  v: typeof INDEX_FORMAT_VERSION;
  paths: string[];
  types: string;
  sizes: number[];
  modes: number[];
  uids: number[];
  gids: number[];
  /** Seconds, as tar keeps them. */
  mtimes: number[];
  links: Array<string | null>;
  parents: number[];
  madeUp: number[];
}

export function normalizeArchivePath(input: string): string {
  if (input.includes('\0')) throw new AppError('INVALID_ARGUMENT', 'A path inside an archive cannot contain a NUL character.');
  const parts = pathComponents(input);
  if (parts.includes('..')) {
    throw new AppError('INVALID_ARGUMENT', `The path "${input}" goes above the archive's root ("..").`, {
      hint: 'Give a path inside the backup, e.g. "notebooks" or "notebooks/data"; "/" is its root.',
    });
  }
  return parts.join('/');
}

function typeOf(t: TarEntryInfo['type']): ArchiveFileType {
  if (t === 'directory') return 'dir';
  if (t === 'file' || t === 'symlink' || t === 'hardlink') return t;
  return 'other';
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

function nameOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * Collects entries while the restore's check reads the archive (inspectArchive's onEntry). A path
 * given twice keeps its last entry, as extraction does; the check has already refused the cases where
 * that would be ambiguous (a folder respelt, a symlink replaced, a path changing between folder and file).
 */
export class IndexBuilder {
  private readonly at = new Map<string, number>();
  private readonly paths: string[] = [];
  private readonly types: number[] = [];
  private readonly sizes: number[] = [];
  private readonly modes: number[] = [];
  private readonly uids: number[] = [];
  private readonly gids: number[] = [];
  private readonly mtimes: number[] = [];
  private readonly links: Array<string | null> = [];
  private readonly madeUp = new Set<number>();

  add(info: TarEntryInfo): void {
    const p = pathComponents(info.path).join('/');
    const type = typeOf(info.type);
    // A hard link names an earlier entry: kept normalised, so it can be looked up and shown as a path.
    const link = info.linkTarget === null ? null : type === 'hardlink' ? pathComponents(info.linkTarget).join('/') : info.linkTarget;
    // As `ls -l` and find's %s say: a symlink's size is its target's length.
    const size = type === 'symlink' && link !== null ? Buffer.byteLength(link) : info.size;
    this.put(p, TYPE_CODE[type], size, info.mode & 0o7777, info.uid, info.gid, info.mtime, link);
  }

  private put(p: string, type: number, size: number, mode: number, uid: number, gid: number, mtime: number, link: string | null): number {
    const known = this.at.get(p);
    const i = known ?? this.paths.length;
    if (known === undefined) this.at.set(p, i);
    this.paths[i] = p;
    this.types[i] = type;
    this.sizes[i] = size;
    this.modes[i] = mode;
    this.uids[i] = uid;
    this.gids[i] = gid;
    this.mtimes[i] = mtime;
    this.links[i] = link;
    this.madeUp.delete(i);
    return i;
  }

  /** The index, with made-up parents, hard links sized as their targets, and the folder layout. */
  finish(file: Omit<IndexedFile, 'archiveEntries'> & { archiveEntries: number }): ArchiveIndex {
    // A hard link restores as a second name of its target's file: its size is the target's.
    for (let i = 0; i < this.paths.length; i++) {
      if (this.types[i] !== TYPE_CODE.hardlink) continue;
      const t = this.at.get(this.links[i] ?? '');
      if (t !== undefined) this.sizes[i] = this.sizes[t] ?? 0;
    }
    if (!this.at.has('')) this.madeUp.add(this.put('', DIR, 0, MADE_UP_MODE, 0, 0, 0, null));
    const count = this.paths.length;
    for (let i = 0; i < count; i++) {
      let p = this.paths[i] as string;
      while (p !== '') {
        p = parentOf(p);
        if (this.at.has(p)) break;
        this.madeUp.add(this.put(p, DIR, 0, MADE_UP_MODE, 0, 0, 0, null));
      }
    }
    return ArchiveIndex.fromSerialized(this.layout(file));
  }

  /** Breadth-first from the root, each folder's children sorted: folders first, then by name. */
  private layout(file: IndexedFile): SerializedIndex {
    const n = this.paths.length;
    const children = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const p = this.paths[i] as string;
      if (p === '') continue;
      const parent = this.at.get(parentOf(p)) as number;
      let list = children.get(parent);
      if (!list) children.set(parent, (list = []));
      list.push(i);
    }
    const collator = new Intl.Collator(undefined, { numeric: false });
    const names = this.paths.map(nameOf);
    const order: number[] = [this.at.get('') as number];
    const newParent: number[] = [-1];
    for (let k = 0; k < order.length; k++) {
      const list = children.get(order[k] as number);
      if (!list) continue;
      list.sort(
        (a, b) => Number(this.types[b] === DIR) - Number(this.types[a] === DIR) || collator.compare(names[a] as string, names[b] as string) || (a < b ? -1 : 1),
      );
      for (const c of list) {
        order.push(c);
        newParent.push(k);
      }
    }
    const pick = <T>(col: T[]) => order.map((i) => col[i] as T);
    const madeUp: number[] = [];
    order.forEach((old, i) => {
      if (this.madeUp.has(old)) madeUp.push(i);
    });
    return {
      v: INDEX_FORMAT_VERSION,
      ...file,
      paths: pick(this.paths),
      types: order.map((i) => TYPE_CHARS[TYPES[this.types[i] as number] as ArchiveFileType]).join(''),
      sizes: pick(this.sizes),
      modes: pick(this.modes),
      uids: pick(this.uids),
      gids: pick(this.gids),
      mtimes: pick(this.mtimes),
      links: pick(this.links),
      parents: newParent,
      madeUp,
    };
  }
}

const MAX_SUGGESTIONS = 3;
/** Siblings compared by edit distance when a name is not found; a flat folder of 100k is sampled. */
const MAX_SIBLINGS_COMPARED = 5000;

/** `*` and `?` as in a shell, the whole name; without them, a part of the name. Case-insensitive. */
export function nameMatcher(query: string): (name: string) => boolean {
  if (!/[*?]/.test(query)) {
    const q = query.toLowerCase();
    return (name) => name.toLowerCase().includes(q);
  }
  const source = query
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  const re = new RegExp(`^${source}$`, 'is');
  return (name) => re.test(name);
}

export class ArchiveIndex {
  readonly lookup = new Map<string, number>();
  private readonly childStart: Int32Array;
  private readonly childCount: Int32Array;
  private readonly typeCodes: Uint8Array;
  private readonly sizes: Float64Array;
  private readonly modes: Uint16Array;
  private readonly uids: Uint32Array;
  private readonly gids: Uint32Array;
  private readonly mtimes: Float64Array;
  private readonly madeUp: Set<number>;

  private constructor(private readonly data: SerializedIndex) {
    const n = data.paths.length;
    this.typeCodes = Uint8Array.from(data.types, (c) => CHAR_CODE[c] ?? TYPE_CODE.other);
    this.sizes = Float64Array.from(data.sizes);
    this.modes = Uint16Array.from(data.modes);
    this.uids = Uint32Array.from(data.uids);
    this.gids = Uint32Array.from(data.gids);
    this.mtimes = Float64Array.from(data.mtimes);
    this.madeUp = new Set(data.madeUp);
    this.childStart = new Int32Array(n);
    this.childCount = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      this.lookup.set(data.paths[i] as string, i);
      const parent = data.parents[i] as number;
      if (parent < 0) continue;
      // Layout order: a folder's children are one run, so the first one seen starts it.
      if (this.childCount[parent] === 0) this.childStart[parent] = i;
      this.childCount[parent] = (this.childCount[parent] as number) + 1;
    }
    // The columns now live in the typed arrays; keep only what has no typed form.
    data.sizes = data.modes = data.uids = data.gids = data.mtimes = data.madeUp = [];
  }

  /** Checks the shape, so a damaged or foreign cache file is a miss, never a crash. */
  static fromSerialized(data: SerializedIndex): ArchiveIndex {
    const n = data.paths?.length;
    const ok =
      data.v === INDEX_FORMAT_VERSION &&
      typeof n === 'number' &&
      n > 0 &&
      typeof data.types === 'string' &&
      data.types.length === n &&
      [data.sizes, data.modes, data.uids, data.gids, data.mtimes, data.links, data.parents].every((c) => Array.isArray(c) && c.length === n) &&
      Array.isArray(data.madeUp) &&
      data.paths[0] === '' &&
      data.parents.every((p, i) => (i === 0 ? p === -1 : p >= 0 && p < i));
    if (!ok) throw new Error('not an archive index of this version');
    return new ArchiveIndex(data);
  }

  /** The cache file's content (the typed columns written back out). */
  serialize(): SerializedIndex {
    return {
      ...this.data,
      sizes: Array.from(this.sizes),
      modes: Array.from(this.modes),
      uids: Array.from(this.uids),
      gids: Array.from(this.gids),
      mtimes: Array.from(this.mtimes),
      madeUp: [...this.madeUp].sort((a, b) => a - b),
    };
  }

  get file(): IndexedFile {
    const { file, size, mtimeMs, sha256, format, archiveEntries } = this.data;
    return { file, size, mtimeMs, sha256, format, archiveEntries };
  }

  get size(): number {
    return this.data.paths.length;
  }

  pathAt(i: number): string {
    return this.data.paths[i] as string;
  }

  typeAt(i: number): ArchiveFileType {
    return TYPES[this.typeCodes[i] as number] as ArchiveFileType;
  }

  sizeAt(i: number): number {
    return this.sizes[i] as number;
  }

  /** Seconds. */
  mtimeAt(i: number): number {
    return this.mtimes[i] as number;
  }

  linkAt(i: number): string | null {
    return this.data.links[i] ?? null;
  }

  isMadeUp(i: number): boolean {
    return this.madeUp.has(i);
  }

  entry(i: number): ArchiveFileEntry {
    const path = this.pathAt(i);
    const type = this.typeAt(i);
    const e: ArchiveFileEntry = {
      path,
      name: nameOf(path),
      type,
      size: this.sizeAt(i),
      mode: (this.modes[i] as number).toString(8).padStart(3, '0'),
      uid: this.uids[i] as number,
      gid: this.gids[i] as number,
      modifiedAt: this.mtimeAt(i) * 1000,
      linkTarget: this.linkAt(i),
      children: type === 'dir' ? (this.childCount[i] as number) : null,
    };
    if (this.madeUp.has(i)) e.madeUp = true;
    return e;
  }

  /** One page of a folder. FILE_NOT_FOUND (with near names) when `rawPath` is not a folder here. */
  page(rawPath: string, offset: number, limit: number, fromCache: boolean): ArchiveFolderPage {
    const path = normalizeArchivePath(rawPath);
    const i = this.lookup.get(path);
    if (i === undefined || this.typeAt(i) !== 'dir') throw this.notAFolder(path, i);
    const start = this.childStart[i] as number;
    const total = this.childCount[i] as number;
    const entries: ArchiveFileEntry[] = [];
    for (let k = Math.min(offset, total); k < Math.min(offset + limit, total); k++) entries.push(this.entry(start + k));
    return { file: this.data.file, path, entries, total, offset, archiveEntries: this.data.archiveEntries, fromCache };
  }

  /** Entries whose name matches, shallower first (the layout's order), the root never. */
  search(query: string, limit: number): ArchiveSearchResult {
    const matches: ArchiveFileEntry[] = [];
    const test = nameMatcher(query);
    let truncated = false;
    for (let i = 1; i < this.size; i++) {
      if (!test(nameOf(this.pathAt(i)))) continue;
      if (matches.length === limit) {
        truncated = true;
        break;
      }
      matches.push(this.entry(i));
    }
    return { file: this.data.file, query, matches, truncated };
  }

  /**
   * Up to three paths a person may have meant: names close to the missing one (edit distance, or the
   * same start) in the deepest folder of the path that exists, then the same name anywhere else.
   */
  suggest(path: string): string[] {
    const parts = path.split('/');
    let depth = parts.length - 1;
    let folder = '';
    // The deepest folder of the path that exists, and the first name below it that does not.
    for (let d = 0; d < parts.length - 1; d++) {
      const candidate = parts.slice(0, d + 1).join('/');
      const i = this.lookup.get(candidate);
      if (i === undefined || this.typeAt(i) !== 'dir') {
        depth = d;
        break;
      }
      folder = candidate;
    }
    const want = (parts[depth] ?? '').toLowerCase();
    const max = Math.max(2, Math.floor(want.length / 3));
    const scored: Array<{ path: string; score: number }> = [];
    const fi = this.lookup.get(folder);
    if (fi !== undefined && want !== '') {
      const start = this.childStart[fi] as number;
      const n = Math.min(this.childCount[fi] as number, MAX_SIBLINGS_COMPARED);
      for (let k = 0; k < n; k++) {
        const p = this.pathAt(start + k);
        const name = nameOf(p).toLowerCase();
        const d = editDistance(want, name, max);
        if (d <= max) scored.push({ path: p, score: d });
        else if (name.startsWith(want) || want.startsWith(name)) scored.push({ path: p, score: max + 1 });
      }
    }
    const last = (parts[parts.length - 1] ?? '').toLowerCase();
    if (last !== '') {
      for (let i = 1; i < this.size && scored.length < 50; i++) {
        const p = this.pathAt(i);
        if (p !== path && nameOf(p).toLowerCase() === last) scored.push({ path: p, score: max + 2 });
      }
    }
    scored.sort((a, b) => a.score - b.score || (a.path < b.path ? -1 : 1));
    // A typo in a folder ("notebook/old"): offer the whole corrected path when the rest exists there.
    const rest = parts.slice(depth + 1).join('/');
    const fixed = scored.map((s) => {
      const whole = rest === '' || s.score > max + 1 ? s.path : `${s.path}/${rest}`;
      return whole !== s.path && this.lookup.has(whole) ? whole : s.path;
    });
    return [...new Set(fixed)].slice(0, MAX_SUGGESTIONS);
  }

  private notAFolder(path: string, i: number | undefined): AppError {
    const where = this.data.file;
    if (i !== undefined) {
      const parent = parentOf(path);
      return new AppError('FILE_NOT_FOUND', `"${path}" in ${where} is a ${this.typeAt(i) === 'file' ? 'file' : this.typeAt(i)}, not a folder.`, {
        hint: `Open the folder it is in ("${parent || '/'}") to see it.`,
        details: { file: where, path, type: this.typeAt(i), suggestions: [parent] },
      });
    }
    const suggestions = this.suggest(path);
    const near = suggestions.length > 0 ? ` Did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?` : '';
    return new AppError('FILE_NOT_FOUND', `There is no "${path}" in ${where}.${near}`, {
      hint: 'Paths are relative to the backup\u2019s root (with or without a leading ./ or /); search by name to find it.',
      details: { file: where, path, suggestions },
    });
  }
}
