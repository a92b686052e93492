import type { TarEntryInfo, TarEntryType } from './types';

/**
 * An incremental tar reader that looks only at headers: file content is counted and skipped (or
 * handed on as slices of the caller's own chunks), never buffered. It understands ustar (with the
 * prefix field), GNU (`L`/`K` long names, base-256 numbers, old-GNU sparse files with their extension
 * blocks) and pax (`x`/`X` per entry, `g` global, `GNU.sparse.*` 0.0, 0.1 and 1.0), which covers GNU
 * tar, BusyBox tar, bsdtar, Python's tarfile and Docker's Go writer.
 *
 * Its verdict decides whether a restore may start, and GNU tar (1.34, the helper image's) is what
 * extracts, so it reads every header the way GNU tar's extraction does (src/list.c read_header and
 * decode_header, src/xheader.c, src/sparse.c, src/extract.c): where the next header starts, which
 * name, link, size and type an entry has. Where GNU tar would only complain and carry on (a malformed
 * pax record, a bad sparse map, a number it cannot read, data after a lone zero block), or where GNU
 * tar's own listing and extraction disagree, this parser stops with a TarFormatError instead: such an
 * archive is refused, never guessed at. The rules that matter, with the GNU tar code they mirror:
 * - only the last `x` header before an entry counts (xheader_read replaces the buffer); a `g` header
 *   replaces the previous global records, which apply to every later entry before its own `x` ones
 *   (run_override_list); a global `path`, `linkpath`, `size` or `GNU.sparse.*` is refused;
 * - `L`/`K` names are the C string in the whole padded record, padding included (read_header);
 * - links, symlinks, devices, FIFOs and folders carry no data whatever their size field says, and a
 *   regular-file entry whose name ends in `/` is a folder with no data either (extract_dir never skips);
 *   where such an entry announces data (a hard link: only through a pax `size`), it is refused;
 * - old-GNU sparse (`S` with the GNU magic): the 4 map entries of the header, then 512-byte extension
 *   blocks while `isextended` is set and no entry ended the map, then the stored data (size field);
 * - pax sparse (POSIX format, i.e. ustar magic plus an `x` header): 0.0 (`GNU.sparse.offset`/`numbytes`
 *   pairs), 0.1 (`GNU.sparse.map`), 1.0 (major 1, minor 0: the map at the start of the data);
 *   `GNU.sparse.name` beats `path`; a sparse entry is a regular file whatever its type flag.
 * - numeric fields are read like from_header: one leading NUL, then white space, octal digits ended by
 *   NUL or white space, or base-256 (0x80 / 0xff first byte); an all-blank field is an error. The
 *   header's mode, mtime, uid and gid are checked even under pax records (decode_header reads them);
 *   owner 4294967295 is refused (chown's "no change": GNU tar would extract the entry as root's).
 */

const BLOCK = 512;
/** pax and GNU long-name records are buffered; a sane one is tiny, so a huge one means garbage. */
const MAX_META_BYTES = 8 * 1024 * 1024;
/** A 0.1 map spends at least 4 bytes ("o,n,") per entry of a header of at most MAX_META_BYTES. */
const MAX_SPARSE_MAP_ENTRIES = MAX_META_BYTES / 4;
const SLASH = 0x2f;
const NL = 0x0a;

export class TarFormatError extends Error {
  readonly offset: number;
  readonly truncated: boolean;
  constructor(message: string, offset: number, truncated = false) {
    super(message);
    this.name = 'TarFormatError';
    this.offset = offset;
    this.truncated = truncated;
  }
}

export interface PaxRecord {
  key: string;
  value: Buffer;
}

export type SparseFormat = 'old-gnu' | 'pax-0.0' | 'pax-0.1' | 'pax-1.0';

export interface SparseInfo {
  format: SparseFormat;
  /** The file's size once extracted (holes included); also `info.size`. */
  realSize: number;
  /**
   * Data bytes of the map's regions: what the extracted file holds on disk. Complete once the map has
   * been read, which for old-GNU extension blocks and 1.0 maps is after the header (see `mapComplete`).
   */
  dataBytes: number;
  regions: number;
  mapComplete: boolean;
}

/** Everything a rewriter needs to re-emit an entry; `info` is what everyone else needs. */
export interface ParsedEntry {
  info: TarEntryInfo;
  /** The 512-byte header block of the entry itself (a private copy). */
  header: Buffer;
  /** The raw type flag byte. */
  typeflag: number;
  /** True when the header carries the GNU magic (`ustar  \0`): its prefix area holds other fields. */
  gnuMagic: boolean;
  /** The records of the `x` header that applies (the last one before the entry), or null. */
  pax: PaxRecord[] | null;
  /** Raw bytes of the path and link target as they apply (sparse name > pax > GNU long name > header). */
  pathBytes: Buffer;
  linkBytes: Buffer | null;
  /** Which record the path came from, so a rewriter can write it back the same way. */
  pathFrom: 'header' | 'gnu' | 'pax' | 'sparse-name';
  linkFrom: 'header' | 'gnu' | 'pax' | null;
  /** Bytes stored after the header (after old-GNU sparse extension blocks), without padding; 0 when none are read. */
  dataSize: number;
  /** Sparse files: their map as far as read; null for everything else. */
  sparse: SparseInfo | null;
  /** Byte offset of the entry's own header (or of its first `x`/`L`/`K` record) in the tar stream. */
  offset: number;
  /** The entry's own `x`, `X`, `L` and `K` records exactly as read (header blocks and padded content), in order. */
  meta: Buffer[];
}

