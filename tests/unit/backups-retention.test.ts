import { describe, expect, it } from 'vitest';
import { applyRetention, describePolicy, isoWeekKey, type RetentionCandidate } from '../../electron/services/backups/retention';
import type { RetentionPolicy } from '../../shared/contract/backups';

const policy = (p: Partial<RetentionPolicy>): RetentionPolicy => ({ keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, ...p });
const at = (iso: string) => Date.parse(iso);
const ours = (iso: string, verified = true): RetentionCandidate => ({ file: `/b/v-${iso}.tgz`, createdAt: at(iso), notOurs: null, verified });

function kept(cands: RetentionCandidate[], p: Partial<RetentionPolicy>, opts = {}): string[] {
  return applyRetention(cands, policy(p), { utc: true, ...opts })
    .filter((d) => d.action === 'keep' && d.createdAt !== null)
    .map((d) => new Date(d.createdAt as number).toISOString().slice(0, 16));
}

describe('isoWeekKey', () => {
  it('numbers weeks as ISO 8601 (Go time.ISOWeek), across year ends', () => {
    expect(isoWeekKey(at('2026-12-31T12:00:00Z'), true)).toBe(202653); // a Thursday
    expect(isoWeekKey(at('2027-01-03T12:00:00Z'), true)).toBe(202653); // Sunday, same week
    expect(isoWeekKey(at('2027-01-04T00:00:00Z'), true)).toBe(202701); // Monday starts week 1
    expect(isoWeekKey(at('2024-12-30T08:00:00Z'), true)).toBe(202501); // Monday of 2025's week 1
    expect(isoWeekKey(at('2021-01-03T08:00:00Z'), true)).toBe(202053);
    expect(isoWeekKey(at('2026-12-06T23:59:59Z'), true)).toBe(202649); // Sunday ends the week …
    expect(isoWeekKey(at('2026-12-07T00:00:00Z'), true)).toBe(202650); // … Monday begins the next
  });
});

