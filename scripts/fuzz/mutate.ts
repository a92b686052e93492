// Mutations of a tar stream: bit flips, truncation, block surgery, header field edits with the checksum
// renewed (so the header still counts as one), pax record edits, records spliced from other archives.
import { writeChecksum } from '../../electron/services/archive/tarParser';
import { base256, randomName } from './grammar';
import type { Rng } from './rng';

const BLOCK = 512;

function checksumOk(b: Buffer): boolean {
  const copy = Buffer.from(b);
  const stored = copy.toString('latin1', 148, 156);
  writeChecksum(copy);
  return parseInt(stored.trim() || 'x', 8) === parseInt(copy.toString('latin1', 148, 154), 8);
}

/** Offsets of blocks that are valid headers. */
export function headerBlocks(tar: Buffer): number[] {
  const out: number[] = [];
  for (let off = 0; off + BLOCK <= tar.length; off += BLOCK) {
    const b = tar.subarray(off, off + BLOCK);
    if (b[0] !== 0 || b[156] !== 0) if (checksumOk(b)) out.push(off);
  }
  return out;
}

const FIELDS: Array<[string, number, number, 'num' | 'str' | 'flag']> = [
  ['name', 0, 100, 'str'],
  ['mode', 100, 8, 'num'],
  ['uid', 108, 8, 'num'],
  ['gid', 116, 8, 'num'],
  ['size', 124, 12, 'num'],
  ['mtime', 136, 12, 'num'],
  ['typeflag', 156, 1, 'flag'],
  ['linkname', 157, 100, 'str'],
  ['magic', 257, 8, 'str'],
  ['uname', 265, 32, 'str'],
  ['devmajor', 329, 8, 'num'],
  ['prefix', 345, 155, 'str'],
  ['sparse0.offset', 386, 12, 'num'],
  ['sparse0.numbytes', 398, 12, 'num'],
  ['sparse3.numbytes', 470, 12, 'num'],
  ['isextended', 482, 1, 'flag'],
  ['realsize', 483, 12, 'num'],
];

const NUMBERS = [0, 1, 7, 100, 511, 512, 513, 1024, 4096, 0o7777, 0o77777777, 2 ** 31, 2 ** 33 - 1, 2 ** 33, 2 ** 40];

function numberValue(rng: Rng, len: number, current: Buffer): Buffer {
  const r = rng.next();
  const v = rng.pick(NUMBERS);
  if (r < 0.35) return Buffer.from(`${v.toString(8).padStart(len - 1, '0')}\0`.slice(-len), 'latin1');
  if (r < 0.5) return base256(rng.chance(0.8) ? v : -v, len);
  if (r < 0.55) return Buffer.alloc(len, 0x20);
  if (r < 0.6) return Buffer.alloc(len, 0);
  if (r < 0.65) return Buffer.concat([Buffer.from([0]), Buffer.from(` ${v.toString(8)}`, 'latin1')]).subarray(0, len);
  if (r < 0.7) return Buffer.from(`${v.toString(8)}x`.padStart(len, '0'), 'latin1').subarray(0, len);
  if (r < 0.75) return Buffer.from(v.toString(8).padStart(len, '0'), 'latin1').subarray(-len);
  if (r < 0.8) return Buffer.from([rng.pick([0x80, 0x81, 0xff, 0xc0, 0x2b, 0x2d]), ...current.subarray(1)]);
  // Change the value a little: one digit off.
  const copy = Buffer.from(current);
  const i = rng.int(len);
  if (copy[i] !== undefined && copy[i]! >= 0x30 && copy[i]! <= 0x37) copy[i] = 0x30 + rng.int(8);
  return copy;
}

function stringValue(rng: Rng, len: number, field: string): Buffer {
  const r = rng.next();
  let s: string;
  if (field === 'magic') s = rng.pick(['ustar\x0000', 'ustar  \0', 'ustar\0  ', 'ustar \0\0', '\0\0\0\0\0\0\0\0', 'ustar\x0001']);
  else if (r < 0.2) s = rng.pick(['', '.', './', '/', '..', '../x', 'a/', 'a//b', '/etc/passwd', 'dev0']);
  else if (r < 0.3) s = 'x'.repeat(len);
  else s = randomName(rng);
  const b = Buffer.alloc(len);
  Buffer.from(s, 'latin1').copy(b, 0, 0, len);
  return b;
}

function editField(rng: Rng, tar: Buffer): boolean {
  const headers = headerBlocks(tar);
  if (headers.length === 0) return false;
  const off = rng.pick(headers);
  const [name, at, len, kind] = rng.pick(FIELDS);
  const block = tar.subarray(off, off + BLOCK);
  let value: Buffer;
  if (kind === 'num') value = numberValue(rng, len, block.subarray(at, at + len));
  else if (kind === 'flag')
    value = Buffer.from([
      name === 'isextended' ? rng.pick([0, 1, 0x31]) : rng.pick([...'0123456789SLKxgXDVMNA'].map((c) => c.charCodeAt(0)).concat([0, 0x20])),
    ]);
  else value = stringValue(rng, len, name);
  value.copy(block, at);
  if (rng.chance(0.95)) writeChecksum(block);
  return true;
}

