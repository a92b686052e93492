import type { VolumeSize, VolumeSummary } from '../../../../shared/contract/volumes';

export type VolumeFilter = 'all' | 'in-use' | 'unused' | 'anonymous';
export type SortKey = 'name' | 'created' | 'size';
export interface SortOrder {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export const FILTERS: Array<{ id: VolumeFilter; label: string }> = [
  { id: 'all', label: 'All' },
  { id: 'in-use', label: 'In use' },
  { id: 'unused', label: 'Unused' },
  { id: 'anonymous', label: 'Anonymous' },
];

export function matchesFilter(v: VolumeSummary, f: VolumeFilter): boolean {
  switch (f) {
    case 'in-use':
      return v.containers.length > 0;
    case 'unused':
      return v.containers.length === 0;
    case 'anonymous':
      return v.anonymous;
    default:
      return true;
  }
}

/** Lower-cased text a search runs against: name, labels as k=v, the Compose pair. Built once per list. */
function searchText(v: VolumeSummary): string {
  const parts = [v.name];
  for (const [k, val] of Object.entries(v.labels)) parts.push(val === '' ? k : `${k}=${val}`);
  if (v.compose) parts.push(`${v.compose.project} / ${v.compose.volume}`);
  return parts.join('\n').toLowerCase();
}

const textCache = new WeakMap<VolumeSummary, string>();
function cachedText(v: VolumeSummary): string {
  let t = textCache.get(v);
  if (t === undefined) {
    t = searchText(v);
    textCache.set(v, t);
  }
  return t;
}

/** Every whitespace-separated term must appear in the name or a label ("proj env=dev"). */
export function matchesQuery(v: VolumeSummary, query: string): boolean {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const text = cachedText(v);
  return terms.every((t) => text.includes(t));
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function sizeOf(v: VolumeSummary, sizes: Record<string, VolumeSize>): number | null {
  return sizes[v.name]?.size ?? v.size?.size ?? null;
}

/** Filter, search and sort. Unknown sizes and dates sort last whatever the direction. */
export function visibleVolumes(
  volumes: VolumeSummary[],
  opts: { query: string; filter: VolumeFilter; sort: SortOrder; sizes: Record<string, VolumeSize> },
): VolumeSummary[] {
  const list = volumes.filter((v) => matchesFilter(v, opts.filter) && matchesQuery(v, opts.query));
  const sign = opts.sort.dir === 'asc' ? 1 : -1;
  const byName = (a: VolumeSummary, b: VolumeSummary) => collator.compare(a.name, b.name);
  if (opts.sort.key === 'name') return list.sort((a, b) => sign * byName(a, b));
  const value = (v: VolumeSummary): number | null => {
    if (opts.sort.key === 'size') return sizeOf(v, opts.sizes);
    const t = v.createdAt ? Date.parse(v.createdAt) : Number.NaN;
    return Number.isNaN(t) ? null : t;
  };
  const keyed = list.map((v) => ({ v, k: value(v) }));
  keyed.sort((a, b) => {
    if (a.k === null && b.k === null) return byName(a.v, b.v);
    if (a.k === null) return 1;
    if (b.k === null) return -1;
    return sign * (a.k - b.k) || byName(a.v, b.v);
  });
  return keyed.map((x) => x.v);
}

export function countByFilter(volumes: VolumeSummary[]): Record<VolumeFilter, number> {
  const counts: Record<VolumeFilter, number> = { all: volumes.length, 'in-use': 0, unused: 0, anonymous: 0 };
  for (const v of volumes) {
    if (v.containers.length > 0) counts['in-use']++;
    else counts.unused++;
    if (v.anonymous) counts.anonymous++;
  }
  return counts;
}

/** Unused anonymous volumes: what "Clean up" offers to remove. */
export function cleanupCandidates(volumes: VolumeSummary[]): VolumeSummary[] {
  return volumes.filter((v) => v.anonymous && v.containers.length === 0);
}

/** Compose's own labels are shown as the project / volume pair, not repeated as labels. */
export function displayLabels(v: VolumeSummary): Array<[string, string]> {
  return Object.entries(v.labels).filter(([k]) => !(v.compose && (k === 'com.docker.compose.project' || k === 'com.docker.compose.volume')));
}

/** "7a1368…a717" for a 64-hex name in tight places; the full name stays in titles and details. */
export function shortName(v: VolumeSummary): string {
  return v.anonymous && v.name.length === 64 ? `${v.name.slice(0, 12)}…${v.name.slice(-4)}` : v.name;
}

/**
 * The Remove dialog's first sentence: what will happen with the choices as they stand. Only the
 * volumes that will go are said to be deleted; one kept because a container still holds it is said to
 * be kept, never "every file will be deleted" beside it.
 */
export function removalSentence(removable: string[], kept: string[]): string | null {
  const quoted = (names: string[]) => names.map((n) => `“${n}”`).join(', ');
  if (removable.length === 0) {
    if (kept.length === 0) return null;
    return `Nothing is deleted while ${kept.length === 1 ? `${quoted(kept)} is` : `${quoted(kept)} are`} in use.`;
  }
  const what = removable.length === 1 ? `Volume ${quoted(removable)} and every file in it` : `The volumes ${quoted(removable)} and every file in them`;
  const keptText = kept.length === 0 ? '' : ` ${quoted(kept)} ${kept.length === 1 ? 'is' : 'are'} kept: still in use.`;
  return `${what} will be deleted.${keptText} This cannot be undone; back up first if you may need the files.`;
}
