const BLOCK = 512;

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as GNU tar writes them.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function rawHeader(fields: { name: Buffer; prefix?: Buffer; mode: number; size: number; mtime: number; type: string }): Buffer {
  const h = Buffer.alloc(BLOCK);
  fields.name.copy(h, 0, 0, Math.min(100, fields.name.length));
  h.write(octal(fields.mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1'); // uid
  h.write(octal(0, 8), 116, 'latin1'); // gid
  h.write(octal(fields.size, 12), 124, 'latin1');
  h.write(octal(fields.mtime, 12), 136, 'latin1');
  h.write(' '.repeat(8), 148, 'latin1');
  h.write(fields.type, 156, 'latin1');
  h.write('ustar\x0000', 257, 'latin1');
  if (fields.prefix) fields.prefix.copy(h, 345, 0, Math.min(155, fields.prefix.length));
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** `a/b/c` (≤ 255 bytes) as ustar's prefix + name, split at a slash; null when it does not fit. */
function splitUstar(name: Buffer): { prefix: Buffer; name: Buffer } | null {
  if (name.length <= 100) return { prefix: Buffer.alloc(0), name };
  for (let i = Math.max(0, name.length - 101); i < Math.min(name.length, 156); i++) {
    if (name[i] === 0x2f && name.length - i - 1 <= 100 && i > 0 && i < name.length - 1) return { prefix: name.subarray(0, i), name: name.subarray(i + 1) };
  }
  return null;
}

/**
 * The tar blocks of a folder entry `./<path>/` owned by root, mode 0755, as GNU tar creates a missing
 * parent folder when it extracts as root (umask 022); a GNU long-name record comes first when the
 * path does not fit the ustar fields.
 */
export function folderHeader(path: string, mtimeSeconds: number): Buffer[] {
  const name = Buffer.from(`./${path}/`, 'utf8');
  const split = splitUstar(name);
  if (split) return [rawHeader({ name: split.name, prefix: split.prefix, mode: 0o755, size: 0, mtime: mtimeSeconds, type: '5' })];
  const content = Buffer.alloc(Math.ceil((name.length + 1) / BLOCK) * BLOCK);
  name.copy(content);
  const longName = rawHeader({ name: Buffer.from('././@LongLink'), mode: 0o644, size: name.length + 1, mtime: 0, type: 'L' });
  return [longName, content, rawHeader({ name: name.subarray(0, 100), mode: 0o755, size: 0, mtime: mtimeSeconds, type: '5' })];
}
