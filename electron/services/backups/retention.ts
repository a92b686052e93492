import type { RetentionDecision, RetentionPolicy } from '../../../shared/contract/backups';

/**
 * Which backups to keep, decided as restic's `forget` decides (internal/restic/snapshot_policy.go,
 * ApplyPolicy), plus the rules that make deleting safe for files this app did not necessarily write.
 * Pure: no file system, no clock; the caller lists the folder and deletes.
 */

export interface RetentionCandidate {
  file: string;
  /** When the backup was made (its sidecar's createdAt), epoch ms; null for a file that is not ours. */
  createdAt: number | null;
  /** Null when this is a backup this app wrote for the volume in question; else why it is not (it is then never deleted). */
  notOurs: string | null;
  /** The sidecar was written after the backup verified, and still describes the file. */
  verified: boolean;
}

export interface RetentionOptions {
  /** The run that made the newest backup failed: nothing is deleted. */
  runFailed?: boolean;
  /** Count days, weeks and months in UTC rather than the machine's local time (tests, servers). */
  utc?: boolean;
}

type RuleName = 'keep-last' | 'keep-daily' | 'keep-weekly' | 'keep-monthly';

interface Calendar {
  year: number;
  month: number; // 1..12
  day: number;
  weekday: number; // 0 = Sunday
}

function calendar(ms: number, utc: boolean): Calendar {
  const d = new Date(ms);
  return utc
    ? { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), weekday: d.getUTCDay() }
    : { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), weekday: d.getDay() };
}

/** ISO 8601 week as restic numbers it (Go's time.ISOWeek): year * 100 + week, weeks starting on Monday. */
export function isoWeekKey(ms: number, utc = false): number {
  const c = calendar(ms, utc);
  // The Thursday of this week decides the ISO year and week; plain UTC arithmetic on the calendar date.
  const date = Date.UTC(c.year, c.month - 1, c.day);
  const mondayBased = (c.weekday + 6) % 7;
  const thursday = new Date(date + (3 - mondayBased) * 86_400_000);
  const isoYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / (7 * 86_400_000)) + 1;
  return isoYear * 100 + week;
}

function bucketKey(rule: RuleName, ms: number, nr: number, utc: boolean): number {
  const c = calendar(ms, utc);
  switch (rule) {
    case 'keep-last':
      return nr; // every backup is its own bucket
    case 'keep-daily':
      return c.year * 10_000 + c.month * 100 + c.day;
    case 'keep-weekly':
      return isoWeekKey(ms, utc);
    case 'keep-monthly':
      return c.year * 100 + c.month;
  }
}

const RULES: Array<{ rule: RuleName; count: (p: RetentionPolicy) => number }> = [
  { rule: 'keep-last', count: (p) => p.keepLast },
  { rule: 'keep-daily', count: (p) => p.keepDaily },
  { rule: 'keep-weekly', count: (p) => p.keepWeekly },
  { rule: 'keep-monthly', count: (p) => p.keepMonthly },
];

export function policyIsEmpty(p: RetentionPolicy): boolean {
  return RULES.every((r) => r.count(p) <= 0);
}

/** "keep-last 3, keep-daily 7" (the rules that are set), or "no rule". */
export function describePolicy(p: RetentionPolicy): string {
  const set = RULES.filter((r) => r.count(p) > 0).map((r) => `${r.rule} ${r.count(p)}`);
  return set.length > 0 ? set.join(', ') : 'no rule';
}

/**
 * One decision per candidate, newest first. Our backups go through restic's buckets: newest first,
 * each rule keeps a backup whose bucket (the backup itself, its day, ISO week or month) differs from
 * the last bucket that rule kept, until its count is used up; and, as restic ≥ 0.17 does, the oldest
 * backup when a rule still has counts left (the longest history the counts allow). A backup kept by
 * any rule is kept, with every reason. On top: a file that is not ours is kept, the newest verified
 * backup is kept whatever the rules say, a failed run or an empty policy deletes nothing.
 */
export function applyRetention(candidates: RetentionCandidate[], policy: RetentionPolicy, opts: RetentionOptions = {}): RetentionDecision[] {
  const utc = opts.utc === true;
  const ours = candidates
    .filter((c): c is RetentionCandidate & { createdAt: number } => c.notOurs === null && c.createdAt !== null)
    // Newest first; equal times keep the order given (restic's sort.Stable), then the name decides.
    .sort((a, b) => b.createdAt - a.createdAt || (a.file < b.file ? 1 : a.file > b.file ? -1 : 0));
  const foreign = candidates.filter((c) => c.notOurs !== null || c.createdAt === null);
  const decisions: RetentionDecision[] = [];

  const newestVerified = ours.find((c) => c.verified)?.file ?? null;
  const blanket = opts.runFailed ? 'the run failed: nothing is deleted' : policyIsEmpty(policy) ? 'no keep rule given: nothing is deleted' : null;

  const state = RULES.map((r) => ({
    rule: r.rule,
    total: Math.max(0, Math.floor(r.count(policy))),
    left: Math.max(0, Math.floor(r.count(policy))),
    last: Number.NaN,
  }));
  ours.forEach((c, nr) => {
    const reasons: string[] = [];
    for (const s of state) {
      if (s.left <= 0) continue;
      const key = bucketKey(s.rule, c.createdAt, nr, utc);
      const oldest = nr === ours.length - 1;
      if (key !== s.last || oldest) {
        const n = s.total - s.left + 1;
        reasons.push(key !== s.last ? `${s.rule} ${n} of ${s.total}` : `${s.rule} ${n} of ${s.total} (the oldest, while the rule has room)`);
        s.last = key;
        s.left--;
      }
    }
    if (c.file === newestVerified) reasons.unshift('newest verified backup');
    if (reasons.length === 0 && blanket) reasons.push(blanket);
    decisions.push({
      file: c.file,
      createdAt: c.createdAt,
      action: reasons.length > 0 ? 'keep' : 'delete',
      reasons: reasons.length > 0 ? reasons : ['no rule keeps it'],
    });
  });
  for (const c of foreign) {
    decisions.push({ file: c.file, createdAt: c.createdAt, action: 'keep', reasons: [c.notOurs ?? 'its time is unknown'] });
  }
  return decisions;
}