export interface TarParserHandlers {
  onEntry(entry: ParsedEntry): void;
  /** The bytes after an entry's header (extension blocks, content, padding), as slices of the input. */
  onData?(chunk: Buffer): void;
  /** A pax global header (`g`): the header block and its padded content, for pass-through. */
  onGlobalHeader?(header: Buffer, paddedContent: Buffer): void;
}

const enum State {
  Header,
  Meta,
  SparseExt,
  Data,
  End,
}

const TYPE_BY_FLAG: Record<string, TarEntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  S: 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'character-device',
  '4': 'block-device',
  '5': 'directory',
  D: 'directory',
  '6': 'fifo',
};

/** Types whose extractor never reads data, whatever the size field says (GNU tar 1.34's extract.c, Go's archive/tar). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
/** Type flags GNU tar extracts with extract_file (a trailing slash makes the first three a folder). */
const REGULAR = new Set(['0', '\0', '7']);

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/** The bytes of a NUL-terminated field (or the whole field when it has no NUL). */
function cString(buf: Buffer, start: number, len: number): Buffer {
  const end = buf.indexOf(0, start);
  return buf.subarray(start, end === -1 || end > start + len ? start + len : end);
}

function isOctalDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x37;
}

/** C's isspace in the C locale. */
function isSpace(c: number | undefined): boolean {
  return c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0d);
}

/**
 * A numeric header field read as GNU tar's from_header does: octal (one leading NUL and white space
 * skipped, ended by NUL or white space) or base-256 (first byte 0x80 positive, 0xff negative). NaN where
 * GNU tar reports an error (an all-blank field, a stray character) and where it accepts something this
 * parser does not (the obsolete base-64 form), and for values beyond 2^53.
 */
export function parseNumeric(buf: Buffer, start: number, len: number, opts: { octalOnly?: boolean } = {}): number {
  const lim = start + len;
  let i = start;
  if (buf[i] === 0) i++;
  for (;;) {
    if (i === lim) return Number.NaN;
    if (!isSpace(buf[i])) break;
    i++;
  }
  const first = buf[i] as number;
  let value = 0;
  let negative = false;
  if (isOctalDigit(first)) {
    while (i < lim && isOctalDigit(buf[i])) value = value * 8 + ((buf[i++] as number) - 0x30);
  } else if (!opts.octalOnly && (first === 0x80 || first === 0xff)) {
    // (256**len)/2 + N for N >= 0, 256**len - N for negatives: the sign bit is 0x40 of the first byte.
    negative = first === 0xff;
    value = negative ? -64 : 0;
    value += first & 0x3f;
    for (i++; i < lim; i++) value = value * 256 + (buf[i] as number);
    return Number.isSafeInteger(value) ? value : Number.NaN;
  } else if (first !== 0) {
    return Number.NaN; // base-64 ('+'/'-') or garbage
  }
  if (i !== lim && buf[i] !== 0 && !isSpace(buf[i])) return Number.NaN;
  if (!Number.isSafeInteger(value)) return Number.NaN;
  return negative ? -value : value;
}

