import { rewriteEntryHeaders } from './stripTopFolder';
import { fitUstar, metaHeader, octal, padBlock, paxRecord, setField } from './tarHeader';
import { TarStage } from './tarStage';
import { TarParser, writeChecksum, type ParsedEntry } from './tarParser';
import type { TarEntryInfo } from './types';

const BLOCK = 512;

/** Where an admitted entry goes: its new path (a folder's with a trailing slash) and, for a hard link, its new target. */
export interface SelectedEntry {
  path: Buffer;
  link: Buffer | null;
}

export interface TarSelectOptions {
  /** Blocks sent before the first entry (folder entries made by dirHeader). */
  prelude: Buffer[];
  /** The `index`-th entry of the stream (0-based): where it goes, or null to drop it with its content. */
  decide: (index: number, e: ParsedEntry) => SelectedEntry | null;
  /** Each entry that passes, with its new path. */
  onEntry?: (e: TarEntryInfo) => void;
}

/**
 * tar in, tar out, keeping only the entries `decide` chooses, each under the path it gives (selective
 * restore: chosen paths, a folder to restore into, keep-both names). Runs after the restore guard, which
 * has admitted every entry with the check's rules; content passes byte for byte.
 */
export class TarSelect extends TarStage {
  protected readonly parser: TarParser;
  private keeping = false;
  private index = 0;
  private started = false;

  constructor(private readonly opts: TarSelectOptions) {
    super();
    this.parser = new TarParser({
      onEntry: (e) => this.onEntry(e),
      onData: (chunk) => {
        if (this.keeping) this.push(chunk);
      },
      onGlobalHeader: (header, content) => {
        this.start();
        this.push(header);
        this.push(content);
      },
    });
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    for (const b of this.opts.prelude) this.push(b);
  }

  private onEntry(e: ParsedEntry): void {
    this.start();
    const to = this.opts.decide(this.index++, e);
    this.keeping = to !== null;
    if (!to) return;
    for (const b of rewriteEntryHeaders(e, to.path, to.link)) this.push(b);
    this.opts.onEntry?.({ ...e.info, path: to.path.toString('utf8'), linkTarget: to.link ? to.link.toString('utf8') : e.info.linkTarget });
  }

  protected override beforeEnd(): void {
    this.start();
  }
}

export interface DirAttributes {
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch as find's %T@ prints it (`1733430000.1234567890`): the fraction goes into a pax record. */
  mtime: string;
}

/**
 * The blocks of a folder entry `path/` (`./` for the volume itself) with exactly these attributes. A pax
 * header carries the sub-second mtime (and a long path), so a folder whose attributes are written back
 * as they were keeps its time to the nanosecond; no user or group name, so tar uses the numbers.
 */
export function dirHeader(path: Buffer, a: DirAttributes): Buffer[] {
  const name = path.length === 0 ? Buffer.from('./') : Buffer.concat([path, Buffer.from('/')]);
  const [whole = '0', frac = ''] = a.mtime.split('.');
  const seconds = Number(whole);
  const h = Buffer.alloc(BLOCK);
  octal(h, a.mode & 0o7777, 100, 8);
  octal(h, a.uid, 108, 8);
  octal(h, a.gid, 116, 8);
  octal(h, 0, 124, 12);
  octal(h, seconds, 136, 12);
  h.write('5', 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  const records: Buffer[] = [];
  const digits = frac.replace(/0+$/, '').slice(0, 9);
  if (digits) records.push(paxRecord('mtime', Buffer.from(`${whole}.${digits}`)));
  if (!fitUstar(h, name, true)) {
    records.push(paxRecord('path', name));
    setField(h, 0, 100, name);
  }
  const out: Buffer[] = [];
  if (records.length > 0) {
    const content = Buffer.concat(records);
    out.push(metaHeader('x', content.length, false, seconds), padBlock(content));
  }
  writeChecksum(h);
  out.push(h);
  return out;
}
