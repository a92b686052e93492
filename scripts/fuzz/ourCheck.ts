import { inspectArchive } from '../../electron/services/archive/inspectArchive';
import { scanArchive } from '../../electron/services/archive/scanArchive';
import type { ParsedEntry } from '../../electron/services/archive/tarParser';
import { permissionBits } from '../../electron/services/volumes/findOutput';
import type { ListedEntry } from './gnuTar';

/** What the restore's check makes of an archive: refused (and why), or its entries and the rules' problems. */
export type OurView = { ok: false; error: string } | { ok: true; entries: ListedEntry[]; facts: EntryFacts[]; problems: string[] };

/** What an entry must become on disk, for comparing with GNU tar's extracted tree. */
export interface EntryFacts {
  path: Buffer;
  type: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  sparse: boolean;
  link: Buffer | null;
}

/** gnulib's quotearg "escape" style in the C locale, as `tar --quoting-style=escape` prints names. */
export function escapeName(bytes: Buffer): string {
  let s = '';
  for (const c of bytes) {
    if (c === 0x5c) s += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) s += String.fromCharCode(c);
    else if (c === 0x07) s += '\\a';
    else if (c === 0x08) s += '\\b';
    else if (c === 0x0c) s += '\\f';
    else if (c === 0x0a) s += '\\n';
    else if (c === 0x0d) s += '\\r';
    else if (c === 0x09) s += '\\t';
    else if (c === 0x0b) s += '\\v';
    else s += `\\${c.toString(8).padStart(3, '0')}`;
  }
  return s;
}

/** GNU tar's safer_name_suffix: what its listing shows of a hard link's target (leading `/` and `../` parts dropped). */
export function saferNameSuffix(name: Buffer): Buffer {
  let prefix = 0;
  let p = 0;
  while (p < name.length) {
    if (name[p] === 0x2e && name[p + 1] === 0x2e && (name[p + 2] === 0x2f || p + 2 >= name.length)) prefix = p + 2;
    do {
      const c = name[p++];
      if (c === 0x2f) break;
    } while (p < name.length);
  }
  p = prefix;
  while (name[p] === 0x2f) p++;
  return p >= name.length ? Buffer.from('.') : name.subarray(p);
}

/** ls-style permission bits as GNU tar's pax_decode_mode writes them (the same as ls's). */
export const permString = permissionBits;

const KIND: Record<string, string> = {
  file: '-',
  directory: 'd',
  symlink: 'l',
  hardlink: 'h',
  'character-device': 'c',
  'block-device': 'b',
  fifo: 'p',
  other: '?',
};

/** One of our parser's entries as GNU tar's long listing would show it. */
export function listed(e: ParsedEntry): ListedEntry {
  const info = e.info;
  let kind = KIND[info.type] ?? '?';
  const pathBytes = e.pathBytes ?? Buffer.from(info.path);
  // The letter GNU tar's print_header shows comes from the type flag, not from what it extracts: a
  // contiguous file (`7`) is C; a regular or sparse entry named with a slash is d, though a sparse one
  // is extracted as a file (extract_archive takes any sparse member for GNUTYPE_SPARSE). What is really
  // extracted is compared on the tree (judge.ts).
  if ((kind === '-' || kind === 'd') && e.typeflag === 0x37) kind = 'C';
  else if (kind === '-' && [0x53, 0x30, 0].includes(e.typeflag)) {
    // print_header uses had_trailing_slash (gnulib's strip_trailing_slashes: a lone "/" does not count).
    if (pathBytes.length >= 2 && pathBytes[pathBytes.length - 1] === 0x2f) kind = 'd';
  }
  const linkBytes = e.linkBytes ?? (info.linkTarget === null ? null : Buffer.from(info.linkTarget));
  let link: string | null = null;
  if (kind === 'l') link = escapeName(linkBytes ?? Buffer.alloc(0));
  // GNU tar substitutes `.` for an empty hard link target.
  if (kind === 'h') link = escapeName(saferNameSuffix(linkBytes ?? Buffer.alloc(0)));
  return {
    kind,
    perms: permString(info.mode),
    uid: info.uid,
    gid: info.gid,
    // Files: their (real) size. Others: the data the parser skips after them, which is what GNU tar lists.
    size: kind === 'c' || kind === 'b' ? '*' : String(info.type === 'file' ? info.size : e.dataSize),
    name: escapeName(pathBytes),
    link,
  };
}

/** The restore's check (inspectArchive's scan: gunzip, parser, rules) on a file. */
export async function ourView(file: string): Promise<OurView> {
  const entries: ListedEntry[] = [];
  const facts: EntryFacts[] = [];
  try {
    await scanArchive(file, {
      onEntry: (e) => {
        entries.push(listed(e));
        const info = e.info;
        const link = e.linkBytes ?? (info.linkTarget === null ? null : Buffer.from(info.linkTarget));
        const p = e.pathBytes ?? Buffer.from(info.path);
        const sparse = (e as { sparse?: unknown }).sparse != null || e.typeflag === 0x53;
        facts.push({ path: p, type: info.type, size: info.size, mode: info.mode, uid: info.uid, gid: info.gid, sparse, link });
      },
    });
    const inspection = await inspectArchive(file);
    return { ok: true, entries, facts, problems: inspection.problems.map((p) => `${p.kind}: ${p.path}`) };
  } catch (err) {
    const reason = (err as { details?: { reason?: unknown } }).details?.reason;
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: typeof reason === 'string' ? `${message} (${reason})` : message };
  }
}