function checksumOk(block: Buffer): boolean {
  const stored = parseNumeric(block, 148, 8, { octalOnly: true });
  if (Number.isNaN(stored)) return false;
  let unsigned = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const b = block[i] ?? 0;
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

export function writeChecksum(block: Buffer): void {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += block[i] ?? 0;
  block.write(sum.toString(8).padStart(6, '0'), 148, 'latin1');
  block[154] = 0;
  block[155] = 0x20;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/**
 * pax records as GNU tar's decode_record reads them: optional blanks, a decimal length, blanks, a
 * keyword up to the first `=` (a NUL before it is malformed), a value, a newline at the length's end.
 * Reading stops quietly at a NUL where a length should start; anything GNU tar calls malformed throws.
 */
export function parsePax(content: Buffer, offset: number): PaxRecord[] {
  const records: PaxRecord[] = [];
  let pos = 0;
  const bad = (what: string) => new TarFormatError(`malformed pax header (${what})`, offset);
  while (pos < content.length) {
    let p = pos;
    while (content[p] === 0x20 || content[p] === 0x09) p++;
    const c = content[p];
    if (c === undefined || c === 0) break;
    if (c < 0x30 || c > 0x39) throw bad('missing length');
    let len = 0;
    while (p < content.length && (content[p] as number) >= 0x30 && (content[p] as number) <= 0x39) {
      len = len * 10 + ((content[p++] as number) - 0x30);
      if (len > content.length) throw bad('length out of range');
    }
    if (pos + len > content.length) throw bad('length out of range');
    const next = pos + len;
    const lenEnd = p;
    while (content[p] === 0x20 || content[p] === 0x09) p++;
    if (p === lenEnd) throw bad('missing blank after length');
    const eq = content.indexOf(0x3d, p);
    const nul = content.indexOf(0, p);
    if (eq === -1 || eq >= next || (nul !== -1 && nul < eq)) throw bad('missing equal sign');
    if (content[next - 1] !== NL) throw bad('missing newline');
    records.push({ key: content.toString('utf8', p, eq), value: Buffer.from(content.subarray(eq + 1, next - 1)) });
    pos = next;
  }
  return records;
}

/** What the records that apply to an entry set, decoded as GNU tar's xheader.c decoders do. */
interface PaxState {
  path?: Buffer;
  sparseName?: Buffer;
  linkpath?: Buffer;
  size?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  uname?: string;
  gname?: string;
  realSize?: number;
  major?: number;
  minor?: number;
  /** GNU.sparse.numblocks: the room of the map (0.0 and 0.1). */
  mapSize?: number;
  /** Regions set so far (sparse_map_avail), their sums, and the 0.0 offset waiting for its numbytes. */
  avail: number;
  regionBytes: number;
  regionBlocks: number;
  regionEnd: number;
  nextOffset: number;
  sparseKeys: boolean;
  mapKeys: boolean;
  /** A GNU.sparse.map record (0.1) rather than offset/numbytes pairs (0.0). */
  mapRecord: boolean;
}

const UINT_MAX = 0xffffffff;

/** Keywords GNU tar would apply to every later entry when a global header carries them. */
function refusedGlobally(key: string): boolean {
  return key === 'path' || key === 'linkpath' || key === 'size' || key.startsWith('GNU.sparse.') || key === 'GNU.dumpdir';
}

/** decode_num: digits only, within `max`; a value GNU tar would reject is an error here. */
function decimal(v: Buffer, key: string, max: number, at: number): number {
  const s = v.toString('latin1');
  if (!/^\d+$/.test(s)) throw new TarFormatError(`malformed pax header (invalid ${key}=${s.slice(0, 40)})`, at);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n > max || n < 0) throw new TarFormatError(`malformed pax header (${key}=${s.slice(0, 40)} is out of range)`, at);
  return n;
}

function addRegion(st: PaxState, offset: number, numbytes: number): void {
  st.regionBytes += numbytes;
  st.regionBlocks += Math.ceil(numbytes / BLOCK);
  st.regionEnd = Math.max(st.regionEnd, offset + numbytes);
  st.avail++;
}

function resetMap(st: PaxState): void {
  st.avail = 0;
  st.regionBytes = 0;
  st.regionBlocks = 0;
  st.regionEnd = 0;
  st.nextOffset = 0;
}

function applyPax(st: PaxState, r: PaxRecord, at: number): void {
  const text = () => cString(r.value, 0, r.value.length);
  switch (r.key) {
    case 'path':
      if (st.sparseName === undefined) st.path = Buffer.from(text());
      return;
    case 'linkpath':
      st.linkpath = Buffer.from(text());
      return;
    case 'size':
      st.size = decimal(r.value, r.key, Number.MAX_SAFE_INTEGER, at);
      return;
    case 'uid':
    case 'gid':
      st[r.key] = decimal(r.value, r.key, UINT_MAX, at);
      return;
    case 'mtime': {
      const s = r.value.toString('latin1');
      if (!/^-?\d+(\.\d+)?$/.test(s)) throw new TarFormatError(`malformed pax header (invalid mtime=${s.slice(0, 40)})`, at);
      const t = Math.floor(Number(s));
      if (!Number.isSafeInteger(t)) throw new TarFormatError(`malformed pax header (mtime=${s.slice(0, 40)} is out of range)`, at);
      st.mtime = t;
      return;
    }
    case 'uname':
      st.uname = text().toString('utf8');
      return;
    case 'gname':
      st.gname = text().toString('utf8');
      return;
    default:
      break;
  }
  if (!r.key.startsWith('GNU.sparse.')) return;
  st.sparseKeys = true;
  switch (r.key) {
    case 'GNU.sparse.name':
      st.sparseName = Buffer.from(text());
      st.path = st.sparseName;
      return;
    case 'GNU.sparse.major':
      st.major = decimal(r.value, r.key, UINT_MAX, at);
      return;
    case 'GNU.sparse.minor':
      st.minor = decimal(r.value, r.key, UINT_MAX, at);
      return;
    case 'GNU.sparse.size':
    case 'GNU.sparse.realsize':
      st.realSize = decimal(r.value, r.key, Number.MAX_SAFE_INTEGER, at);
      return;
    case 'GNU.sparse.numblocks':
      st.mapKeys = true;
      // GNU tar allocates the whole map as soon as it reads this record, even when a later record
      // replaces it: numblocks=2^33 made it die with "memory exhausted" (fuzzer finding
      // accepted-gnu-refuses-920610726-2187). No pax header we accept can hold more entries than this.
      st.mapSize = decimal(r.value, r.key, MAX_SPARSE_MAP_ENTRIES, at);
      resetMap(st);
      return;
    case 'GNU.sparse.offset':
      st.mapKeys = true;
      st.nextOffset = decimal(r.value, r.key, Number.MAX_SAFE_INTEGER, at);
      if (st.avail >= (st.mapSize ?? 0)) throw new TarFormatError('malformed pax header (excess GNU.sparse.offset)', at);
      return;
    case 'GNU.sparse.numbytes': {
      st.mapKeys = true;
      const n = decimal(r.value, r.key, Number.MAX_SAFE_INTEGER, at);
      if (st.avail >= (st.mapSize ?? 0)) throw new TarFormatError('malformed pax header (excess GNU.sparse.numbytes)', at);
      addRegion(st, st.nextOffset, n);
      st.nextOffset = 0;
      return;
    }
    case 'GNU.sparse.map': {
      st.mapKeys = true;
      st.mapRecord = true;
      resetMap(st);
      const s = r.value.toString('latin1');
      if (!/^\d+(,\d+)*$/.test(s)) throw new TarFormatError(`malformed pax header (invalid GNU.sparse.map)`, at);
      const nums = s.split(',').map(Number);
      if (nums.length % 2 !== 0) throw new TarFormatError('malformed pax header (GNU.sparse.map has an odd number of values)', at);
      if (nums.length / 2 > (st.mapSize ?? 0)) throw new TarFormatError('malformed pax header (excess GNU.sparse.map)', at);
      for (let i = 0; i < nums.length; i += 2) {
        const [o, n] = [nums[i] as number, nums[i + 1] as number];
        if (!Number.isSafeInteger(o) || !Number.isSafeInteger(n)) throw new TarFormatError('malformed pax header (GNU.sparse.map is out of range)', at);
        addRegion(st, o, n);
      }
      return;
    }
    default:
      return;
  }
}

/** gnulib's strip_trailing_slashes: did the name end in a slash (a lone "/" does not count)? */
function hadTrailingSlash(name: Buffer): boolean {
  return name.length >= 2 && name[name.length - 1] === SLASH;
}

type HeaderFormat = 'v7' | 'ustar' | 'posix' | 'star' | 'gnu';

/** decode_header's format: magic, star's time fields, and whether an `x` header came with the entry. */
function headerFormat(block: Buffer, hasX: boolean): HeaderFormat {
  if (block.toString('latin1', 257, 262) === 'ustar' && block[262] === 0) {
    const star = block[475] === 0 && isOctalDigit(block[476]) && block[487] === 0x20 && isOctalDigit(block[488]) && block[499] === 0x20;
    if (star) return 'star';
    return hasX ? 'posix' : 'ustar';
  }
  if (block.toString('latin1', 257, 264) === 'ustar  ' && block[264] === 0) return 'gnu';
  return 'v7';
}

/** The pax 1.0 sparse map at the start of the data: decimal lines, read as pax_decode_header does. */
class SparseMapReader {
  private line = 0;
  private digits = 0;
  private count = -1;
  private offset = 0;
  private wantOffset = true;
  private read = 0;
  /** Bytes of data up to and including the map's last newline, once it is complete. */
  length = -1;
  /** Blocks the regions read so far take up (each region starts on a block). */
  regionBlocks = 0;

  constructor(
    private readonly entry: ParsedEntry,
    private readonly at: number,
  ) {}

  /** Feeds bytes from the start of the data; returns true once the map is complete. */
  feed(chunk: Buffer): boolean {
    const sparse = this.entry.sparse as SparseInfo;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i] as number;
      this.read++;
      if (c !== NL) {
        // pax_decode_header's COPY_BUF: at most 19 characters before the newline; decode_num: digits only.
        if (c < 0x30 || c > 0x39 || ++this.digits > 19) throw new TarFormatError(`malformed sparse map in ${this.entry.info.path}`, this.at);
        this.line = this.line * 10 + (c - 0x30);
        continue;
      }
      if (this.digits === 0 || !Number.isSafeInteger(this.line)) throw new TarFormatError(`malformed sparse map in ${this.entry.info.path}`, this.at);
      const n = this.line;
      this.line = 0;
      this.digits = 0;
      if (this.count < 0) this.count = n;
      else if (this.wantOffset) {
        this.offset = n;
        this.wantOffset = false;
      } else {
        sparse.dataBytes += n;
        sparse.regions++;
        if (this.offset + n > sparse.realSize) throw new TarFormatError(`the sparse map of ${this.entry.info.path} reaches beyond its size`, this.at);
        this.regionBlocks += Math.ceil(n / BLOCK);
        this.wantOffset = true;
      }
      if (this.count >= 0 && sparse.regions === this.count && this.wantOffset) {
        this.length = this.read;
        sparse.mapComplete = true;
        return true;
      }
    }
    return false;
  }
}

