import { SCS_FILE } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type { ConflictChoice } from '../../../shared/contract/jobs';
import type { ParsedEntry } from '../archive/tarParser';
import type { TarEntryType } from '../archive/types';
import { keepBothName } from '../volumes/keepBothName';
import { ancestorKeys, baseName, isUnder, joinKey, keyOfBytes, nearNames, parentKey, shown } from './selectionPaths';

/** What `find -printf '%y …'` said of a path in the volume. */
export interface VolumeStat {
  /** find's %y: d folder, f file, l symlink, p fifo, s socket, … */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  /** %T@, kept as text so the fraction survives. */
  mtime: string;
}

interface Item {
  index: number;
  key: string;
  type: TarEntryType;
  size: number;
  /** A hard link's target, as a key. */
  link: string | null;
  chosen: boolean;
}

/**
 * Reads the archive's entries (in order, numbered as TarSelect numbers them) and keeps what a
 * selective restore needs: the chosen entries, the folders above the chosen paths, every non-folder
 * (a chosen hard link may point at any of them), and the paths for "did you mean".
 */
export class SelectionCollector {
  readonly items: Item[] = [];
  /** The last non-folder entry of each path: where a hard link's content is. */
  readonly lastByKey = new Map<string, Item>();
  readonly found = new Set<string>();
  readonly allKeys: string[] = [];
  private index = 0;

  constructor(readonly roots: readonly string[]) {}

  add(e: ParsedEntry): void {
    const index = this.index++;
    const key = keyOfBytes(e.pathBytes);
    if (this.allKeys.length < 200_000) this.allKeys.push(key);
    const root = this.roots.find((r) => isUnder(key, r));
    const above = root === undefined && this.roots.some((r) => key === '' || r.startsWith(`${key}/`));
    if (root !== undefined) this.found.add(root);
    const wanted = root !== undefined || (above && e.info.type === 'directory');
    if (!wanted && e.info.type === 'directory') return;
    const item: Item = {
      index,
      key,
      type: e.info.type,
      size: e.info.type === 'file' ? e.info.size : 0,
      link: e.info.type === 'hardlink' && e.linkBytes ? keyOfBytes(e.linkBytes) : null,
      chosen: root !== undefined,
    };
    if (wanted) this.items.push(item);
    if (item.type !== 'directory') this.lastByKey.set(key, item);
  }

  /** FILE_NOT_FOUND for chosen paths the archive does not have, with near names. */
  assertAllFound(): void {
    const missing = this.roots.filter((r) => !this.found.has(r));
    if (missing.length === 0) return;
    const first = missing[0] as string;
    const near = nearNames(first, this.allKeys).map(shown);
    throw new AppError(
      'FILE_NOT_FOUND',
      `${missing.length === 1 ? `"${shown(first)}" is` : `${missing.map((m) => `"${shown(m)}"`).join(', ')} are`} not in the archive.${near.length > 0 ? ` Did you mean ${near.map((n) => `"${n}"`).join(', ')}?` : ''}`,
      { hint: 'Paths are relative to the top of the archive (`ailab backups ls-files ARCHIVE` lists them).', details: { missing: missing.map(shown), near } },
    );
  }
}

export interface SelectionDecisions {
  /** Entry index → new path (and hard link target), as keys; entries not here are dropped. */
  actions: Map<number, { sourceKey: string; path: string; isDir: boolean; link: string | null }>;
  /** Folders written before the first entry: ones above the chosen paths, as they are in the volume (restated) or made. */
  prelude: Array<{ key: string; mode: number; uid: number; gid: number; mtime: string; restated: boolean }>;
  entries: number;
  bytes: number;
  conflicts: string[];
  conflictCount: number;
  overwritten: string[];
  skipped: string[];
  renamed: Array<{ path: string; as: string }>;
  /** A chosen path is the SCS at the volume's root (writesScs), which the volume has (overwritesScs); keptScs: not written. */
  writesScs: boolean;
  overwritesScs: boolean;
  keptScs: boolean;
}

const SHOWN_REFUSALS = 5;

/**
 * Decides, entry by entry, what a selective restore writes where (pure: the archive's entries, the
 * volume's state and the user's choices in, decisions out). See jobs/README.md "Selective restore".
 * Refusals (a symlink on the way, a file where a folder goes, or the reverse) throw INVALID_ARGUMENT
 * before anything is written. With conflicts and no `conflict` choice, the decisions list them and
 * `actions` is not to be used.
 */
