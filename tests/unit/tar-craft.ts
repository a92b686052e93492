// Hand-made tar blocks for archives no tar writer makes: headers with any field, pax records, old-GNU
// sparse maps. Everything a test needs to put GNU tar and our parser in front of the same odd bytes.

export const BLOCK = 512;

export interface HeaderFields {
  name: string | Buffer;
  size?: number;
  /** Raw bytes for the size field instead of an octal number (12 bytes at most). */
  rawSize?: Buffer;
  type?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  uname?: string;
  link?: string;
  magic?: 'ustar' | 'gnu' | 'v7';
  /** Raw bytes placed at offsets of the header (after the fields above). */
  at?: Array<[number, Buffer]>;
}

function octal(value: number, len: number): Buffer {
  return Buffer.from(`${value.toString(8).padStart(len - 1, '0')}\0`, 'latin1');
}

export function header(f: HeaderFields): Buffer {
  const h = Buffer.alloc(BLOCK);
  const name = typeof f.name === 'string' ? Buffer.from(f.name) : f.name;
  name.copy(h, 0, 0, Math.min(100, name.length));
  octal(f.mode ?? 0o644, 8).copy(h, 100);
  octal(f.uid ?? 0, 8).copy(h, 108);
  octal(f.gid ?? 0, 8).copy(h, 116);
  (f.rawSize ?? octal(f.size ?? 0, 12)).copy(h, 124);
  octal(1700000000, 12).copy(h, 136);
  h.write(f.type ?? '0', 156, 'latin1');
  if (f.link) h.write(f.link, 157, 'utf8');
  const magic = f.magic ?? 'ustar';
  if (magic === 'ustar') h.write('ustar\x0000', 257, 'latin1');
  if (magic === 'gnu') h.write('ustar  \0', 257, 'latin1');
  if (f.uname) h.write(f.uname, 265, 'utf8');
  for (const [off, bytes] of f.at ?? []) bytes.copy(h, off);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

export function pad(b: Buffer | string): Buffer {
  const buf = typeof b === 'string' ? Buffer.from(b) : b;
  const rest = buf.length % BLOCK;
  return rest === 0 ? buf : Buffer.concat([buf, Buffer.alloc(BLOCK - rest)]);
}

export function paxRecord(key: string, value: string | Buffer): Buffer {
  const v = typeof value === 'string' ? Buffer.from(value) : value;
  const body = Buffer.concat([Buffer.from(` ${key}=`), v, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** An `x` (or `g`, `X`) header with its records. */
export function pax(records: Array<[string, string | Buffer]>, type = 'x'): Buffer {
  const content = Buffer.concat(records.map(([k, v]) => paxRecord(k, v)));
  return Buffer.concat([header({ name: 'PaxHeader', size: content.length, type }), pad(content)]);
}

/** A file entry with its content. */
export function file(name: string, content: string | Buffer, f: Partial<HeaderFields> = {}): Buffer {
  const c = typeof content === 'string' ? Buffer.from(content) : content;
  return Buffer.concat([header({ name, size: c.length, ...f }), c.length > 0 ? pad(c) : Buffer.alloc(0)]);
}

export function end(): Buffer {
  return Buffer.alloc(2 * BLOCK);
}

/** An old-GNU sparse map entry (offset, numbytes) as 24 bytes. */
export function sparseEntry(offset: number, numbytes: number): Buffer {
  return Buffer.concat([octal(offset, 12), octal(numbytes, 12)]);
}

/**
 * An old-GNU sparse file header (`S`, GNU magic): up to four map entries in the header, `isextended`,
 * the real size, and the stored size.
 */
export function oldGnuSparse(name: string, opts: { stored: number; realSize: number; map: Array<[number, number]>; extended: boolean }): Buffer {
  const at: Array<[number, Buffer]> = opts.map.slice(0, 4).map(([o, n], i) => [386 + i * 24, sparseEntry(o, n)]);
  at.push([482, Buffer.from([opts.extended ? 1 : 0])], [483, octal(opts.realSize, 12)]);
  return header({ name, size: opts.stored, type: 'S', magic: 'gnu', at });
}

/** An old-GNU sparse extension block: up to 21 map entries and `isextended`. */
export function sparseExtension(map: Array<[number, number]>, extended: boolean): Buffer {
  const b = Buffer.alloc(BLOCK);
  map.slice(0, 21).forEach(([o, n], i) => sparseEntry(o, n).copy(b, i * 24));
  b[504] = extended ? 1 : 0;
  return b;
}

/**
 * Issue 11, item 2: an old-GNU sparse header whose four map entries are all used, so GNU tar reads the
 * (empty) extension block after it, which is not part of `size`; then one real data block and the
 * entry `hidden` that a parser skipping `size` bytes would take for that data.
 */
export function sparseHidingEntry(prefix: string, hidden: Buffer): Buffer {
  return Buffer.concat([
    oldGnuSparse(`${prefix}a`, {
      stored: 512,
      realSize: 512,
      map: [
        [0, 512],
        [512, 0],
        [512, 0],
        [512, 0],
      ],
      extended: true,
    }),
    sparseExtension([], false),
    header({ name: `${prefix}b.txt`, size: 512 }),
    hidden,
    end(),
  ]);
}
