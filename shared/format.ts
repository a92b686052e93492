// Text formatting shared by the CLI and the renderer. Pure functions only: no Node, no DOM.

/**
 * The one byte formatter (CLI and renderer): decimal units as `docker system df` prints them ("kB", not
 * "KB"), one decimal below 10 ("2.4 MB", "15 MB"), whole bytes. `unknown` stands for a size nobody knows
 * yet (null or undefined).
 */
export function formatBytes(n: number | null | undefined, unknown = '—'): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return unknown;
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  // 999.6 kB rounds to "1000 kB": the next unit up instead.
  while (Math.round(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 9.95 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** "1,234" (en-US grouping, the same in the CLI and the app); `unknown` for null. */
export function formatCount(n: number | null | undefined, unknown = '—'): string {
  return n === null || n === undefined ? unknown : n.toLocaleString('en-US');
}

/** "1 file", "2 files", "1,234 entries": a count and its noun, singular when it is one. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** "3 files, 2 folders, 1 symlink" (hard links only when there are some): what an archive holds. */
export function archiveParts(a: { fileCount: number; dirCount: number; symlinkCount: number; hardlinkCount: number }): string {
  const parts = [plural(a.fileCount, 'file'), plural(a.dirCount, 'folder'), plural(a.symlinkCount, 'symlink')];
  if (a.hardlinkCount > 0) parts.push(plural(a.hardlinkCount, 'hard link'));
  return parts.join(', ');
}

/** "m:ss" or "h:mm:ss", for elapsed times and ETAs. */
export function formatDuration(ms: number | null | undefined, unknown = '—'): string {
  if (ms === null || ms === undefined) return unknown;
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/**
 * An error's hint without the sentences its message already says ("Nothing was changed." in both), so
 * that the UI and the CLI say each thing once; undefined when nothing is left.
 */
export function hintBeyond(message: string, hint: string | undefined): string | undefined {
  if (!hint) return undefined;
  const said = new Set(sentences(message));
  const rest = sentences(hint).filter((s) => !said.has(s));
  return rest.length > 0 ? rest.join(' ') : undefined;
}

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Suffixes for each unit of an uptime: a table column wants "3h 7m", a sentence "3 h 7 min". */
export interface UptimeUnits {
  s: string;
  m: string;
  h: string;
  d: string;
}

export const UPTIME_UNITS_SPACED: UptimeUnits = { s: ' s', m: ' min', h: ' h', d: ' d' };
export const UPTIME_UNITS_COMPACT: UptimeUnits = { s: 's', m: 'm', h: 'h', d: 'd' };

/** How long since `startedAt`, in at most two units ("42 s", "3 h 7 min", "2 d 2 h"). */
export function formatUptime(startedAt: string | null, now: number, units: UptimeUnits = UPTIME_UNITS_SPACED): string {
  if (!startedAt) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(startedAt)) / 1000));
  if (s < 60) return `${s}${units.s}`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}${units.m}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}${units.h} ${m % 60}${units.m}`;
  return `${Math.floor(h / 24)}${units.d} ${h % 24}${units.h}`;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2024-05-01 14:03" in local time, for tables and scripts; the engine's own text when it is not a date. */
export function formatTimestamp(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Date and time the way the user's locale writes them, for reading. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : dateFormat.format(t);
}

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

/** "3 days ago", for scanning a column; the exact date goes in a tooltip. */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const s = Math.round((t - now) / 1000);
  const abs = Math.abs(s);
  if (abs < 60) return relative.format(s, 'second');
  if (abs < 3600) return relative.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(s / 3600), 'hour');
  if (abs < 86400 * 30) return relative.format(Math.round(s / 86400), 'day');
  if (abs < 86400 * 365) return relative.format(Math.round(s / (86400 * 30)), 'month');
  return relative.format(Math.round(s / (86400 * 365)), 'year');
}