export class TarParser {
  private state = State.Header;
  private readonly block = Buffer.alloc(BLOCK);
  private blockFill = 0;
  private zeroBlocks = 0;
  /** Remaining bytes of the current data or meta region (content + padding). */
  private remaining = 0;
  private metaHeader: Buffer | null = null;
  private metaSize = 0;
  private metaChunks: Buffer[] = [];
  private metaFill = 0;
  /** The last `x` header's records (only the last one applies). */
  private pendingPax: PaxRecord[] | null = null;
  /** The last `g` header's records (a new one replaces them). */
  private globalPax: PaxRecord[] = [];
  private longName: Buffer | null = null;
  private longLink: Buffer | null = null;
  private pendingMeta: Buffer[] = [];
  private entryOffset = 0;
  /** The sparse entry whose extension blocks or 1.0 map are being read. */
  private current: ParsedEntry | null = null;
  private sparseDumped = 0;
  private sparseStored = 0;
  private mapReader: SparseMapReader | null = null;
  private pauseRequested = false;
  /** Bytes of tar consumed so far. */
  offset = 0;
  entries = 0;
  /** Bytes regular files put on disk: their size, or a sparse file's data (complete at the end). */
  fileDataBytes = 0;

  constructor(private readonly handlers: TarParserHandlers) {}

