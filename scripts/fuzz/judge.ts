// The verdict on one archive: our check against GNU tar's listing and extraction (and, when asked, the
// fast restore's splitter against GNU tar's single extraction).
import fs from 'node:fs/promises';
import path from 'node:path';
import { gnuExtract, gnuList, readTree, type GnuView, type ListedEntry } from './gnuTar';
import { ourView, type OurView } from './ourCheck';
import { splitterTree } from './splitterCheck';
import { treeMismatch } from './treeCheck';

export type FindingKind =
  | 'accepted-gnu-refuses' // we accept what GNU tar's listing fails on
  | 'listing-differs' // both accept, different entries
  | 'extraction-differs' // we accept (no problems), GNU tar extracts other entries than we saw
  | 'gnu-inconsistent' // we accept, GNU tar's own listing and extraction disagree
  | 'over-refusal' // we refuse what GNU tar lists and extracts alike, without a word
  | 'tree-differs' // GNU tar extracts something else than the entries we saw
  | 'splitter-differs'; // the splitter's outputs extract to another tree than the input

/**
 * Refusals by design, where GNU tar lists and extracts alike without a word (often because it never
 * gets to the part we refuse: a record it would only decode for a following entry, data after the
 * end). Each is a rule of tarParser.ts documented in the archive README: a backup must end with its
 * end-of-archive marker (a file cut at a block boundary would otherwise restore in part); only
 * ustar-magic tar or gzip is an archive; a global header may not rename or resize every entry;
 * malformed pax records, sparse records that make no valid sparse file, and header-only entries that
 * announce data are refused wherever they are, not only where GNU tar would complain.
 */
export const DESIGNED_REFUSALS = [
  /ends before its end-of-archive marker/,
  /empty input, not a tar archive/,
  /this is not a tar or gzip archive/,
  /the file is empty/,
  /a pax global header sets /,
  /malformed pax header/,
  /GNU\.sparse records|sparse format|star sparse file|is a sparse file with type flag|invalid sparse archive member|the sparse map of|malformed sparse map/,
  /whose size field says \d+ bytes of data follow/,
  /a lone zero block is followed by more data/,
  /corrupt tar header for |corrupt tar header \(bad size field\)/,
  /a [xXgLK] header of \d+ bytes/,
  // GNU tar lists uid 4294967295 but chown leaves the file the extracting user's.
  /means "no change" to chown/,
  // A multi-volume continuation (M) is refused whatever GNU tar makes of it alone: sometimes it fails,
  // sometimes it writes the piece as a file (fuzzer finding over-refusal-837370102-3568).
  /continues a file from another volume of a multi-volume archive/,
  // A path given again after a symlink: GNU tar's outcome hangs on inode reuse (fuzzer finding
  // tree-differs-4126810050-404), so it is refused even where this run's tar happened to agree.
  /is a symlink earlier in the archive/,
  // A folder with no entry inside a setgid folder: its mode hangs on tar's order of setting folder modes
  // (fuzzer finding splitter-differs-1798273188-27156).
  /a folder the archive has no entry for, inside a setgid folder/,
  // parallelGunzip.ts reads what gunzip reads: every member whole, junk after them an error.
  /the gzip data is damaged|the gzip data ends early/,
];

export interface Verdict {
  pass: boolean;
  kind: FindingKind | null;
  /** We refuse by design (DESIGNED_REFUSALS) what GNU tar takes quietly. */
  designed?: boolean;
  ours: OurView;
  list: GnuView;
  extract: GnuView | null;
  detail: string;
}

function norm(entries: ListedEntry[]): string[] {
  return entries.map(
    (e) => `${e.kind}${e.perms} ${e.uid}/${e.gid} ${e.kind === 'c' || e.kind === 'b' ? '*' : e.size} ${e.name}${e.link === null ? '' : ` -> ${e.link}`}`,
  );
}

function firstDifference(a: string[], b: string[], names = ['ours', 'gnu']): string {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `entry ${i}: ${names[0]} ${JSON.stringify(a[i] ?? null)} / ${names[1]} ${JSON.stringify(b[i] ?? null)}`;
  }
  return '';
}

export async function judge(file: string, work: string, opts: { splitter?: boolean } = {}): Promise<Verdict> {
  const into = path.join(work, 'x');
  await fs.rm(into, { recursive: true, force: true });
  const [ours, list, extract] = await Promise.all([ourView(file), gnuList(file), gnuExtract(file, into)]);
  const l = norm(list.entries);
  const x = norm(extract.entries);
  const v = (kind: FindingKind | null, detail = ''): Verdict => ({ pass: kind === null, kind, ours, list, extract, detail });
  try {
    if (!ours.ok) {
      // Refusing is right whenever GNU tar complains, fails, or its listing and extraction disagree.
      if (!list.ok || list.stderr.trim() !== '' || !extract.ok || extract.stderr.trim() !== '' || l.join('\n') !== x.join('\n')) return v(null);
      if (DESIGNED_REFUSALS.some((re) => re.test(ours.error))) return { ...v(null), designed: true };
      return v('over-refusal', ours.error);
    }
    const o = norm(ours.entries);
    if (!list.ok) return v('accepted-gnu-refuses', list.stderr.trim().split('\n').slice(-3).join(' | '));
    if (o.join('\n') !== l.join('\n')) return v('listing-differs', firstDifference(o, l));
    if (ours.problems.length > 0) return v(null); // the restore refuses it: nothing is extracted
    if (l.join('\n') !== x.join('\n')) return v('gnu-inconsistent', firstDifference(l, x, ['listing', 'extraction']));
    if (!extract.ok) return v(null); // GNU tar fails the restore, which rolls back: no disagreement on content
    const tree = await treeMismatch(into, ours.facts);
    if (tree) return v('tree-differs', tree);
    if (opts.splitter) {
      const single = await readTree(into);
      const split = await splitterTree(file, path.join(work, 's'));
      if (typeof split === 'string') return v('splitter-differs', split);
      const a = single.map((n) => JSON.stringify(n));
      const b = split.map((n) => JSON.stringify(n));
      if (a.join('\n') !== b.join('\n')) return v('splitter-differs', firstDifference(b, a, ['split', 'single']));
    }
    return v(null);
  } finally {
    await fs.rm(into, { recursive: true, force: true }).catch(() => undefined);
  }
}
