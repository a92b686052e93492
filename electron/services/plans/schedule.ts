import type { PlanHealth, PlanSchedule } from '../../../shared/contract/plans';

/**
 * When a plan runs, from its schedule and its last attempt; pure (the clock is a number passed in).
 * Daily and weekly times are the machine's local time, so "daily at 02:00" follows the wall clock
 * through daylight-saving changes.
 *
 * A slot missed while the machine was off makes the plan due once, however many slots were missed:
 * "due" is whether a slot passed since the last attempt, not how many. A last attempt in the future
 * (the clock was moved back) counts as made now: nothing runs at once, the plan resumes at its next
 * slot (the service writes that back, so a clock moved back by a year does not hold the plan for a year).
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** A failed run is tried again this long after its attempt (or at its next slot, if sooner). */
export const RETRY_AFTER_FAILURE_MS = 30 * 60_000;
/** A run skipped because another job held the volume is tried again this soon. */
export const RETRY_AFTER_SKIP_MS = 5 * 60_000;

export interface PlanTiming {
  due: boolean;
  /** `now` when due; else the next moment it becomes due. */
  nextRunAt: number;
}

function atTime(base: Date, at: string): Date {
  const [h, m] = at.split(':').map(Number) as [number, number];
  const d = new Date(base.getTime());
  d.setHours(h, m, 0, 0);
  return d;
}

/** The latest slot at or before `now`, for schedules pinned to a time of day. */
export function previousSlot(s: Exclude<PlanSchedule, { every: 'hours' }>, now: number): number {
  const today = atTime(new Date(now), s.at);
  if (s.every === 'day') {
    if (today.getTime() <= now) return today.getTime();
    const y = new Date(today.getTime());
    y.setDate(y.getDate() - 1);
    return atTime(y, s.at).getTime();
  }
  const back = (today.getDay() - s.day + 7) % 7;
  const d = new Date(today.getTime());
  d.setDate(d.getDate() - back);
  let slot = atTime(d, s.at);
  if (slot.getTime() > now) {
    slot.setDate(slot.getDate() - 7);
    slot = atTime(slot, s.at);
  }
  return slot.getTime();
}

/** The first slot after `t`. */
export function nextSlot(s: Exclude<PlanSchedule, { every: 'hours' }>, t: number): number {
  const prev = new Date(previousSlot(s, t));
  prev.setDate(prev.getDate() + (s.every === 'day' ? 1 : 7));
  return atTime(prev, s.at).getTime();
}

export interface LastAttempt {
  at: number;
  status: 'succeeded' | 'failed' | 'skipped';
}

export function planTiming(s: PlanSchedule, last: LastAttempt | null, now: number): PlanTiming {
  if (last === null) return { due: true, nextRunAt: now };
  const lastAt = Math.min(last.at, now);
  let next: number;
  if (s.every === 'hours') {
    next = lastAt + s.hours * HOUR;
  } else {
    const prev = previousSlot(s, now);
    next = prev > lastAt ? prev : nextSlot(s, now);
  }
  if (last.status !== 'succeeded') next = Math.min(next, lastAt + (last.status === 'skipped' ? RETRY_AFTER_SKIP_MS : RETRY_AFTER_FAILURE_MS));
  return next <= now ? { due: true, nextRunAt: now } : { due: false, nextRunAt: next };
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export function dayNumber(name: string): number | null {
  const i = DAYS.indexOf(name.trim().toLowerCase().slice(0, 3) as (typeof DAYS)[number]);
  return i < 0 ? null : i;
}

/** "every 6 hours", "daily at 02:00", "weekly on sun at 03:30". */
export function describeSchedule(s: PlanSchedule): string {
  if (s.every === 'hours') return s.hours === 1 ? 'every hour' : `every ${s.hours} hours`;
  if (s.every === 'day') return `daily at ${s.at}`;
  return `weekly on ${DAYS[s.day]} at ${s.at}`;
}

function period(s: PlanSchedule): number {
  return s.every === 'hours' ? s.hours * HOUR : s.every === 'day' ? DAY : 7 * DAY;
}

/** How long a volume may go without a good backup before its plan is overdue. */
export function allowedAge(s: PlanSchedule): number {
  const p = period(s);
  return p + Math.max(HOUR, p / 2);
}

function span(ms: number): string {
  if (ms < 2 * HOUR) return `${Math.max(1, Math.round(ms / 60_000))} min`;
  if (ms < 3 * DAY) return `${Math.round(ms / HOUR)} hours`;
  return `${Math.round(ms / DAY)} days`;
}

export function planHealth(
  s: PlanSchedule,
  last: { status: 'succeeded' | 'failed' | 'skipped'; message: string } | null,
  lastSuccessAt: number | null,
  now: number,
): PlanHealth {
  if (last === null) return { state: 'never-run', message: 'It has not run yet.' };
  if (last.status !== 'succeeded') return { state: 'failing', message: `The last run ${last.status === 'failed' ? 'failed' : 'was skipped'}: ${last.message}` };
  if (lastSuccessAt === null || now - lastSuccessAt > allowedAge(s)) {
    const since = lastSuccessAt === null ? 'There has been no good backup' : `The last good backup is ${span(now - lastSuccessAt)} old`;
    return { state: 'overdue', message: `${since}; the schedule allows ${span(allowedAge(s))}.` };
  }
  return { state: 'ok', message: `The last good backup is ${span(Math.max(0, now - lastSuccessAt))} old.` };
}

export { DAY, HOUR };