  get ended(): boolean {
    return this.state === State.End;
  }

  /**
   * Stops the current write() right after the header of the entry being reported, so a consumer can
   * wait (backpressure) before the entry's data; write() then returns the bytes it consumed.
   */
  pause(): void {
    this.pauseRequested = true;
  }

  /** Parses `chunk`; returns the bytes consumed (all of them unless pause() was called from onEntry). */
  write(chunk: Buffer): number {
    let pos = 0;
    const len = chunk.length;
    this.pauseRequested = false;
    while (pos < len) {
      switch (this.state) {
        case State.End:
          // Record padding after the end marker (GNU tar fills to 10 KiB): not part of the archive.
          this.offset += len - pos;
          return len;
        case State.Data: {
          const n = Math.min(this.remaining, len - pos);
          const slice = chunk.subarray(pos, pos + n);
          if (this.mapReader && this.mapReader.length < 0) this.feedMap(slice);
          if (this.handlers.onData) this.handlers.onData(slice);
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.endOfData();
          break;
        }
        case State.Meta: {
          const n = Math.min(this.remaining, len - pos);
          this.metaChunks.push(Buffer.from(chunk.subarray(pos, pos + n)));
          this.metaFill += n;
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.finishMeta();
          break;
        }
        case State.Header:
        case State.SparseExt: {
          const n = Math.min(BLOCK - this.blockFill, len - pos);
          chunk.copy(this.block, this.blockFill, pos, pos + n);
          if (this.state === State.SparseExt && this.handlers.onData) this.handlers.onData(chunk.subarray(pos, pos + n));
          this.blockFill += n;
          pos += n;
          this.offset += n;
          if (this.blockFill === BLOCK) {
            this.blockFill = 0;
            if (this.state === State.SparseExt) this.onExtensionBlock();
            else this.onHeaderBlock();
            if (this.pauseRequested) {
              this.pauseRequested = false;
              return pos;
            }
          }
          break;
        }
      }
    }
    return len;
  }

  /** Call at the end of input; throws when the archive stopped early. */
  end(): void {
    if (this.state === State.End) return;
    if (this.state === State.Header && this.blockFill === 0 && this.zeroBlocks === 1) {
      // One zero block then EOF: GNU tar and Go accept this; the data is all there.
      this.state = State.End;
      return;
    }
    throw new TarFormatError(
      this.entries === 0 && this.offset === 0 ? 'empty input, not a tar archive' : 'the tar data ends before its end-of-archive marker',
      this.offset,
      true,
    );
  }

  private onHeaderBlock(): void {
    const block = this.block;
    const blockOffset = this.offset - BLOCK;
    if (isZeroBlock(block)) {
      this.zeroBlocks++;
      if (this.zeroBlocks === 2) this.state = State.End;
      return;
    }
    if (this.zeroBlocks > 0) throw new TarFormatError('corrupt tar: a lone zero block is followed by more data', blockOffset);
    if (!checksumOk(block)) {
      throw new TarFormatError(
        this.entries === 0 && blockOffset === 0 ? 'not a tar archive (bad header checksum)' : 'corrupt tar header (bad checksum)',
        blockOffset,
      );
    }
    const flag = String.fromCharCode(block[156] ?? 0);
    const size = parseNumeric(block, 124, 12);
    if (Number.isNaN(size) || size < 0) throw new TarFormatError('corrupt tar header (bad size field)', blockOffset);
    if (this.metaHeader === null && this.pendingMeta.length === 0) this.entryOffset = blockOffset;

    if (flag === 'x' || flag === 'X' || flag === 'g' || flag === 'L' || flag === 'K') {
      if (size > MAX_META_BYTES) throw new TarFormatError(`corrupt tar: a ${flag} header of ${size} bytes`, blockOffset);
      this.metaHeader = Buffer.from(block);
      this.metaSize = size;
      this.metaChunks = [];
      this.metaFill = 0;
      this.remaining = padded(size);
      if (this.remaining === 0) this.finishMeta();
      else this.state = State.Meta;
      return;
    }
    this.emitEntry(block, flag, size);
  }

