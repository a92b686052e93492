import type { TarEntryInfo, TarEntryType } from './types';

/**
 * An incremental tar reader that looks only at headers: file content is counted and skipped (or
 * handed on as slices of the caller's own chunks), never buffered. It understands ustar (with the
 * prefix field), GNU (`L`/`K` long names, base-256 numbers) and pax (`x` per entry, `g` global),
 * which covers GNU tar, BusyBox tar and Docker's Go writer.
 *
 * It is strict where readers disagree, because its verdict decides whether a restore may start:
 * a bad header checksum, a lone zero block followed by data, and a stream that ends before the
 * end-of-archive marker are all errors.
 */

const BLOCK = 512;
/** pax and GNU long-name records are buffered; a sane one is tiny, so a huge one means garbage. */
const MAX_META_BYTES = 8 * 1024 * 1024;

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

/** Everything a rewriter needs to re-emit an entry; `info` is what everyone else needs. */
export interface ParsedEntry {
  info: TarEntryInfo;
  /** The 512-byte header block of the entry itself (a private copy). */
  header: Buffer;
  /** The raw type flag byte. */
  typeflag: number;
  /** True when the header carries the GNU magic (`ustar  \0`): its prefix area holds other fields. */
  gnuMagic: boolean;
  /** Per-entry pax records in their order, or null when there was no `x` header. */
  pax: PaxRecord[] | null;
  /** Raw bytes of the path and link target as they apply (pax > GNU long name > header fields). */
  pathBytes: Buffer;
  linkBytes: Buffer | null;
  /** Which record the path came from, so a rewriter can write it back the same way. */
  pathFrom: 'header' | 'gnu' | 'pax';
  linkFrom: 'header' | 'gnu' | 'pax' | null;
  /** Content bytes that follow (without padding). */
  dataSize: number;
  /** Byte offset of the entry's own header in the tar stream. */
  offset: number;
  /** The entry's own `x`, `L` and `K` records exactly as read (header blocks and padded content), in order. */
  meta: Buffer[];
}

export interface TarParserHandlers {
  onEntry(entry: ParsedEntry): void;
  /** The bytes after an entry's header: its content and block padding, as slices of the input. */
  onData?(chunk: Buffer): void;
  /** A pax global header (`g`): the header block and its padded content, for pass-through. */
  onGlobalHeader?(header: Buffer, paddedContent: Buffer): void;
}

