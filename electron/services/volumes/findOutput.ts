import type { VolumeFileEntry, VolumeFileType } from '../../../shared/contract/volumes';

/**
 * GNU find's -printf format for one folder: depth, type, size, mode, uid, gid, mtime, link target and
 * name, each ended by NUL. Only the link target and the name can hold arbitrary bytes, and neither can
 * hold NUL, so splitting on NUL is exact whatever the file names contain (tabs, newlines, quotes).
 */
export const FIND_FORMAT = '%d\\0%y\\0%s\\0%m\\0%U\\0%G\\0%T@\\0%l\\0%P\\0';
const FIELDS = 9;

export interface FindRecord extends VolumeFileEntry {
  depth: number;
}

function fileType(y: string): VolumeFileType {
  if (y === 'f') return 'file';
  if (y === 'd') return 'dir';
  if (y === 'l') return 'symlink';
  return 'other';
}

const TYPE_CHAR: Record<string, string> = { f: '-', d: 'd', l: 'l', b: 'b', c: 'c', p: 'p', s: 's' };

/** "rwsr-xr-x": the nine permission characters of ls, with setuid, setgid and sticky bits. */
export function permissionBits(m: number): string {
  const bit = (mask: number, c: string) => (m & mask ? c : '-');
  const exec = (x: number, special: number, on: string, off: string) => (m & special ? (m & x ? on : off) : m & x ? 'x' : '-');
  return (
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    exec(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    exec(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    exec(0o001, 0o1000, 't', 'T')
  );
}

/** "drwx------" from find's type letter and octal mode. */
export function permissionString(y: string, octal: string): string {
  return (TYPE_CHAR[y] ?? '?') + permissionBits(Number.parseInt(octal, 8) || 0);
}

/** Parses find's NUL-separated output; an incomplete last record (output cut short) is dropped. */
export function parseFindOutput(out: Buffer): FindRecord[] {
  const fields = out.toString('utf8').split('\0');
  // Every field ends with NUL, so the last element is what followed the last NUL: a cut-off field or "".
  const complete = Math.floor((fields.length - 1) / FIELDS);
  const records: FindRecord[] = [];
  for (let r = 0; r < complete; r++) {
    const i = r * FIELDS;
    const [depth, y, size, mode, uid, gid, mtime, link, name] = fields.slice(i, i + FIELDS) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const seconds = Number.parseFloat(mtime);
    records.push({
      depth: Number.parseInt(depth, 10),
      name,
      type: fileType(y),
      size: Number.parseInt(size, 10) || 0,
      mode: mode.padStart(3, '0'),
      permissions: permissionString(y, mode),
      uid: Number.parseInt(uid, 10),
      gid: Number.parseInt(gid, 10),
      modifiedAt: Number.isFinite(seconds) ? new Date(Math.round(seconds * 1000)).toISOString() : new Date(0).toISOString(),
      linkTarget: y === 'l' ? link : null,
    });
  }
  return records;
}
