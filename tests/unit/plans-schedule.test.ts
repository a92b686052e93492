import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  allowedAge,
  describeSchedule,
  nextSlot,
  planHealth,
  planTiming,
  previousSlot,
  RETRY_AFTER_FAILURE_MS,
  RETRY_AFTER_SKIP_MS,
} from '../../electron/services/plans/schedule';
import type { PlanSchedule } from '../../shared/contract/plans';

const prevTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'UTC';
});
afterAll(() => {
  if (prevTz === undefined) delete process.env.TZ;
  else process.env.TZ = prevTz;
});

const t = (iso: string) => Date.parse(`${iso}Z`);
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 16);
const daily: PlanSchedule = { every: 'day', at: '02:00' };
const weekly: PlanSchedule = { every: 'week', day: 0, at: '03:30' }; // Sundays
const sixHours: PlanSchedule = { every: 'hours', hours: 6 };

describe('slots', () => {
  it('finds the latest and the next slot of a daily and a weekly schedule', () => {
    expect(iso(previousSlot(daily, t('2026-12-05T01:59:59')))).toBe('2026-12-04T02:00');
    expect(iso(previousSlot(daily, t('2026-12-05T02:00:00')))).toBe('2026-12-05T02:00');
    expect(iso(nextSlot(daily, t('2026-12-05T02:00:00')))).toBe('2026-12-06T02:00');
    // 5 Dec 2026 is a Saturday.
    expect(iso(previousSlot(weekly, t('2026-12-05T12:00:00')))).toBe('2026-11-29T03:30');
    expect(iso(previousSlot(weekly, t('2026-12-06T03:29:00')))).toBe('2026-11-29T03:30');
    expect(iso(previousSlot(weekly, t('2026-12-06T03:30:00')))).toBe('2026-12-06T03:30');
    expect(iso(nextSlot(weekly, t('2026-12-05T12:00:00')))).toBe('2026-12-06T03:30');
    expect(iso(nextSlot(weekly, t('2026-12-06T03:30:00')))).toBe('2026-12-13T03:30');
  });

  it('follows the local wall clock', () => {
    process.env.TZ = 'Europe/Berlin';
    try {
      // 02:00 in Berlin is 01:00 UTC in winter.
      expect(new Date(previousSlot(daily, Date.parse('2026-12-05T12:00:00Z'))).toISOString()).toBe('2026-12-05T01:00:00.000Z');
    } finally {
      process.env.TZ = 'UTC';
    }
  });
});