const enum State {
  Header,
  Meta,
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

/** Types whose size field never announces content (as Go's archive/tar and GNU tar read them). */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function cString(buf: Buffer, start: number, len: number): Buffer {
  const end = buf.indexOf(0, start);
  return buf.subarray(start, end === -1 || end > start + len ? start + len : end);
}

/** A numeric header field: octal (space/NUL padded) or GNU base-256 (high bit set). NaN when garbage. */
export function parseNumeric(buf: Buffer, start: number, len: number): number {
  const first = buf[start] ?? 0;
  if (first & 0x80) {
    const negative = first === 0xff;
    let value = 0;
    for (let i = 0; i < len; i++) {
      let byte = buf[start + i] ?? 0;
      if (i === 0) byte &= 0x7f;
      if (negative) byte = 0xff - byte;
      value = value * 256 + byte;
    }
    return negative ? -(value + 1) : value;
  }
  let i = start;
  const end = start + len;
  while (i < end && (buf[i] === 0x20 || buf[i] === 0)) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = buf[i] ?? 0;
    if (c === 0x20 || c === 0) break;
    if (c < 0x30 || c > 0x37) return Number.NaN;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : value;
}

function checksumOk(block: Buffer): boolean {
  const stored = parseNumeric(block, 148, 8);
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

export function parsePax(content: Buffer, offset: number): PaxRecord[] {
  const records: PaxRecord[] = [];
  let pos = 0;
  while (pos < content.length) {
    if (content[pos] === 0) break; // some writers pad the record area with NULs
    const space = content.indexOf(0x20, pos);
    if (space === -1) throw new TarFormatError('corrupt pax header (no length)', offset);
    const len = Number(content.toString('latin1', pos, space));
    if (!Number.isInteger(len) || len <= space - pos + 1 || pos + len > content.length || content[pos + len - 1] !== 0x0a) {
      throw new TarFormatError('corrupt pax header (bad record length)', offset);
    }
    const record = content.subarray(space + 1, pos + len - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0) throw new TarFormatError('corrupt pax header (no key)', offset);
    records.push({ key: record.toString('utf8', 0, eq), value: Buffer.from(record.subarray(eq + 1)) });
    pos += len;
  }
  return records;
}

function paxGet(records: PaxRecord[] | null, key: string): Buffer | undefined {
  if (!records) return undefined;
  let found: Buffer | undefined;
  for (const r of records) if (r.key === key) found = r.value;
  return found;
}

function paxNumber(records: PaxRecord[] | null, key: string): number | undefined {
  const v = paxGet(records, key);
  if (v === undefined) return undefined;
  const n = Number(v.toString('latin1'));
  return Number.isFinite(n) ? Math.floor(n) : undefined;
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
  private pendingPax: PaxRecord[] | null = null;
  private globalPax: PaxRecord[] = [];
  private longName: Buffer | null = null;
  private longLink: Buffer | null = null;
  private pendingMeta: Buffer[] = [];
  private entryOffset = 0;
  /** Bytes of tar consumed so far. */
  offset = 0;
  entries = 0;

  constructor(private readonly handlers: TarParserHandlers) {}

  get ended(): boolean {
    return this.state === State.End;
  }

  write(chunk: Buffer): void {
    let pos = 0;
    const len = chunk.length;
    while (pos < len) {
      switch (this.state) {
        case State.End:
          // Record padding after the end marker (GNU tar fills to 10 KiB): not part of the archive.
          this.offset += len - pos;
          return;
        case State.Data: {
          const n = Math.min(this.remaining, len - pos);
          if (this.handlers.onData) this.handlers.onData(chunk.subarray(pos, pos + n));
          pos += n;
          this.offset += n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = State.Header;
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
        case State.Header: {
          const n = Math.min(BLOCK - this.blockFill, len - pos);
          chunk.copy(this.block, this.blockFill, pos, pos + n);
          this.blockFill += n;
          pos += n;
          this.offset += n;
          if (this.blockFill === BLOCK) {
            this.blockFill = 0;
            this.onHeaderBlock();
          }
          break;
        }
      }
    }
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
      throw new TarFormatError(this.entries === 0 && blockOffset === 0 ? 'not a tar archive (bad header checksum)' : 'corrupt tar header (bad checksum)', blockOffset);
    }
    const flag = String.fromCharCode(block[156] ?? 0);
    const size = parseNumeric(block, 124, 12);
    if (Number.isNaN(size) || size < 0) throw new TarFormatError('corrupt tar header (bad size field)', blockOffset);
    if (this.metaHeader === null && this.pendingPax === null && this.longName === null && this.longLink === null) {
      this.entryOffset = blockOffset;
    }

    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
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
    if (flag !== 'g') this.pendingMeta.push(header, paddedContent);
    if (flag === 'x') {
      this.pendingPax = [...(this.pendingPax ?? []), ...parsePax(content, at)];
    } else if (flag === 'g') {
      const records = parsePax(content, at);
      // path, linkpath and size only make sense per entry; a global one is ignored, as GNU tar does.
      this.globalPax = [...this.globalPax, ...records.filter((r) => r.key !== 'path' && r.key !== 'linkpath' && r.key !== 'size')];
      this.handlers.onGlobalHeader?.(header, paddedContent);
    } else {
      const name = Buffer.from(cString(content, 0, content.length));
      if (flag === 'L') this.longName = name;
      else this.longLink = name;
    }
  }

  private emitEntry(block: Buffer, flag: string, headerSize: number): void {
    const offset = this.entryOffset;
    const gnuMagic = block.toString('latin1', 257, 265) === 'ustar  \0';
    const ustarMagic = block.toString('latin1', 257, 263) === 'ustar\0';
    const pax = this.pendingPax;
    const globals = this.globalPax.length > 0 ? this.globalPax : null;
    const get = (key: string): Buffer | undefined => paxGet(pax, key) ?? paxGet(globals, key);
    const num = (key: string): number | undefined => paxNumber(pax, key) ?? paxNumber(globals, key);

    let pathBytes: Buffer;
    let pathFrom: ParsedEntry['pathFrom'] = 'header';
    const paxPath = paxGet(pax, 'path');
    if (paxPath !== undefined) {
      pathBytes = paxPath;
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
    const paxLink = paxGet(pax, 'linkpath');
    if (paxLink !== undefined) {
      linkBytes = paxLink;
      linkFrom = 'pax';
    } else if (this.longLink !== null) {
      linkBytes = this.longLink;
      linkFrom = 'gnu';
    } else if (block[157] !== 0) {
      linkBytes = Buffer.from(cString(block, 157, 100));
      linkFrom = 'header';
    }

    const path = pathBytes.toString('utf8');
    let type: TarEntryType = TYPE_BY_FLAG[flag] ?? 'other';
    // V7 archives mark directories only by the trailing slash.
    if ((flag === '0' || flag === '\0') && path.endsWith('/')) type = 'directory';
    if (type !== 'hardlink' && type !== 'symlink') {
      linkBytes = null;
      linkFrom = null;
    }

    const paxSize = num('size');
    const dataSize = HEADER_ONLY.has(flag) ? 0 : (paxSize ?? headerSize);
    const mtime = num('mtime') ?? parseNumeric(block, 136, 12);
    const uid = num('uid') ?? parseNumeric(block, 108, 8);
    const gid = num('gid') ?? parseNumeric(block, 116, 8);
    const mode = parseNumeric(block, 100, 8);
    if ([mtime, uid, gid, mode].some((n) => Number.isNaN(n))) throw new TarFormatError(`corrupt tar header for ${path}`, offset);
    const uname = get('uname')?.toString('utf8') ?? cString(block, 265, 32).toString('utf8');
    const gname = get('gname')?.toString('utf8') ?? cString(block, 297, 32).toString('utf8');

    const info: TarEntryInfo = {
      path,
      type,
      size: type === 'file' ? dataSize : 0,
      mode: mode & 0o7777,
      uid,
      gid,
      uname,
      gname,
      mtime,
      linkTarget: linkBytes === null ? null : linkBytes.toString('utf8'),
    };

    const meta = this.pendingMeta;
    this.pendingPax = null;
    this.longName = null;
    this.longLink = null;
    this.pendingMeta = [];
    this.entries++;
    this.remaining = padded(dataSize);
    this.state = this.remaining > 0 ? State.Data : State.Header;
    this.handlers.onEntry({
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
      offset,
      meta,
    });
  }
}
