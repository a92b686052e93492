import { AppError } from '../../../shared/contract/errors';
import { fitUstar, metaHeader, padBlock, paxRecord, setField } from './tarHeader';
import { TarStage } from './tarStage';
import { TarFormatError, TarParser, writeChecksum, type PaxRecord, type ParsedEntry } from './tarParser';

const SLASH = 0x2f;
const DOT = 0x2e;

/** Splits raw path bytes on '/', dropping empty and '.' parts (bytes, so non-UTF-8 names survive). */
function splitPath(p: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i === p.length || p[i] === SLASH) {
      const part = p.subarray(start, i);
      if (part.length > 0 && !(part.length === 1 && part[0] === DOT)) parts.push(part);
      start = i + 1;
    }
  }
  return parts;
}

function joinPath(parts: Buffer[], leadingDot: boolean, trailingSlash: boolean): Buffer {
  const pieces: Buffer[] = [];
  if (leadingDot) pieces.push(Buffer.from('./'));
  parts.forEach((part, i) => {
    if (i > 0) pieces.push(Buffer.from('/'));
    pieces.push(part);
  });
  if (trailingSlash) pieces.push(Buffer.from('/'));
  return Buffer.concat(pieces);
}

export interface TarRewriterOptions {
  /** The wrapping folder to remove, e.g. `notebooks/` or `backup/myvol/` (a leading `./` is ignored). */
  stripPrefix: string;
  /**
   * The folder's own entry becomes `./` instead of being dropped, so the folder's owner, mode and time
   * reach the volume's root (an exported image's `volume/`, volumeOps/importImage.ts).
   */
  prefixAsRoot?: boolean;
}

/**
 * tar in, tar out, with a wrapping folder removed from every path (and from hardlink targets); the
 * folder's own entry and its parents are dropped, as are entries outside it. Headers are rewritten
 * in place and content passes through untouched, so owners, modes, times, pax attributes (xattrs,
 * sub-second times) and long names all survive. A `./` before the paths is kept, so the seed's
 * `./...` layout stays the seed's layout.
 */
export class TarRewriter extends TarStage {
  protected readonly parser: TarParser;
  private readonly prefix: Buffer[];
  private readonly prefixAsRoot: boolean;
  private keeping = false;
  /** Entries dropped because they are the prefix, its parents, or outside it. */
  dropped = 0;
  kept = 0;

  constructor(opts: TarRewriterOptions) {
    super();
    this.prefix = splitPath(Buffer.from(opts.stripPrefix, 'utf8'));
    this.prefixAsRoot = opts.prefixAsRoot === true;
    if (this.prefix.length === 0 || this.prefix.some((p) => p.toString() === '..')) {
      throw new AppError('INVALID_ARGUMENT', `"${opts.stripPrefix}" is not a folder that can be stripped.`);
    }
    this.parser = new TarParser({
      onEntry: (e) => this.onEntry(e),
      onData: (chunk) => {
        if (this.keeping) this.push(chunk);
      },
      onGlobalHeader: (header, content) => {
        this.push(header);
        this.push(content);
      },
    });
  }

  /** The path under the prefix, or null when the entry is not strictly inside it. */
  private strip(p: Buffer): Buffer | null {
    const parts = splitPath(p);
    if (parts.length < this.prefix.length) return null;
    for (let i = 0; i < this.prefix.length; i++) if (!(parts[i] as Buffer).equals(this.prefix[i] as Buffer)) return null;
    if (parts.length === this.prefix.length) return this.prefixAsRoot ? Buffer.from('./') : null;
    const leadingDot = p.length >= 2 && p[0] === DOT && p[1] === SLASH;
    return joinPath(parts.slice(this.prefix.length), leadingDot, p[p.length - 1] === SLASH);
  }

  private onEntry(e: ParsedEntry): void {
    const newPath = this.strip(e.pathBytes);
    if (newPath === null) {
      this.keeping = false;
      this.dropped++;
      return;
    }
    this.keeping = true;
    this.kept++;

    // Link target: hardlinks point at archive paths and move with them; symlink targets stay as stored.
    let link = e.linkBytes;
    if (link !== null && e.info.type === 'hardlink') link = this.strip(link) ?? link;
    for (const b of rewriteEntryHeaders(e, newPath, link)) this.push(b);
  }

  protected override toError(err: unknown): Error {
    return rewriteError(err);
  }
}

/**
 * The blocks that carry entry `e` under `newPath` with link target `link` (null: none): its header
 * rewritten in place (new checksum), pax and GNU long-name records re-emitted only where needed, so
 * owners, modes, times, xattrs and long names survive. Content is not included: it follows unchanged.
 */
export function rewriteEntryHeaders(e: ParsedEntry, newPath: Buffer, link: Buffer | null): Buffer[] {
  const header = Buffer.from(e.header);
  const pax: PaxRecord[] = e.pax ? e.pax.map((r) => ({ key: r.key, value: r.value })) : [];
  const out: Buffer[] = [];
  const setPax = (key: string, value: Buffer) => {
    // One record per key: a later duplicate would win over ours.
    for (let i = pax.length - 1; i >= 0; i--) if (pax[i]?.key === key) pax.splice(i, 1);
    pax.push({ key, value });
  };

  // Path. GNU.sparse.name beats path (GNU tar ignores a path record once it has a sparse name).
  if (e.pathFrom === 'sparse-name') {
    setPax('GNU.sparse.name', newPath);
  } else if (e.pathFrom === 'pax') {
    setPax('path', newPath);
    if (!fitUstar(header, newPath, !e.gnuMagic)) setField(header, 0, 100, newPath);
  } else if (!fitUstar(header, newPath, !e.gnuMagic)) {
    if (e.gnuMagic) {
      const content = Buffer.concat([newPath, Buffer.alloc(1)]);
      out.push(metaHeader('L', content.length, true, e.info.mtime), padBlock(content));
    } else {
      setPax('path', newPath);
    }
    setField(header, 0, 100, newPath);
  }

  if (link !== null) {
    const fits = link.length <= 100;
    if (e.linkFrom === 'pax') {
      setPax('linkpath', link);
      setField(header, 157, 100, link);
    } else if (fits) {
      setField(header, 157, 100, link);
    } else if (e.gnuMagic || e.linkFrom === 'gnu') {
      const content = Buffer.concat([link, Buffer.alloc(1)]);
      out.unshift(metaHeader('K', content.length, true, e.info.mtime), padBlock(content));
      setField(header, 157, 100, link);
    } else {
      setPax('linkpath', link);
      setField(header, 157, 100, link);
    }
  }

  if (pax.length > 0) {
    const content = Buffer.concat(pax.map((r) => paxRecord(r.key, r.value)));
    out.unshift(metaHeader('x', content.length, false, e.info.mtime), padBlock(content));
  }
  writeChecksum(header);
  out.push(header);
  return out;
}

function rewriteError(err: unknown): Error {
  if (err instanceof TarFormatError) {
    return new AppError('ARCHIVE_INVALID', `The archive is not valid: ${err.message} (at byte ${err.offset} of the tar data).`, {
      details: { offset: err.offset, truncated: err.truncated },
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

export function createTarRewriter(opts: TarRewriterOptions): TarRewriter {
  return new TarRewriter(opts);
}