  private finishMeta(): void {
    const header = this.metaHeader as Buffer;
    const flag = String.fromCharCode(header[156] ?? 0);
    const paddedContent = this.metaChunks.length === 1 ? (this.metaChunks[0] as Buffer) : Buffer.concat(this.metaChunks, this.metaFill);
    const content = paddedContent.subarray(0, this.metaSize);
    const at = this.offset - paddedContent.length - BLOCK;
    this.metaHeader = null;
    this.metaChunks = [];
    this.state = State.Header;
    if (flag === 'g') {
      const records = parsePax(content, at);
      const refused = records.find((r) => refusedGlobally(r.key));
      if (refused) {
        throw new TarFormatError(`a pax global header sets ${refused.key}, which GNU tar would apply to every later entry`, at);
      }
      // xheader_decode_global: a new global header replaces the records of the previous one.
      this.globalPax = records;
      this.handlers.onGlobalHeader?.(header, paddedContent);
      return;
    }
    this.pendingMeta.push(header, paddedContent);
    if (flag === 'x' || flag === 'X') {
      // xheader_read: the last extended header before an entry replaces any earlier one.
      this.pendingPax = parsePax(content, at);
    } else {
      // read_header copies the whole padded record and takes the C string at its start.
      const name = Buffer.from(cString(paddedContent, 0, paddedContent.length));
      if (flag === 'L') this.longName = name;
      else this.longLink = name;
    }
  }

