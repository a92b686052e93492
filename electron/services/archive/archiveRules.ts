import type { ParsedEntry } from './tarParser';
import type { ArchiveProblem, ArchiveProblemKind, TarEntryInfo } from './types';

/** Linux's PATH_MAX is 4096 bytes with the terminating NUL: no longer path can be created. */
export const MAX_PATH_BYTES = 4095;
/** Linux's NAME_MAX: no file name (one path component) can be longer. */
export const MAX_NAME_BYTES = 255;
/**
 * What the checks (and the fast restore's splitter, which keeps every folder entry for its last pass)
 * may remember about an archive: paths for the hardlink and symlink checks, folder records. A notebooks
 * volume of a million files needs about a third of it; beyond it an archive is refused, so that a tiny
 * hostile file cannot make the check or the restore hold gigabytes.
 */
export const MAX_REMEMBERED_BYTES = 256 * 1024 * 1024;
/**
 * The fast restore hands each extractor the folder entries of an entry's parents it has not had (the
 * splitter, tarSplitter.ts); each such record holds the folder's whole path. An archive of deep paths
 * on distinct branches would make that quadratic (a 4 KB path of 2,000 folders: 4 MB of records for one
 * file), so the check counts what one extractor reading the archive in order would be handed (the
 * splitter's outputs together get at most that per output) and refuses beyond this.
 */
export const MAX_FOLDER_RECORD_BYTES = 1024 * 1024 * 1024;
/** A made-up folder record: its header, a long-name header, and the path itself. */
const FOLDER_RECORD_OVERHEAD = 1024;

