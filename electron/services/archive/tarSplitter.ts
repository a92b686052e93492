import { PassThrough, Writable } from 'node:stream';
import { tarStreamError } from './errors';
import type { RestoreGuard } from './restoreGuard';
import { END_OF_ARCHIVE, folderHeader, metaHeader } from './tarHeader';
import { parseNumeric, TarParser, type ParsedEntry } from './tarParser';
import type { TarEntryInfo } from './types';

/**
 * `./a//b/` → `a/b`: the path an extractor writes, so two spellings of one path route alike. Keys are
 * byte strings (latin1: one character a byte), not UTF-8: a name that is not UTF-8 decodes to U+FFFD,
 * and a made-up parent folder written back from that made a folder "ï¿½" that one tar never makes
 * (fuzzer finding splitter-differs-1424399715-7064).
 */
function entryKey(e: ParsedEntry): string {
  return pathKey(e.pathBytes.toString('latin1'));
}

function pathKey(p: string): string {
  return p
    .split('/')
    .filter((c) => c !== '' && c !== '.')
    .join('/');
}

/** FNV-1a: cheap, stable, and spreads similar names (`file 0001`, `file 0002`) evenly. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Splits one tar stream into `ways` tar streams that several extractors can write at the same time,
 * with the same result as one extractor reading the whole stream (see WRITERS in jobs/restoreEngines.ts
 * for when that pays). Entries leave byte for byte as they came (pax and GNU long-name records
 * included), content is never buffered, and backpressure from the slowest output holds the input.
 *
 * What keeps the result identical:
 * - a path always goes to the same output, so a later entry for it still replaces an earlier one;
 * - a hard link goes to the output that wrote (or will write) its target, before it;
 * - folders go to output 0 as they come and once more at its very end (`finish()`, called after the
 *   other outputs are fully extracted): files created in a folder change the folder's time, so its
 *   owner, mode and time are set last, as a single tar does;
 * - pax global headers go to every output.
 *
 * What makes it safe to run the extractors at once: every output is self-sufficient. Before an entry,
 * an output gets the folder entries of all the entry's parents it has not had yet (the archive's own,
 * or for a parent the archive has no entry for, a root-owned 0755 one as tar would make), so no
 * extractor relies on a folder another one creates. GNU tar cannot: when a file's folder is missing
 * it creates the parents and retries only if it created one of them itself, so a folder that another
 * tar makes in between fails the file with "Cannot open: No such file or directory" (seen about once
 * in ten 30,000-file restores before this rule).
 */
export class TarSplitter extends Writable {
  readonly outputs: PassThrough[];
  private readonly parser: TarParser;
  private current: PassThrough | null = null;
  /** The folder entry being read (its blocks grow while its content, if any, passes). */
  private currentFolder: Buffer[] | null = null;
  /** Paths that do not live on their hash's output: hard links, which follow their target. */
  private readonly moved = new Map<string, number>();
  /** Every folder entry and pax global header, raw, in order, for the final pass; a few hundred bytes per folder. */
  private readonly folders: Buffer[][] = [];
  /** The latest folder entry for each path, to hand to outputs that need that folder. */
  private readonly folderByPath = new Map<string, Buffer[]>();
  /**
   * Per output: the deepest folder it has had with all its parents, as a path key. Archives list a
   * folder's contents together, so an output that leaves a folder does not come back to it; remembering
   * one path per output (not every folder it has had) keeps memory flat however deep and wide the tree.
   */
  private readonly chain: string[];
  /** An entry whose parents are being handed out (paused parser), and the next parent to hand out. */
  private pending: { entry: ParsedEntry; header: Buffer; to: number; parent: string; next: number } | null = null;
  private readonly startedAt = Math.floor(Date.now() / 1000);
  private readonly full = new Set<PassThrough>();
  private finished = false;
  /** A pax global header with records has been handed out: made-up folders must not take them. */
  private globalRecords = false;
  /** A pax global header has gone out (the final pass must clear it first). */
  private sentGlobal = false;
  private readonly onEntryInfo: ((e: TarEntryInfo) => void) | undefined;
  private readonly guard: RestoreGuard | undefined;