  private emitEntry(block: Buffer, flag: string, headerSize: number): void {
    const offset = this.entryOffset;
    const gnuMagic = block.toString('latin1', 257, 265) === 'ustar  \0';
    const ustarMagic = block.toString('latin1', 257, 263) === 'ustar\0';
    const pax = this.pendingPax;
    const format = headerFormat(block, pax !== null);
    const st: PaxState = { avail: 0, regionBytes: 0, regionBlocks: 0, regionEnd: 0, nextOffset: 0, sparseKeys: false, mapKeys: false, mapRecord: false };
    // run_override_list(global) first, then the entry's own records, in order.
    for (const r of this.globalPax) applyPax(st, r, offset);
    if (pax) for (const r of pax) applyPax(st, r, offset);

    let pathBytes: Buffer;
    let pathFrom: ParsedEntry['pathFrom'] = 'header';
    if (st.sparseName !== undefined) {
      pathBytes = st.sparseName;
      pathFrom = 'sparse-name';
    } else if (st.path !== undefined) {
      pathBytes = st.path;
      pathFrom = 'pax';
    } else if (this.longName !== null) {
      pathBytes = this.longName;
      pathFrom = 'gnu';
    } else {
      const name = cString(block, 0, 100);
      const prefix = ustarMagic ? cString(block, 345, 155) : Buffer.alloc(0);
      pathBytes = prefix.length > 0 ? Buffer.concat([prefix, Buffer.from('/'), name]) : Buffer.from(name);
    }

    let linkBytes: Buffer | null = null;
    let linkFrom: ParsedEntry['linkFrom'] = null;
    if (st.linkpath !== undefined) {
      linkBytes = st.linkpath;
      linkFrom = 'pax';
    } else if (this.longLink !== null) {
      linkBytes = this.longLink;
      linkFrom = 'gnu';
    } else if (block[157] !== 0) {
      linkBytes = Buffer.from(cString(block, 157, 100));
      linkFrom = 'header';
    }

    const path = pathBytes.toString('utf8');
    // GNU tar reads an `M` header's offset field (in the ustar prefix area) to list it and will not
    // extract it: a garbage offset made its listing fail where this parser read on (fuzzer finding
    // accepted-gnu-refuses-969921741-2168). A piece of a multi-volume archive is no backup.
    if (flag === 'M')
      throw new TarFormatError(`${path} continues a file from another volume of a multi-volume archive, which this app does not restore`, offset);
    const stored = st.size ?? headerSize;
    const sparse = this.sparseOf(format, flag, st, stored, block, path, offset);

    let type: TarEntryType;
    let dataSize: number;
    if (sparse) {
      type = 'file';
      dataSize = stored;
    } else {
      type = TYPE_BY_FLAG[flag] ?? 'other';
      dataSize = HEADER_ONLY.has(flag) ? 0 : stored;
      // A regular-file entry named with a trailing slash is extracted as a folder, and no data is read.
      const slashFolder = REGULAR.has(flag) && hadTrailingSlash(pathBytes);
      if (slashFolder) {
        type = 'directory';
        dataSize = 0;
      }
      // Where data would follow, readers disagree: GNU tar 1.34 extracts no data but its listing skips
      // it (later versions do not), Go skips it after a slash-named `0` entry. Such an archive is refused.
      // A hard link's header size is zeroed by read_header before pax records apply, so only a pax
      // `size` makes its listing skip data (fuzzer finding listing-differs-969921741-6204).
      const announced = flag === '1' ? (st.size ?? 0) : stored;
      if ((slashFolder || HEADER_ONLY.has(flag)) && announced > 0) {
        throw new TarFormatError(`${path} is a ${type} whose size field says ${announced} bytes of data follow, which tar readers take differently`, offset);
      }
    }
    if (type !== 'hardlink' && type !== 'symlink') {
      linkBytes = null;
      linkFrom = null;
    }

    // decode_header reads the header's mode, mtime, uid and gid (--numeric-owner) whatever pax records
    // then replace, and an unreadable one fails GNU tar (exit 2) after it extracted the entry: the
    // fuzzer found a header mtime of "00000000777x" under a pax mtime that only GNU tar looked at.
    const headerMtime = parseNumeric(block, 136, 12);
    const headerUid = parseNumeric(block, 108, 8);
    const headerGid = parseNumeric(block, 116, 8);
    const mode = parseNumeric(block, 100, 8);
    const outOfRange = (id: number) => Number.isNaN(id) || id < 0 || id > UINT_MAX;
    if (Number.isNaN(headerMtime) || outOfRange(headerUid) || outOfRange(headerGid) || Number.isNaN(mode) || mode < 0) {
      throw new TarFormatError(`corrupt tar header for ${path}`, offset);
    }
    // decode_header also reads a device's major and minor numbers (not in V7 headers); a bad one fails
    // GNU tar (fuzzer finding accepted-gnu-refuses-4266247021-1612: a blank devmajor).
    if ((flag === '3' || flag === '4') && format !== 'v7' && (Number.isNaN(parseNumeric(block, 329, 8)) || Number.isNaN(parseNumeric(block, 337, 8)))) {
      throw new TarFormatError(`corrupt tar header for ${path} (device numbers)`, offset);
    }
    const mtime = st.mtime ?? headerMtime;
    const uid = st.uid ?? headerUid;
    const gid = st.gid ?? headerGid;
    // (uid_t)-1 is chown's "leave unchanged": GNU tar extracts such an entry as the extracting user's
    // (root's in a restore), so the check would judge an owner the file never gets, a setuid file
    // included (fuzzer finding tree-differs-2790974978-266).
    if (uid === UINT_MAX || gid === UINT_MAX) {
      throw new TarFormatError(`${path} is owned by ${uid}:${gid}; 4294967295 means "no change" to chown, so tar would leave it owned by root`, offset);
    }
    const uname = st.uname ?? cString(block, 265, 32).toString('utf8');
    const gname = st.gname ?? cString(block, 297, 32).toString('utf8');

    const info: TarEntryInfo = {
      path,
      type,
      size: sparse ? sparse.realSize : type === 'file' ? dataSize : 0,
      mode: mode & 0o7777,
      uid,
      gid,
      uname,
      gname,
      mtime,
      linkTarget: linkBytes === null ? null : linkBytes.toString('utf8'),
    };
    if (type === 'file' && !sparse) this.fileDataBytes += dataSize;
    else if (sparse?.mapComplete) this.fileDataBytes += sparse.dataBytes;

    const meta = this.pendingMeta;
    this.pendingPax = null;
    this.longName = null;
    this.longLink = null;
    this.pendingMeta = [];
    this.entries++;
    const entry: ParsedEntry = {
      info,
      header: Buffer.from(block),
      typeflag: block[156] ?? 0,
      gnuMagic,
      pax,
      pathBytes,
      linkBytes,
      pathFrom,
      linkFrom,
      dataSize,
      sparse,
      offset,
      meta,
    };
    this.startData(entry, block);
    this.handlers.onEntry(entry);
  }

  /**
   * sparse_member_p and the map as far as the header (and for pax 0.x its records) tell it; null for a
   * plain entry. Anything GNU tar would treat differently from its own listing, or complain about, throws.
   */
  private sparseOf(format: HeaderFormat, flag: string, st: PaxState, stored: number, block: Buffer, path: string, at: number): SparseInfo | null {
    if (st.sparseKeys && format !== 'posix') {
      throw new TarFormatError(`${path} has GNU.sparse records in a ${format} header, which GNU tar reads inconsistently`, at);
    }
    if (flag === 'S' && format === 'star') throw new TarFormatError(`${path} is a star sparse file, which this app does not restore`, at);
    if (flag === 'S' && format === 'gnu') {
      const realSize = parseNumeric(block, 483, 12);
      if (Number.isNaN(realSize) || realSize < 0) throw new TarFormatError(`invalid sparse archive member ${path} (bad real size)`, at);
      return { format: 'old-gnu', realSize, dataBytes: 0, regions: 0, mapComplete: false };
    }
    if (format !== 'posix' || (st.avail === 0 && (st.major ?? 0) === 0)) {
      if (st.sparseKeys) throw new TarFormatError(`${path} has GNU.sparse records but no sparse map`, at);
      return null;
    }
    if (!REGULAR.has(flag) && flag !== 'S') throw new TarFormatError(`${path} is a sparse file with type flag "${flag}"`, at);
    if (st.realSize === undefined) throw new TarFormatError(`invalid sparse archive member ${path} (no real size)`, at);
    if ((st.major ?? 0) > 0) {
      if (st.major !== 1 || (st.minor ?? 0) !== 0)
        throw new TarFormatError(`${path} uses sparse format ${st.major}.${st.minor ?? 0}, which GNU tar does not know`, at);
      if (st.mapKeys) throw new TarFormatError(`${path} mixes sparse formats 0.x and 1.0`, at);
      return { format: 'pax-1.0', realSize: st.realSize, dataBytes: 0, regions: 0, mapComplete: false };
    }
    if (st.minor !== undefined || st.major !== undefined) throw new TarFormatError(`${path} has an unknown sparse format`, at);
    if (st.avail !== st.mapSize) throw new TarFormatError(`invalid sparse archive member ${path} (the map has ${st.avail} of ${st.mapSize ?? 0} entries)`, at);
    if (st.regionEnd > st.realSize) throw new TarFormatError(`the sparse map of ${path} reaches beyond its size`, at);
    if (st.regionBlocks * BLOCK > padded(stored)) throw new TarFormatError(`the sparse map of ${path} describes more data than the entry holds`, at);
    return { format: st.mapRecord ? 'pax-0.1' : 'pax-0.0', realSize: st.realSize, dataBytes: st.regionBytes, regions: st.avail, mapComplete: true };
  }