/** Finds pax headers and edits their records; size field and checksum kept right. */
function editPax(rng: Rng, tar: Buffer): Buffer | null {
  const headers = headerBlocks(tar).filter((off) => [0x78, 0x67, 0x58].includes(tar[off + 156] as number));
  if (headers.length === 0) return null;
  const off = rng.pick(headers);
  const size = parseInt(
    tar
      .toString('latin1', off + 124, off + 136)
      .replace(/\0.*$/s, '')
      .trim() || '0',
    8,
  );
  if (!Number.isFinite(size) || size > 1 << 20) return null;
  const padded = Math.ceil(size / BLOCK) * BLOCK;
  const content = tar.subarray(off + BLOCK, off + BLOCK + size);
  const key = rng.pick([
    'path',
    'linkpath',
    'size',
    'uid',
    'gid',
    'mtime',
    'uname',
    'GNU.sparse.name',
    'GNU.sparse.size',
    'GNU.sparse.realsize',
    'GNU.sparse.numblocks',
    'GNU.sparse.offset',
    'GNU.sparse.numbytes',
    'GNU.sparse.map',
    'GNU.sparse.major',
    'GNU.sparse.minor',
    'comment',
    'SCHILY.devmajor',
  ]);
  const value = rng.pick([randomName(rng), '0', '1', '512', '1024', '-1', '12abc', '', '0,512,1024,0', String(2 ** 33), '1.0', `dev0\0tail`]);
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  let record = Buffer.from(`${len}${body}`, 'latin1');
  if (rng.chance(0.1)) record = Buffer.from(`${len + rng.pick([-1, 1, 5])}${body}`, 'latin1');
  const newContent = rng.chance(0.5) ? Buffer.concat([content, record]) : Buffer.concat([record, content]);
  const hdr = Buffer.from(tar.subarray(off, off + BLOCK));
  hdr.write(`${newContent.length.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  writeChecksum(hdr);
  const padding = Buffer.alloc((BLOCK - (newContent.length % BLOCK)) % BLOCK);
  return Buffer.concat([tar.subarray(0, off), hdr, newContent, padding, tar.subarray(off + BLOCK + padded)]);
}

function blocksOf(tar: Buffer): number {
  return Math.floor(tar.length / BLOCK);
}

/** One mutation; returns the new stream and what was done. */
export function mutate(rng: Rng, input: Buffer, others: Buffer[]): { tar: Buffer; op: string } {
  let tar = Buffer.from(input);
  const n = blocksOf(tar);
  const r = rng.next();
  if (r < 0.3) {
    if (editField(rng, tar)) return { tar, op: 'field' };
  }
  if (r < 0.4) {
    const edited = editPax(rng, tar);
    if (edited) return { tar: edited, op: 'pax' };
  }
  if (r < 0.5) {
    const headers = headerBlocks(tar);
    const base = headers.length > 0 && rng.chance(0.8) ? rng.pick(headers) : rng.int(Math.max(1, tar.length - BLOCK));
    const at = Math.min(tar.length - 1, base + rng.int(BLOCK));
    if (at >= 0) tar[at] = (tar[at] as number) ^ (1 << rng.int(8));
    return { tar, op: 'bitflip' };
  }
  if (r < 0.58) {
    const cut = rng.chance(0.5) ? rng.int(n + 1) * BLOCK : rng.int(tar.length + 1);
    return { tar: tar.subarray(0, cut), op: 'truncate' };
  }
  if (n === 0) return { tar, op: 'none' };
  const i = rng.int(n);
  const block = tar.subarray(i * BLOCK, (i + 1) * BLOCK);
  if (r < 0.66) {
    const j = rng.int(n + 1);
    tar = Buffer.concat([tar.subarray(0, j * BLOCK), block, tar.subarray(j * BLOCK)]);
    return { tar, op: 'dup-block' };
  }
  if (r < 0.72) return { tar: Buffer.concat([tar.subarray(0, i * BLOCK), tar.subarray((i + 1) * BLOCK)]), op: 'delete-block' };
  if (r < 0.76) return { tar: Buffer.concat([tar.subarray(0, i * BLOCK), Buffer.alloc(BLOCK), tar.subarray(i * BLOCK)]), op: 'zero-block' };
  if (r < 0.8) {
    const j = rng.int(n);
    const a = Buffer.from(block);
    tar.subarray(j * BLOCK, (j + 1) * BLOCK).copy(tar, i * BLOCK);
    a.copy(tar, j * BLOCK);
    return { tar, op: 'swap-blocks' };
  }
  if (r < 0.92 && others.length > 0) {
    const other = rng.pick(others);
    const on = blocksOf(other);
    if (on > 0) {
      const from = rng.int(on);
      const count = 1 + rng.small(6);
      const piece = other.subarray(from * BLOCK, Math.min(on, from + count) * BLOCK);
      const j = rng.int(n + 1);
      const replace = rng.chance(0.5) ? piece.length / BLOCK : 0;
      return { tar: Buffer.concat([tar.subarray(0, j * BLOCK), piece, tar.subarray(Math.min(tar.length, (j + replace) * BLOCK))]), op: 'splice' };
    }
  }
  // Garbage after the end, or a record padded out.
  const extra = rng.chance(0.5) ? Buffer.alloc(rng.pick([1, 100, 512, 10240])) : Buffer.from(randomName(rng));
  return { tar: Buffer.concat([tar, extra]), op: 'append' };
}
