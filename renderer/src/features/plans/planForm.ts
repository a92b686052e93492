import { planSchema, type Plan } from '../../../../shared/contract/plans';

/** The plan dialog's fields as typed (strings, so a half-typed number is not lost). */
export interface PlanDraft {
  dir: string;
  every: 'hours' | 'day' | 'week';
  hours: string;
  at: string;
  day: string;
  keepLast: string;
  keepDaily: string;
  keepWeekly: string;
  keepMonthly: string;
  engine: '' | 'fast' | 'tar';
  stopContainers: boolean;
}

export type PlanField = keyof PlanDraft;

/** A new plan: daily at 02:00, a week of dailies, a month of weeklies, half a year of monthlies; containers keep running. */
export function newDraft(dir: string): PlanDraft {
  return {
    dir,
    every: 'day',
    hours: '6',
    at: '02:00',
    day: '1',
    keepLast: '0',
    keepDaily: '7',
    keepWeekly: '4',
    keepMonthly: '6',
    engine: '',
    stopContainers: false,
  };
}

export function draftOf(plan: Plan): PlanDraft {
  const s = plan.schedule;
  return {
    dir: plan.dir,
    every: s.every,
    hours: s.every === 'hours' ? String(s.hours) : '6',
    at: s.every === 'hours' ? '02:00' : s.at,
    day: s.every === 'week' ? String(s.day) : '1',
    keepLast: String(plan.retention.keepLast),
    keepDaily: String(plan.retention.keepDaily),
    keepWeekly: String(plan.retention.keepWeekly),
    keepMonthly: String(plan.retention.keepMonthly),
    engine: plan.engine ?? '',
    stopContainers: plan.stopContainers,
  };
}

const wholeNumber = (s: string): number | null => (/^\s*\d+\s*$/.test(s) ? Number(s) : null);

/** Inline messages by field; empty when the draft makes a plan. The same rules main checks (planSchema), in the dialog's words. */
export function draftProblems(d: PlanDraft): Partial<Record<PlanField, string>> {
  const out: Partial<Record<PlanField, string>> = {};
  const dir = d.dir.trim();
  if (dir === '') out.dir = 'Choose the folder the backups go to.';
  else if (!(dir.startsWith('/') || /^[A-Za-z]:[\\/]/.test(dir))) out.dir = 'Give the folder as a full path, e.g. /home/me/ailab-backups.';
  if (d.every === 'hours') {
    const h = wholeNumber(d.hours);
    if (h === null || h < 1 || h > 168) out.hours = 'A whole number of hours from 1 to 168 (a week).';
  } else if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(d.at)) out.at = 'A time of day as HH:MM, 00:00 to 23:59.';
  for (const k of ['keepLast', 'keepDaily', 'keepWeekly', 'keepMonthly'] as const) {
    const n = wholeNumber(d[k]);
    if (n === null || n > 100_000) out[k] = 'A whole number, 0 for none.';
  }
  return out;
}

/** The plan the draft describes for `volume`, or null while it has problems. */
export function planOf(volume: string, d: PlanDraft): Plan | null {
  if (Object.keys(draftProblems(d)).length > 0) return null;
  const dir = d.dir.trim();
  const schedule: Plan['schedule'] =
    d.every === 'hours'
      ? { every: 'hours', hours: Number(d.hours) }
      : d.every === 'day'
        ? { every: 'day', at: d.at }
        : { every: 'week', day: Number(d.day), at: d.at };
  const parsed = planSchema.safeParse({
    volume,
    dir,
    schedule,
    retention: { keepLast: Number(d.keepLast), keepDaily: Number(d.keepDaily), keepWeekly: Number(d.keepWeekly), keepMonthly: Number(d.keepMonthly) },
    engine: d.engine === '' ? null : d.engine,
    stopContainers: d.stopContainers,
  });
  return parsed.success ? parsed.data : null;
}
