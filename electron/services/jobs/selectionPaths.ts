import { AppError } from '../../../shared/contract/errors';
import { editDistance } from '../core/editDistance';

/**
 * Paths of a selective restore. Keys are byte strings (latin1, one character a byte) as the fast
 * engine's splitter keys them, so names that are not UTF-8 compare exactly; `a/b`, no `./`, no slashes
 * at either end, '' for the volume (or archive) root.
 */
export function keyOfBytes(b: Buffer): string {
  return b
    .toString('latin1')
    .split('/')
    .filter((c) => c !== '' && c !== '.')
    .join('/');
}

export function keyOfText(p: string): string {
  return keyOfBytes(Buffer.from(p, 'utf8'));
}

/** A key as a person reads it. */
export function shown(key: string): string {
  return Buffer.from(key, 'latin1').toString('utf8');
}

export function parentKey(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash < 0 ? '' : key.slice(0, slash);
}

export function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

export function joinKey(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}/${b}`;
}

/** `a/b/c` → ['a', 'a/b'] (the root '' not included). */
export function ancestorKeys(key: string): string[] {
  const out: string[] = [];
  for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) out.push(key.slice(0, i));
  return out;
}

export function isUnder(key: string, root: string): boolean {
  return root === '' || key === root || key.startsWith(`${root}/`);
}

/**
 * A path the user typed (`--only`, `--into`), relative to the archive's or the volume's root with or
 * without `./` or `/`, as a key. `..` is refused: nothing outside the volume may be written, and a
 * path that climbs out of the archive names nothing in it.
 */
export function selectionKey(raw: string, what: 'only' | 'into'): string {
  const parts = raw.split(/\/+/);
  if (parts.includes('..')) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `"${raw}" contains "..": ${what === 'into' ? 'the folder to restore into' : 'a chosen path'} must stay inside the volume.`,
      {
        hint: 'Give paths relative to the top of the archive (or the volume), e.g. notebooks/a.ipynb.',
      },
    );
  }
  if (raw.includes('\0')) throw new AppError('INVALID_ARGUMENT', `"${raw.replace(/\0/g, '\\0')}" contains a NUL character.`);
  const key = keyOfText(raw);
  if (key === '' && what === 'only') {
    throw new AppError('INVALID_ARGUMENT', `"${raw}" is the whole archive, not a chosen file or folder.`, {
      hint: 'To restore everything, restore without --only (merge or replace).',
    });
  }
  return key;
}

/** The chosen roots: normalised, without duplicates, and without paths inside another chosen folder. */
export function chosenRoots(only: readonly string[]): string[] {
  const keys = [...new Set(only.map((p) => selectionKey(p, 'only')))].sort();
  const roots: string[] = [];
  for (const k of keys) if (!roots.some((r) => isUnder(k, r))) roots.push(k);
  return roots;
}

/**
 * Up to `max` archive paths a person may have meant: the same name elsewhere first, then paths within a
 * few edits (case and typos), then paths that start alike.
 */
export function nearNames(wanted: string, candidates: Iterable<string>, max = 3): string[] {
  const base = baseName(wanted).toLowerCase();
  const lower = wanted.toLowerCase();
  const limit = Math.max(2, Math.floor(wanted.length / 4));
  const scored: Array<{ key: string; score: number }> = [];
  for (const c of candidates) {
    const cl = c.toLowerCase();
    let score: number;
    if (cl === lower) score = 0;
    else if (baseName(c).toLowerCase() === base) score = 1;
    else {
      const d = editDistance(lower, cl, limit);
      if (d <= limit) score = 2 + d;
      else if (cl.startsWith(lower) || lower.startsWith(cl)) score = 100;
      else continue;
    }
    scored.push({ key: c, score });
  }
  scored.sort((x, y) => x.score - y.score || x.key.length - y.key.length || (x.key < y.key ? -1 : 1));
  return scored.slice(0, max).map((s) => s.key);
}