  constructor(ways: number, opts: TarSplitterOptions = {}) {
    super({ highWaterMark: opts.highWaterMark });
    this.onEntryInfo = opts.onEntry;
    this.guard = opts.guard;
    const n = Math.max(1, Math.floor(ways));
    this.outputs = Array.from({ length: n }, () => new PassThrough({ highWaterMark: opts.highWaterMark }));
    this.chain = this.outputs.map(() => '');
    this.parser = new TarParser({
      onEntry: (e) => this.onEntry(e),
      onData: (chunk) => {
        if (this.current) this.send(this.current, chunk);
        if (this.currentFolder) this.currentFolder.push(Buffer.from(chunk));
      },
      onGlobalHeader: (header, content) => {
        // Records the parser accepted in a global header (path, size and sparse ones are refused) can
        // still give owners and times to every later entry, made-up folders included.
        this.globalRecords = parseNumeric(header, 124, 12) > 0;
        this.sentGlobal = true;
        for (const out of this.outputs) this.send(out, Buffer.concat([header, content]));
        this.folders.push([header, content]);
      },
    });
  }

  /** Which output an entry goes to. */
  route(e: ParsedEntry): number {
    if (e.info.type === 'directory') return 0;
    const key = entryKey(e);
    if (e.info.type === 'hardlink' && e.linkBytes !== null) {
      const target = pathKey(e.linkBytes.toString('latin1'));
      const to = this.moved.get(target) ?? hash(target) % this.outputs.length;
      if (to !== hash(key) % this.outputs.length) this.moved.set(key, to);
      else this.moved.delete(key);
      return to;
    }
    return this.moved.get(key) ?? hash(key) % this.outputs.length;
  }

  /** Tar bytes read so far (for progress inside a large file). */
  get tarBytes(): number {
    return this.parser.offset;
  }

  private onEntry(e: ParsedEntry): void {
    // The check's rules first: an entry it would refuse never reaches an extractor, nor do its parents.
    const header = this.guard ? this.guard.admit(e) : e.header;
    this.onEntryInfo?.(e.info);
    const to = this.route(e);
    const key = entryKey(e);
    const slash = key.lastIndexOf('/');
    const parent = slash < 0 ? '' : key.slice(0, slash);
    const next = commonFolders(this.chain[to] as string, parent);
    if (next < parent.length) {
      // Hand out the missing parents first, one at a time as the outputs take them.
      this.pending = { entry: e, header, to, parent, next };
      this.parser.pause();
      return;
    }
    this.emitEntry(e, header, to, parent);
  }

  /** Sends the pending entry's missing parents (outermost first), then the entry; false when an output is full. */
  private emitPending(): boolean {
    const p = this.pending as NonNullable<TarSplitter['pending']>;
    const out = this.outputs[p.to] as PassThrough;
    while (p.next < p.parent.length) {
      const end = p.parent.indexOf('/', p.next + 1);
      const stop = end < 0 ? p.parent.length : end;
      const folder = p.parent.slice(0, stop);
      p.next = stop;
      for (const b of this.folderByPath.get(folder) ?? folderHeader(folder, this.startedAt, this.globalRecords)) this.send(out, b);
      if (this.full.size > 0 && p.next < p.parent.length) return false;
    }
    this.pending = null;
    this.emitEntry(p.entry, p.header, p.to, p.parent);
    return true;
  }

  private emitEntry(e: ParsedEntry, header: Buffer, to: number, parent: string): void {
    const out = this.outputs[to] as PassThrough;
    this.current = out;
    for (const b of e.meta) this.send(out, b);
    this.send(out, header);
    this.currentFolder = null;
    this.chain[to] = parent;
    if (e.info.type !== 'directory') return;
    const folder = [...e.meta, header];
    this.folders.push(folder);
    const key = entryKey(e);
    if (key === '') return; // the volume itself: set in the final pass, never a parent to hand out
    this.currentFolder = folder;
    this.folderByPath.set(key, folder);
    this.chain[to] = key;
  }