  private startData(entry: ParsedEntry, block: Buffer): void {
    const sparse = entry.sparse;
    this.current = null;
    this.mapReader = null;
    if (sparse?.format === 'old-gnu') {
      this.current = entry;
      this.sparseDumped = 0;
      this.sparseStored = entry.dataSize;
      // oldgnu_get_sparse_info: the header's four entries, then extension blocks while they go on.
      let go = true;
      for (let i = 0; i < 4 && go; i++) go = this.oldGnuRegion(block, 386 + i * 24);
      if (go && block[482] !== 0) {
        this.state = State.SparseExt;
        return;
      }
      this.endOfMap();
      return;
    }
    if (sparse?.format === 'pax-1.0') {
      this.current = entry;
      this.mapReader = new SparseMapReader(entry, entry.offset);
    }
    this.remaining = padded(entry.dataSize);
    this.state = this.remaining > 0 ? State.Data : State.Header;
    if (this.remaining === 0) this.endOfData();
  }

  /** One old-GNU map entry; false when it ends the map (an empty numbytes field). */
  private oldGnuRegion(buf: Buffer, at: number): boolean {
    const entry = this.current as ParsedEntry;
    const sparse = entry.sparse as SparseInfo;
    if (buf[at + 12] === 0) return false;
    const offset = parseNumeric(buf, at, 12);
    const numbytes = parseNumeric(buf, at + 12, 12);
    if (Number.isNaN(offset) || Number.isNaN(numbytes) || offset < 0 || numbytes < 0 || offset + numbytes > sparse.realSize) {
      throw new TarFormatError(`invalid sparse archive member ${entry.info.path}`, entry.offset);
    }
    sparse.dataBytes += numbytes;
    sparse.regions++;
    this.sparseDumped += Math.ceil(numbytes / BLOCK) * BLOCK;
    return true;
  }

  private onExtensionBlock(): void {
    let go = true;
    for (let i = 0; i < 21 && go; i++) go = this.oldGnuRegion(this.block, i * 24);
    if (go && this.block[504] !== 0) return; // another extension block follows
    this.endOfMap();
  }

  /** The old-GNU map is complete: its regions must fit the stored data, which follows. */
  private endOfMap(): void {
    const entry = this.current as ParsedEntry;
    (entry.sparse as SparseInfo).mapComplete = true;
    this.checkSparseFits(entry, this.sparseDumped);
    this.fileDataBytes += (entry.sparse as SparseInfo).dataBytes;
    this.current = null;
    this.remaining = padded(this.sparseStored);
    this.state = this.remaining > 0 ? State.Data : State.Header;
  }

  /**
   * GNU tar's extraction reads each region's blocks and then skips what is left of the stored size; its
   * listing skips the stored size. They agree only when the regions fit in the stored data.
   */
  private checkSparseFits(entry: ParsedEntry, dumped: number): void {
    if (dumped > padded(entry.dataSize)) {
      throw new TarFormatError(`the sparse map of ${entry.info.path} describes more data than the entry holds`, entry.offset);
    }
  }

  private feedMap(slice: Buffer): void {
    const reader = this.mapReader as SparseMapReader;
    if (!reader.feed(slice)) return;
    const entry = this.current as ParsedEntry;
    this.checkSparseFits(entry, padded(reader.length) + reader.regionBlocks * BLOCK);
    this.fileDataBytes += (entry.sparse as SparseInfo).dataBytes;
  }

  private endOfData(): void {
    this.state = State.Header;
    if (this.mapReader && this.mapReader.length < 0) {
      const entry = this.current as ParsedEntry;
      throw new TarFormatError(`the sparse map of ${entry.info.path} runs past the entry's data`, entry.offset);
    }
    this.mapReader = null;
    this.current = null;
  }
}