/** `./a//b/` → ['a', 'b']; `.` and `./` → []. Keeps `..` so the safety check can see it. */
export function pathComponents(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/** A regular file owned by root with the setuid or setgid bit: in AI-Lab's container, a way to become root. */
export function isSetuidRoot(info: TarEntryInfo): boolean {
  return info.type === 'file' && (info.mode & 0o6000) !== 0 && (info.uid === 0 || info.uname === 'root');
}

/** A component trie of the archive's symlinks: walking a path through it is linear in the path. */
interface SymlinkNode {
  symlink: boolean;
  children: Map<string, SymlinkNode> | null;
}

/** Estimated bytes of a remembered string or trie node (V8 object and Set/Map overhead included). */
const ENTRY_OVERHEAD = 64;

/**
 * The safety rules every entry of an archive must pass before a restore writes it, kept in one place
 * so that the up-front check (inspectArchive) and the streaming check during extraction (the fast
 * engine's splitter, the other engines' guard stream; restoreGuard.ts) decide alike, entry by entry,
 * in archive order. Refused: absolute paths, `..`, devices, entry types tar or the Engine do not
 * restore, writes through an earlier symlink, hardlinks to anything but an earlier entry, paths,
 * names and link targets Linux cannot create (ENAMETOOLONG), and archives too large to remember.
 * Work is linear in each path (no per-ancestor strings), so a deep path costs its length, not its square.
 */
export class ArchiveRules {
  private readonly linkable = new Set<string>();
  /** Every folder's path key, with its spelling (trailing slashes off): a later non-folder there would replace it. */
  private readonly folders = new Map<string, string>();
  private readonly symlinks: SymlinkNode = { symlink: false, children: null };
  /** Folder entries whose (last) mode has the setgid bit, as path keys ('' for the top). */
  private readonly setgidFolders = new Set<string>();
  /**
   * The parent path last walked for the setgid rule, and per component (end index in it) whether a
   * folder made up there would sit below a setgid folder: the next entry walks only what is new.
   */
  private walked = '';
  private walk: { end: number; setgid: boolean }[] = [];
  private remembered = 0;
  private folderRecords = 0;
  /** The folder the previous entry was in (or, for a folder entry, that folder), as a path key. */
  private chain = '';
  private overBudget = false;

  /** Bytes remembered so far (paths, symlink trie nodes, folder records). */
  get rememberedBytes(): number {
    return this.remembered;
  }

  /** The problems of one entry (most have none); call for every entry in archive order. */
  check(e: ParsedEntry): ArchiveProblem[] {
    const { info } = e;
    const raw = info.path;
    const shown = shorten(raw);
    const problems: ArchiveProblem[] = [];
    const problem = (kind: ArchiveProblemKind, message: string) => problems.push({ path: shown, kind, message });
    const parts = pathComponents(raw);

    const pathBytes = Buffer.byteLength(raw);
    if (pathBytes > MAX_PATH_BYTES) {
      problem('path-too-long', `"${shown}" has a path of ${pathBytes} bytes; Linux cannot create paths longer than ${MAX_PATH_BYTES} bytes.`);
      return problems; // nothing else is worth the work on such a path
    }
    const longName = parts.find((p) => Buffer.byteLength(p) > MAX_NAME_BYTES);
    if (longName !== undefined) {
      problem('name-too-long', `"${shown}" has a name of ${Buffer.byteLength(longName)} bytes; Linux cannot create names longer than ${MAX_NAME_BYTES} bytes.`);
      return problems;
    }
    const link = info.linkTarget;
    if (link !== null && Buffer.byteLength(link) > MAX_PATH_BYTES) {
      problem(
        'path-too-long',
        `"${shown}" links to a path of ${Buffer.byteLength(link)} bytes; Linux cannot create links longer than ${MAX_PATH_BYTES} bytes.`,
      );
      return problems;
    }

    if (parts.length === 0) {
      if (info.type !== 'directory') problem('unsupported-type', `The archive's top entry "${shown}" is a ${info.type}, not a folder.`);
      else {
        this.rememberFolder('', raw, problem);
        this.noteFolderMode('', info.mode);
      }
      return problems;
    }
    if (raw.startsWith('/')) problem('absolute', `"${shown}" has an absolute path: it would be written outside the volume.`);
    if (parts.includes('..')) problem('dotdot', `"${shown}" contains "..": it would be written outside the volume.`);
    if (info.type === 'character-device' || info.type === 'block-device') {
      problem('device', `"${shown}" is a ${info.type.replace('-', ' ')}; a backup of notebooks never contains device nodes.`);
    }
    if (info.type === 'other') problem('unsupported-type', `"${shown}" is an entry type this app does not restore.`);
    const through = this.symlinkAbove(parts);
    if (through !== null) {
      problem('through-symlink', `"${shown}" would be written through the symlink "${through}", possibly outside the volume.`);
    }
    const key = parts.join('/');
    if (this.setgidFolders.size > 0) {
      const slashAt = key.lastIndexOf('/');
      const missing = this.missingBelowSetgid(slashAt < 0 ? '' : key.slice(0, slashAt));
      if (missing !== null) {
        problem(
          'setgid-parent-missing',
          `"${shown}" is in "${shorten(missing)}", a folder the archive has no entry for, inside a setgid folder: whether tar makes it setgid depends on the order it sets folder modes in. An archive of a real folder has an entry for every folder.`,
        );
      }
    }
    if (info.type === 'hardlink') {
      const target = link ?? '';
      const targetParts = pathComponents(target);
      if (target.startsWith('/') || targetParts.includes('..') || targetParts.length === 0 || !this.linkable.has(targetParts.join('/'))) {
        problem('hardlink-outside', `"${shown}" is a hard link to "${shorten(target)}", which is not an earlier file in the archive.`);
      }
    }

    // One tar replaces a folder by a later file of the same path (or the reverse), but the fast
    // engine's extractors would race on it and its last pass makes the folder again (fuzzer finding
    // splitter-differs-1404593114-4132: "./dir/" then a file "dir"). A real folder's archive never
    // has it, so it is refused in both directions rather than ordered.
    const isFolder = info.type === 'directory';
    const typeChanges = isFolder ? this.linkable.has(key) : this.folders.has(key);
    if (typeChanges) {
      problem(
        'type-changes',
        `"${shown}" is ${isFolder ? 'a folder here and a file, link or other entry' : 'a file, link or other entry here and a folder'} earlier in the archive; an archive of a real folder never has one path as both.`,
      );
    }

    // GNU tar makes a symlink that leaves its folder ("..", absolute) as an empty placeholder file and
    // turns it into the link at the end, if the placeholder's inode is still there: a later entry of the
    // same path replaces the placeholder, and when the new file gets the freed inode number the link
    // overwrites it (fuzzer finding tree-differs-4126810050-404: a symlink, then a file "data.csv").
    // What lands depends on the file system, so a path given again after a symlink is refused.
    if (!typeChanges && this.isSymlink(parts)) {
      problem(
        'symlink-replaced',
        `"${shown}" is a symlink earlier in the archive; tar may leave either the link or this entry there. An archive of a real folder names each path once.`,
      );
    }
    if (info.type === 'symlink') this.addSymlink(parts);
    if (!isFolder) {
      if (!this.linkable.has(key)) {
        this.linkable.add(key);
        this.remembered += key.length + ENTRY_OVERHEAD;
      }
    } else {
      // The splitter keeps every folder entry, as read, for its last pass.
      this.remembered += e.header.length + e.meta.reduce((n, b) => n + b.length, 0) + ENTRY_OVERHEAD;
      this.rememberFolder(key, raw, problem);
      this.noteFolderMode(key, info.mode);
    }
    const slash = key.lastIndexOf('/');
    const parent = slash < 0 ? '' : key.slice(0, slash);
    this.folderRecords += newFolderRecordBytes(this.chain, parent);
    this.chain = info.type === 'directory' ? key : parent;
    if (!this.overBudget && (this.remembered > MAX_REMEMBERED_BYTES || this.folderRecords > MAX_FOLDER_RECORD_BYTES)) {
      this.overBudget = true;
      const what =
        this.remembered > MAX_REMEMBERED_BYTES
          ? `over ${MAX_REMEMBERED_BYTES / 1024 / 1024} MB of paths and folder records to keep track of`
          : `its deep paths would need over ${MAX_FOLDER_RECORD_BYTES / 1024 / 1024} MB of folder records`;
      problem('too-large', `The archive is too large to restore safely: ${what}, reached at "${shown}".`);
    }
    return problems;
  }

  /**
   * GNU tar sets a folder's owner, mode and time after extracting, from a list keyed by the name as
   * spelt: a folder given again with the same spelling replaces its record (the last entry wins), but
   * another spelling ("./" then "././") adds a record applied before the first one, so the first entry
   * wins (fuzzer finding tree-differs-1424399715-15629). Rather than model that, such an archive is
   * refused; one made from a real folder names each folder once.
   */
  private rememberFolder(key: string, raw: string, problem: (kind: ArchiveProblemKind, message: string) => void): void {
    const spelling = raw.replace(/(.)\/+$/, '$1');
    const earlier = this.folders.get(key);
    if (earlier === undefined) {
      this.folders.set(key, spelling);
      this.remembered += key.length + spelling.length + ENTRY_OVERHEAD;
    } else if (earlier !== spelling) {
      problem(
        'respelt-folder',
        `"${shorten(raw)}" names the folder "${shorten(earlier)}" again, spelt differently; tar would keep the first entry's owner, mode and time, not the last's. An archive of a real folder names each folder once.`,
      );
    }
  }

  /**
   * GNU tar makes a missing parent folder 0755, and the kernel adds setgid when the folder it is made
   * in has it on disk; a folder's own mode is set only once tar has left it. So a missing folder below
   * a setgid one comes out 0755 or 02755 depending on the entries in between, and the fast engine's
   * extractors, which make such parents themselves, could not match it (fuzzer finding
   * splitter-differs-1798273188-27156). Such an archive is refused.
   */
  private noteFolderMode(key: string, mode: number): void {
    if ((mode & 0o2000) !== 0) {
      if (!this.setgidFolders.has(key)) this.remembered += key.length + ENTRY_OVERHEAD;
      this.setgidFolders.add(key);
    } else this.setgidFolders.delete(key);
    // What was walked below this folder may have changed (made up, then given; or its mode).
    this.walk = this.walk.filter((w) => w.end < key.length);
  }

  /** The first folder of `parent` with no entry so far that sits below a setgid folder, or null. */
  private missingBelowSetgid(parent: string): string | null {
    if (parent === '') return null;
    // Keep the components shared with the previous walk (whole components only), walk the rest.
    let n = 0;
    const max = Math.min(this.walked.length, parent.length);
    while (n < max && this.walked.charCodeAt(n) === parent.charCodeAt(n)) n++;
    const whole = (n === this.walked.length || this.walked.charCodeAt(n) === 0x2f) && (n === parent.length || parent.charCodeAt(n) === 0x2f);
    const shared = whole ? n : Math.max(0, parent.lastIndexOf('/', n - 1));
    let kept = 0;
    while (kept < this.walk.length && (this.walk[kept] as { end: number }).end <= shared) kept++;
    this.walk.length = kept;
    this.walked = parent;
    let setgid = kept > 0 ? (this.walk[kept - 1] as { setgid: boolean }).setgid : this.setgidFolders.has('');
    let from = kept > 0 ? (this.walk[kept - 1] as { end: number }).end : 0;
    while (from < parent.length) {
      const end = parent.indexOf('/', from + 1);
      const stop = end < 0 ? parent.length : end;
      const folder = parent.slice(0, stop);
      // A folder made in a setgid one is setgid on disk until tar sets its own mode: below it counts too.
      if (this.folders.has(folder)) setgid ||= this.setgidFolders.has(folder);
      else if (setgid) {
        this.walk.length = 0; // refused: nothing to keep
        return folder;
      }
      this.walk.push({ end: stop, setgid });
      from = stop;
    }
    return null;
  }

  /** The first proper ancestor of `parts` that is a symlink from earlier in the archive, or null. */
  private symlinkAbove(parts: string[]): string | null {
    let node = this.symlinks;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = node.children?.get(parts[i] as string);
      if (!next) return null;
      if (next.symlink) return parts.slice(0, i + 1).join('/');
      node = next;
    }
    return null;
  }

  /** Whether `parts` itself was a symlink earlier in the archive. */
  private isSymlink(parts: string[]): boolean {
    let node: SymlinkNode | undefined = this.symlinks;
    for (const part of parts) {
      node = node.children?.get(part);
      if (!node) return false;
    }
    return node.symlink;
  }

  private addSymlink(parts: string[]): void {
    let node = this.symlinks;
    for (const part of parts) {
      node.children ??= new Map();
      let next = node.children.get(part);
      if (!next) {
        next = { symlink: false, children: null };
        node.children.set(part, next);
        this.remembered += part.length + ENTRY_OVERHEAD;
      }
      node = next;
    }
    node.symlink = true;
  }
}

/**
 * The bytes of the folder records for the folders of `parent` that are not folders of `chain` (both
 * path keys): each record holds its folder's whole path. Linear in the path's length.
 */
function newFolderRecordBytes(chain: string, parent: string): number {
  if (parent === '') return 0;
  let n = 0;
  const max = Math.min(chain.length, parent.length);
  while (n < max && chain.charCodeAt(n) === parent.charCodeAt(n)) n++;
  const whole = (n === chain.length || chain.charCodeAt(n) === 0x2f) && (n === parent.length || parent.charCodeAt(n) === 0x2f);
  let from = whole ? n : Math.max(0, parent.lastIndexOf('/', n - 1));
  let bytes = 0;
  while (from < parent.length) {
    const end = parent.indexOf('/', from + 1);
    const stop = end < 0 ? parent.length : end;
    bytes += FOLDER_RECORD_OVERHEAD + stop;
    from = stop;
  }
  return bytes;
}

/** Paths in messages: a 64 KiB path would make a 64 KiB message. */
export function shorten(p: string, max = 300): string {
  return p.length <= max ? p : `${p.slice(0, max / 2)}…${p.slice(-max / 2)} (${p.length} characters)`;
}
