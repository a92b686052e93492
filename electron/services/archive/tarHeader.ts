import { writeChecksum } from './tarParser';

/** Writing tar headers: the pieces the top-folder rewriter (stripTopFolder.ts) and the splitter's made-up folders share. */

const BLOCK = 512;
const SLASH = 0x2f;

/** Two zero blocks: the end of a tar archive. Shared, never written to. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** An octal number field: len - 1 digits and a NUL, as GNU tar writes them. */
export function octal(buf: Buffer, value: number, start: number, len: number): void {
  buf.write(value.toString(8).padStart(len - 1, '0'), start, len - 1, 'latin1');
  buf[start + len - 1] = 0;
}

export function setField(header: Buffer, start: number, len: number, value: Buffer): void {
  header.fill(0, start, start + len);
  value.copy(header, start, 0, Math.min(len, value.length));
}

export function padBlock(content: Buffer): Buffer {
  const rest = content.length % BLOCK;
  return rest === 0 ? content : Buffer.concat([content, Buffer.alloc(BLOCK - rest)]);
}

/** Puts a path into the ustar name (and prefix) fields; false when it does not fit. */
export function fitUstar(header: Buffer, p: Buffer, allowPrefix: boolean): boolean {
  if (p.length <= 100) {
    header.fill(0, 0, 100);
    p.copy(header, 0);
    if (allowPrefix) header.fill(0, 345, 500);
    return true;
  }
  if (!allowPrefix) return false;
  // Split at a '/' so that the prefix is at most 155 bytes and the name at most 100.
  for (let i = Math.min(p.length - 1, 155); i > 0; i--) {
    if (p[i] === SLASH && p.length - i - 1 <= 100 && p.length - i - 1 > 0) {
      header.fill(0, 0, 100);
      header.fill(0, 345, 500);
      p.copy(header, 345, 0, i);
      p.copy(header, 0, i + 1);
      return true;
    }
  }
  return false;
}

/** One pax record, `<len> <key>=<value>\n`. */
export function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

/** The header of a pax (`x`, global `g`) or GNU long-name/long-link (`L`/`K`) record of `size` bytes. */
export function metaHeader(flag: 'x' | 'g' | 'L' | 'K', size: number, gnu: boolean, mtime: number): Buffer {
  const pax = flag === 'x' || flag === 'g';
  const h = Buffer.alloc(BLOCK);
  h.write(pax ? 'PaxHeader' : '././@LongLink', 0, 'latin1');
  octal(h, pax ? 0o644 : 0, 100, 8);
  octal(h, 0, 108, 8);
  octal(h, 0, 116, 8);
  octal(h, size, 124, 12);
  octal(h, Math.max(0, Math.min(mtime, 0o77777777777)), 136, 12);
  h.write(flag, 156, 'latin1');
  if (gnu) h.write('ustar  \0', 257, 'latin1');
  else h.write('ustar\x0000', 257, 'latin1');
  writeChecksum(h);
  return h;
}

/**
 * The tar blocks of a folder entry `./<path>/` owned by root, mode 0755, as GNU tar creates a missing
 * parent folder when it extracts as root (umask 022); a GNU long-name record comes first when the
 * path does not fit the ustar fields. `overrideGlobal`: a pax global header is in effect where the
 * blocks go, and GNU tar would give its uid, gid or mtime to the made-up folder (the fuzzer found a
 * global `gid=7` on a folder a single tar creates as root's): an `x` header sets them back.
 */
export function folderHeader(path: string, mtimeSeconds: number, overrideGlobal = false): Buffer[] {
  // A byte string (latin1), as the splitter keys paths: the folder's name exactly as the archive has it.
  const name = Buffer.from(`./${path}/`, 'latin1');
  const h = Buffer.alloc(BLOCK);
  octal(h, 0o755, 100, 8);
  octal(h, 0, 108, 8);
  octal(h, 0, 116, 8);
  octal(h, 0, 124, 12);
  octal(h, mtimeSeconds, 136, 12);
  h.write('5', 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  const out: Buffer[] = [];
  if (overrideGlobal) {
    const owner = ['uid', 'gid'].map((k) => paxRecord(k, Buffer.from('0')));
    const names = ['uname', 'gname'].map((k) => paxRecord(k, Buffer.from('root')));
    const content = Buffer.concat([...owner, ...names, paxRecord('mtime', Buffer.from(String(mtimeSeconds)))]);
    out.push(metaHeader('x', content.length, false, mtimeSeconds), padBlock(content));
  }
  if (!fitUstar(h, name, true)) {
    const content = Buffer.concat([name, Buffer.alloc(1)]);
    out.push(metaHeader('L', content.length, true, mtimeSeconds), padBlock(content));
    setField(h, 0, 100, name);
  }
  writeChecksum(h);
  out.push(h);
  return out;
}