describe('planTiming', () => {
  it('runs a plan that never ran at once', () => {
    expect(planTiming(daily, null, t('2026-12-05T12:00:00'))).toEqual({ due: true, nextRunAt: t('2026-12-05T12:00:00') });
  });

  it('every N hours: due N hours after the last attempt', () => {
    const last = { at: t('2026-12-05T00:10:00'), status: 'succeeded' as const };
    expect(planTiming(sixHours, last, t('2026-12-05T06:09:00'))).toEqual({ due: false, nextRunAt: t('2026-12-05T06:10:00') });
    expect(planTiming(sixHours, last, t('2026-12-05T06:10:00')).due).toBe(true);
  });

  it('daily: due once a slot passed since the last attempt, then not again until the next slot', () => {
    const ranYesterday = { at: t('2026-12-04T02:00:05'), status: 'succeeded' as const };
    expect(planTiming(daily, ranYesterday, t('2026-12-05T01:59:00'))).toEqual({ due: false, nextRunAt: t('2026-12-05T02:00:00') });
    expect(planTiming(daily, ranYesterday, t('2026-12-05T02:00:00')).due).toBe(true);
    const ranToday = { at: t('2026-12-05T02:00:07'), status: 'succeeded' as const };
    expect(planTiming(daily, ranToday, t('2026-12-05T02:00:08'))).toEqual({ due: false, nextRunAt: t('2026-12-06T02:00:00') });
  });

  it('a machine off for ten days runs a missed plan once, not once per missed slot', () => {
    let last = { at: t('2026-11-25T02:00:01'), status: 'succeeded' as const };
    let now = t('2026-12-05T09:00:00');
    const runs: string[] = [];
    // The scheduler's loop: evaluate, run when due (taking a minute), sleep until the next run.
    for (let i = 0; i < 50 && now < t('2026-12-07T00:00:00'); i++) {
      const timing = planTiming(daily, last, now);
      if (timing.due) {
        runs.push(iso(now));
        last = { at: now, status: 'succeeded' };
        now += 60_000;
      } else {
        now = timing.nextRunAt;
      }
    }
    expect(runs).toEqual(['2026-12-05T09:00', '2026-12-06T02:00']);
  });

  it('a clock moved back does not cause a storm: nothing at once, the next slot as usual', () => {
    // Last attempt recorded by a clock that was a year ahead.
    const fromTheFuture = { at: t('2027-12-05T02:00:00'), status: 'succeeded' as const };
    expect(planTiming(daily, fromTheFuture, t('2026-12-05T12:00:00'))).toEqual({ due: false, nextRunAt: t('2026-12-06T02:00:00') });
    expect(planTiming(sixHours, fromTheFuture, t('2026-12-05T12:00:00'))).toEqual({ due: false, nextRunAt: t('2026-12-05T18:00:00') });
  });

  it('retries a failed run after a while and a skipped one sooner, but never later than the next slot', () => {
    const failed = { at: t('2026-12-05T02:00:00'), status: 'failed' as const };
    expect(planTiming(daily, failed, t('2026-12-05T02:10:00'))).toEqual({ due: false, nextRunAt: t('2026-12-05T02:00:00') + RETRY_AFTER_FAILURE_MS });
    const skipped = { at: t('2026-12-05T02:00:00'), status: 'skipped' as const };
    expect(planTiming(daily, skipped, t('2026-12-05T02:04:00'))).toEqual({ due: false, nextRunAt: t('2026-12-05T02:00:00') + RETRY_AFTER_SKIP_MS });
    expect(planTiming({ every: 'hours', hours: 1 }, { at: t('2026-12-05T02:00:00'), status: 'failed' }, t('2026-12-05T02:10:00')).nextRunAt).toBe(
      t('2026-12-05T02:30:00'),
    );
  });

  it('describes schedules in the CLI words', () => {
    expect(describeSchedule(sixHours)).toBe('every 6 hours');
    expect(describeSchedule({ every: 'hours', hours: 1 })).toBe('every hour');
    expect(describeSchedule(daily)).toBe('daily at 02:00');
    expect(describeSchedule(weekly)).toBe('weekly on sun at 03:30');
  });
});

describe('planHealth', () => {
  const now = t('2026-12-05T12:00:00');
  const ok = { status: 'succeeded' as const, message: 'Backed up.' };
  it('is ok while the last good backup is younger than the schedule allows, overdue after', () => {
    expect(allowedAge(daily)).toBe(36 * 3_600_000);
    expect(allowedAge({ every: 'hours', hours: 1 })).toBe(2 * 3_600_000);
    expect(planHealth(daily, ok, now - 35 * 3_600_000, now)).toEqual({ state: 'ok', message: 'The last good backup is 35 hours old.' });
    expect(planHealth(daily, ok, now - 37 * 3_600_000, now)).toEqual({
      state: 'overdue',
      message: 'The last good backup is 37 hours old; the schedule allows 36 hours.',
    });
    expect(planHealth(weekly, ok, now - 12 * 86_400_000, now)).toEqual({
      state: 'overdue',
      message: 'The last good backup is 12 days old; the schedule allows 11 days.',
    });
  });

  it('says when it never ran, and why the last run failed or was skipped', () => {
    expect(planHealth(daily, null, null, now)).toEqual({ state: 'never-run', message: 'It has not run yet.' });
    expect(planHealth(daily, { status: 'failed', message: 'Docker is not running.' }, now - 3_600_000, now)).toEqual({
      state: 'failing',
      message: 'The last run failed: Docker is not running.',
    });
    expect(planHealth(daily, { status: 'skipped', message: 'Skipped: a restore runs.' }, null, now).state).toBe('failing');
  });
});