export function decideSelection(
  c: SelectionCollector,
  volume: ReadonlyMap<string, VolumeStat>,
  opts: { into: string; conflict: ConflictChoice | undefined; label: string; now: number; keepScs?: boolean },
): SelectionDecisions {
  const target = (key: string) => joinKey(opts.into, key);
  const refusals: string[] = [];
  const refuse = (msg: string) => {
    if (!refusals.includes(msg)) refusals.push(msg);
  };
  const checkedParents = new Set<string>();
  const checkWay = (t: string) => {
    for (const a of ancestorKeys(t)) {
      if (checkedParents.has(a)) continue;
      checkedParents.add(a);
      const v = volume.get(a);
      if (v?.type === 'l') refuse(`"${shown(a)}" in the volume is a symbolic link: nothing is restored through it (it could lead outside the volume).`);
      else if (v && v.type !== 'd') refuse(`"${shown(a)}" in the volume is a file, but the restore needs a folder there.`);
    }
  };
  // Every path the restore would write, so a keep-both name never takes one of them.
  const planned = new Set<string>(c.items.filter((i) => i.chosen).map((i) => target(i.key)));
  const taken = (k: string) => volume.has(k) || planned.has(k);

  const d: SelectionDecisions = {
    actions: new Map(),
    prelude: [],
    entries: 0,
    bytes: 0,
    conflicts: [],
    conflictCount: 0,
    overwritten: [],
    skipped: [],
    renamed: [],
    writesScs: false,
    overwritesScs: false,
    keptScs: false,
  };
  /** Archive path → where its content was written (null: not written), for hard links. */
  const writtenAs = new Map<string, string | null>();
  const written = new Set<string>();
  const write = (item: Item, path: string, link: string | null) => {
    d.actions.set(item.index, { sourceKey: item.key, path, isDir: item.type === 'directory', link });
    written.add(path);
    d.entries++;
    d.bytes += item.size;
  };

  for (const item of c.items) {
    const t = target(item.key);
    if (!item.chosen) {
      // A folder above the chosen paths: made as archived when missing, else left as it is.
      if (item.key !== '' && !volume.has(t)) write(item, t, null);
      continue;
    }
    checkWay(t);
    const v = volume.get(t);
    if (item.type === 'directory') {
      if (v?.type === 'l') refuse(`"${shown(t)}" in the volume is a symbolic link, but the archive has a folder there.`);
      else if (v && v.type !== 'd') refuse(`"${shown(t)}" in the volume is a file, but the archive has a folder there.`);
      else write(item, t, null);
      continue;
    }
    if (v?.type === 'd') {
      refuse(`"${shown(t)}" in the volume is a folder, but the archive has a file there.`);
      continue;
    }
    // Only the root's SCS is the one AI-Lab opens: a copy restored below `into` replaces nothing.
    if (t === SCS_FILE) {
      d.writesScs = true;
      d.overwritesScs = v !== undefined;
      if (opts.keepScs) {
        // Kept, not a conflict: the user already chose what happens to this one file.
        d.keptScs = true;
        writtenAs.set(item.key, null);
        continue;
      }
    }
    let dest: string | null = t;
    if (v) {
      d.conflictCount++;
      if (d.conflicts.length < 50) d.conflicts.push(shown(t));
      if (opts.conflict === 'skip') {
        dest = null;
        d.skipped.push(shown(t));
      } else if (opts.conflict === 'keep-both') {
        const dir = parentKey(t);
        const name = keepBothName(shown(baseName(t)), opts.label, (n) => taken(joinKey(dir, Buffer.from(n, 'utf8').toString('latin1'))));
        dest = joinKey(dir, Buffer.from(name, 'utf8').toString('latin1'));
        planned.add(dest);
        d.renamed.push({ path: shown(t), as: shown(dest) });
      } else if (opts.conflict === 'overwrite') {
        d.overwritten.push(shown(t));
      }
    }
    if (dest === null) {
      writtenAs.set(item.key, null);
      continue;
    }
    if (item.type !== 'hardlink' || item.link === null) {
      write(item, dest, null);
      writtenAs.set(item.key, dest);
      continue;
    }
    // A hard link whose target this restore writes links to it where it went (a keep-both name
    // included); one whose target is not written (not chosen, or skipped) gets the target's content:
    // the target's entry is written under the link's path instead, and later links point there.
    const linkedTo = resolveLink(c, writtenAs, item.link);
    if (typeof linkedTo === 'string') {
      write(item, dest, linkedTo);
    } else if (linkedTo) {
      write(linkedTo, dest, null);
      writtenAs.set(linkedTo.key, dest);
    } else {
      refuse(`"${shown(item.key)}" is a hard link to "${shown(item.link)}", which the archive does not hold before it.`);
    }
    writtenAs.set(item.key, dest);
  }

  if (refusals.length > 0) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `Nothing was restored: ${refusals.slice(0, SHOWN_REFUSALS).join(' ')}${refusals.length > SHOWN_REFUSALS ? ` (and ${refusals.length - SHOWN_REFUSALS} more)` : ''}`,
      { hint: 'Move or remove those paths in the volume, or restore into another folder (--into).', details: { refusals } },
    );
  }

  // The folders above what is written: restated as they are (a new file changes its folder's time,
  // which tar then sets back), or made when missing and the archive has no entry for them.
  const root = volume.get('') ?? { type: 'd', mode: 0o755, uid: 0, gid: 0, mtime: String(Math.floor(opts.now / 1000)) };
  const above = new Set<string>();
  for (const p of written) {
    for (let k = parentKey(p); ; k = parentKey(k)) {
      if (!written.has(k)) above.add(k);
      if (k === '') break;
    }
  }
  for (const k of [...above].sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))) {
    const v = volume.get(k);
    if (v) d.prelude.push({ key: k, mode: v.mode, uid: v.uid, gid: v.gid, mtime: v.mtime, restated: true });
    else d.prelude.push({ key: k, mode: 0o755, uid: root.uid, gid: root.gid, mtime: String(Math.floor(opts.now / 1000)), restated: false });
  }
  return d;
}

/** Where a hard link to `key` points: a written path, the entry whose content to write under the link, or null. */
function resolveLink(c: SelectionCollector, writtenAs: Map<string, string | null>, key: string, depth = 0): string | Item | null {
  const done = writtenAs.get(key);
  if (typeof done === 'string') return done;
  const source = c.lastByKey.get(key);
  if (!source || depth > 8) return null;
  if (source.type === 'hardlink' && source.link !== null) return resolveLink(c, writtenAs, source.link, depth + 1);
  return source;
}