describe('applyRetention (restic forget semantics)', () => {
  // Hourly backups over four days: 5 Dec 00:00 … 8 Dec 23:00, newest last.
  const hourly: RetentionCandidate[] = [];
  for (let d = 5; d <= 8; d++) for (let h = 0; h < 24; h++) hourly.push(ours(`2026-12-0${d}T${String(h).padStart(2, '0')}:00:00.000Z`));

  it('keep-last N keeps the N newest', () => {
    expect(kept(hourly, { keepLast: 3 })).toEqual(['2026-12-08T23:00', '2026-12-08T22:00', '2026-12-08T21:00']);
  });

  it('keep-daily N keeps the newest of each of the N most recent days', () => {
    expect(kept(hourly, { keepDaily: 3 })).toEqual(['2026-12-08T23:00', '2026-12-07T23:00', '2026-12-06T23:00']);
  });

  it('keeps the oldest backup too while a rule still has counts left (restic ≥ 0.17)', () => {
    const two = hourly.filter((c) => (c.createdAt as number) >= at('2026-12-07T00:00:00Z'));
    const decisions = applyRetention(two, policy({ keepDaily: 5 }), { utc: true });
    const keptOnes = decisions.filter((d) => d.action === 'keep');
    expect(keptOnes.map((d) => new Date(d.createdAt as number).toISOString().slice(0, 16))).toEqual([
      '2026-12-08T23:00',
      '2026-12-07T23:00',
      '2026-12-07T00:00',
    ]);
    expect(keptOnes[2]?.reasons).toEqual(['keep-daily 3 of 5 (the oldest, while the rule has room)']);
  });

  it('keep-weekly counts ISO weeks (Monday to Sunday) and keep-monthly calendar months', () => {
    const days = ['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-06', '2026-12-07', '2026-12-13', '2026-12-14'].map((d) => ours(`${d}T10:00:00.000Z`));
    // Weeks: 48 (29 Nov, a Sunday), 49 (30 Nov – 6 Dec), 50 (7–13 Dec), 51 (14 Dec).
    expect(kept(days, { keepWeekly: 3 })).toEqual(['2026-12-14T10:00', '2026-12-13T10:00', '2026-12-06T10:00']);
    expect(kept(days, { keepMonthly: 1 })).toEqual(['2026-12-14T10:00']);
    expect(kept(days, { keepMonthly: 2 })).toEqual(['2026-12-14T10:00', '2026-11-30T10:00']);
  });

  it('a backup kept by any rule is kept, with every reason and counter', () => {
    const decisions = applyRetention(hourly, policy({ keepLast: 2, keepDaily: 2, keepMonthly: 1 }), { utc: true });
    const byTime = (iso: string) => decisions.find((d) => d.createdAt === at(iso));
    expect(byTime('2026-12-08T23:00:00.000Z')?.reasons).toEqual(['newest verified backup', 'keep-last 1 of 2', 'keep-daily 1 of 2', 'keep-monthly 1 of 1']);
    expect(byTime('2026-12-08T22:00:00.000Z')?.reasons).toEqual(['keep-last 2 of 2']);
    expect(byTime('2026-12-07T23:00:00.000Z')?.reasons).toEqual(['keep-daily 2 of 2']);
    expect(byTime('2026-12-07T22:00:00.000Z')).toMatchObject({ action: 'delete', reasons: ['no rule keeps it'] });
    expect(decisions.filter((d) => d.action === 'keep')).toHaveLength(3);
    expect(decisions).toHaveLength(hourly.length);
  });

  it('orders the input itself: newest first whatever order the folder listed', () => {
    const shuffled = [...hourly].reverse();
    expect(kept(shuffled, { keepLast: 2 })).toEqual(['2026-12-08T23:00', '2026-12-08T22:00']);
  });

  it('never deletes a file that is not ours, whatever the rules', () => {
    const foreign: RetentionCandidate = { file: '/b/v-old.tgz', createdAt: null, notOurs: 'not ours: no sidecar', verified: false };
    const changed: RetentionCandidate = {
      file: '/b/v-x.tgz',
      createdAt: at('2026-01-01T00:00:00Z'),
      notOurs: 'not ours: its size differs from its sidecar',
      verified: false,
    };
    const decisions = applyRetention([...hourly, foreign, changed], policy({ keepLast: 1 }), { utc: true });
    expect(decisions.find((d) => d.file === foreign.file)).toMatchObject({ action: 'keep', reasons: ['not ours: no sidecar'] });
    expect(decisions.find((d) => d.file === changed.file)).toMatchObject({ action: 'keep', reasons: ['not ours: its size differs from its sidecar'] });
    expect(decisions.filter((d) => d.action === 'delete')).toHaveLength(hourly.length - 1);
  });

  it('keeps the newest verified backup even when the rules keep only a newer unverified one', () => {
    const list = [ours('2026-12-08T10:00:00.000Z', false), ours('2026-12-08T09:00:00.000Z', true), ours('2026-12-08T08:00:00.000Z', true)];
    const decisions = applyRetention(list, policy({ keepLast: 1 }), { utc: true });
    expect(decisions.map((d) => [d.action, d.reasons[0]])).toEqual([
      ['keep', 'keep-last 1 of 1'],
      ['keep', 'newest verified backup'],
      ['delete', 'no rule keeps it'],
    ]);
  });

  it('deletes nothing when the run failed or no rule is given', () => {
    const failed = applyRetention(hourly, policy({ keepLast: 1 }), { utc: true, runFailed: true });
    expect(failed.every((d) => d.action === 'keep')).toBe(true);
    expect(failed[5]?.reasons).toEqual(['the run failed: nothing is deleted']);
    const empty = applyRetention(hourly, policy({}), { utc: true });
    expect(empty.every((d) => d.action === 'keep')).toBe(true);
    expect(empty[5]?.reasons).toEqual(['no keep rule given: nothing is deleted']);
  });

  it('counts days in local time unless told UTC', () => {
    const prev = process.env.TZ;
    process.env.TZ = 'Pacific/Auckland'; // UTC+13 in December
    try {
      // 11:30, 10:30 and 09:30 UTC on 8 Dec are 00:30 on 9 Dec, 23:30 and 22:30 on 8 Dec in Auckland.
      const list = [ours('2026-12-08T11:30:00.000Z'), ours('2026-12-08T10:30:00.000Z'), ours('2026-12-08T09:30:00.000Z')];
      // UTC: one day; the newest, then the oldest while the rule has room.
      expect(applyRetention(list, policy({ keepDaily: 2 }), { utc: true }).map((d) => d.action)).toEqual(['keep', 'delete', 'keep']);
      // Local: two days, each one's newest.
      expect(applyRetention(list, policy({ keepDaily: 2 }), {}).map((d) => d.action)).toEqual(['keep', 'keep', 'delete']);
    } finally {
      if (prev === undefined) delete process.env.TZ;
      else process.env.TZ = prev;
    }
  });

  it('describes a policy in the CLI words', () => {
    expect(describePolicy(policy({ keepLast: 3, keepWeekly: 4 }))).toBe('keep-last 3, keep-weekly 4');
    expect(describePolicy(policy({}))).toBe('no rule');
  });
});