  private send(out: PassThrough, chunk: Buffer): void {
    if (!out.write(chunk)) this.full.add(out);
  }

  /** Holds the input until every output that said "full" has drained. */
  private afterDrain(callback: () => void): void {
    if (this.full.size === 0) {
      callback();
      return;
    }
    const waiting = [...this.full];
    this.full.clear();
    let left = waiting.length;
    const done = () => {
      if (--left === 0) callback();
    };
    for (const out of waiting) {
      if (out.destroyed) done();
      else out.once('drain', done);
    }
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.feed(chunk, 0, callback);
  }

  /** Parses `chunk` from `pos`, stopping after each entry that needs parents until the outputs take them. */
  private feed(chunk: Buffer, pos: number, callback: (err?: Error | null) => void): void {
    for (;;) {
      if (this.pending && !this.emitPending()) {
        this.afterDrain(() => this.feed(chunk, pos, callback));
        return;
      }
      if (pos >= chunk.length) break;
      try {
        pos += this.parser.write(pos === 0 ? chunk : chunk.subarray(pos));
      } catch (err) {
        callback(tarStreamError(err));
        return;
      }
    }
    this.afterDrain(callback);
  }

  /** The input ended: every output but the first is complete. */
  override _final(callback: (err?: Error | null) => void): void {
    try {
      this.parser.end();
      this.guard?.verify();
    } catch (err) {
      callback(tarStreamError(err));
      return;
    }
    for (const out of this.outputs.slice(1)) out.end(END_OF_ARCHIVE);
    if (this.outputs.length === 1) this.finish();
    callback();
  }

  /** Call once the other outputs' extractors are done: the folders again, then the end of output 0. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const first = this.outputs[0] as PassThrough;
    // The replay starts from the archive's start, but output 0 still holds the last global header it
    // was sent: an empty one clears it (a new global header replaces the old), so each folder gets the
    // global records it had in the archive (fuzzer finding splitter-differs-969921741-13940: a global
    // mtime=x after the last folder failed GNU tar on the replayed folders).
    if (this.sentGlobal) first.write(metaHeader('g', 0, false, this.startedAt));
    for (const folder of this.folders) for (const b of folder) first.write(b);
    this.folders.length = 0;
    this.folderByPath.clear();
    first.end(END_OF_ARCHIVE);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // After a normal finish (auto-destroy) output 0 still waits for finish(). On a failure the readers
    // learn of it from whoever runs the pipeline, so the outputs just stop, without an unhandled error.
    if (err) for (const out of this.outputs) out.destroy();
    callback(err);
  }
}

/**
 * How much of folder `parent` an output whose deepest folder is `chain` already has: the length of
 * their common leading folders in `parent` (`parent.length` when it has them all).
 */
function commonFolders(chain: string, parent: string): number {
  if (parent === '') return 0;
  let n = 0;
  const max = Math.min(chain.length, parent.length);
  while (n < max && chain.charCodeAt(n) === parent.charCodeAt(n)) n++;
  // Whole folders only: both must end a component here.
  const ends = (s: string, i: number) => i === s.length || s.charCodeAt(i) === 0x2f;
  if (ends(chain, n) && ends(parent, n)) return n;
  const cut = parent.lastIndexOf('/', n - 1);
  return cut < 0 ? 0 : cut;
}

export interface TarSplitterOptions {
  highWaterMark?: number;
  /** Each entry as its header passes: the splitter parses every header anyway, so progress needs no tap of its own. */
  onEntry?: (e: TarEntryInfo) => void;
  /** Applies the check's rules, counts and sha256 to what is extracted (restoreGuard.ts). */
  guard?: RestoreGuard;
}

export function createTarSplitter(ways: number, opts: TarSplitterOptions = {}): TarSplitter {
  return new TarSplitter(ways, opts);
}
