// What GNU tar really extracted, against what our check saw: for the last entry of every path, the
// node on disk must be of the entry's type, with its size (not for sparse files, whose extracted size
// GNU tar takes from the map, not from the size it lists), mode and owner.
import fs from 'node:fs/promises';
import type { EntryFacts } from './ourCheck';

const SLASH = 0x2f;

/** `./a//b/` → `a/b` as bytes: the path GNU tar writes (components `.` and empty dropped). */
function key(p: Buffer): string {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i <= p.length; i++) {
    if (i === p.length || p[i] === SLASH) {
      const c = p.subarray(start, i).toString('latin1');
      if (c !== '' && c !== '.') parts.push(c);
      start = i + 1;
    }
  }
  return parts.join('/');
}

const KIND: Record<string, (s: import('node:fs').Stats) => boolean> = {
  file: (s) => s.isFile(),
  directory: (s) => s.isDirectory(),
  symlink: (s) => s.isSymbolicLink(),
  fifo: (s) => s.isFIFO(),
  'character-device': (s) => s.isCharacterDevice(),
  'block-device': (s) => s.isBlockDevice(),
};

/** The first disagreement between our entries and the extracted tree under `root`, or null. */
export async function treeMismatch(root: string, facts: EntryFacts[]): Promise<string | null> {
  const last = new Map<string, EntryFacts>();
  for (const f of facts) {
    const k = key(f.path);
    last.delete(k);
    last.set(k, f);
  }
  for (const [k, f] of last) {
    const abs = Buffer.concat([Buffer.from(`${root}/`), Buffer.from(k, 'latin1')]);
    const shown = JSON.stringify(Buffer.from(k, 'latin1').toString('utf8'));
    let st: import('node:fs').Stats;
    try {
      st = await fs.lstat(abs);
    } catch {
      return `${shown} (${f.type}) is not on disk`;
    }
    if (f.type === 'hardlink') continue;
    const is = KIND[f.type];
    if (is && !is(st)) return `${shown} is a ${f.type} to us, not on disk`;
    if (f.type === 'file' && !f.sparse && st.size !== f.size) return `${shown} has ${st.size} bytes on disk, ${f.size} to us`;
    if (f.type === 'symlink' && f.link && !Buffer.from(await fs.readlink(abs, { encoding: 'buffer' })).equals(f.link))
      return `${shown} points elsewhere on disk`;
    if (f.type !== 'symlink' && (st.mode & 0o7777) !== f.mode)
      return `${shown} has mode ${(st.mode & 0o7777).toString(8)} on disk, ${f.mode.toString(8)} to us`;
    if (st.uid !== f.uid || st.gid !== f.gid) return `${shown} is owned by ${st.uid}/${st.gid} on disk, ${f.uid}/${f.gid} to us`;
  }
  return null;
}
