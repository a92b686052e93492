import type { PlanSchedule, PlanStatus } from '../../../../shared/contract/plans';
import type { RetentionPolicy } from '../../../../shared/contract/backups';

/** How a volume's protection looks: a badge's words, its tooltip, its colour. */
export interface Protection {
  state: 'none' | 'running' | PlanStatus['health']['state'];
  /** The badge, e.g. "Protected · last backup 2 h ago · next 18:00". */
  label: string;
  /** The longer story (tooltip, details panel): the failure's message, what overdue means. */
  detail: string;
  tone: 'muted' | 'ok' | 'warning' | 'danger' | 'accent';
}

/** "just now", "12 min ago", "2 h ago", "3 days ago": short enough for a badge. */
export function agoShort(at: number, now: number): string {
  const min = Math.floor(Math.max(0, now - at) / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} days ago`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const hhmm = (d: Date) => `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;

/** "now", "18:00" (today), "tomorrow 02:00", "Mon 02:00" (this week), else the date: the plan's times are local. */
export function nextShort(at: number, now: number): string {
  if (at <= now + 30_000) return 'now';
  const d = new Date(at);
  const today = new Date(now);
  const days = Math.round(
    (new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - new Date(today.getFullYear(), today.getMonth(), today.getDate()).getTime()) / 86_400_000,
  );
  if (days === 0) return hhmm(d);
  if (days === 1) return `tomorrow ${hhmm(d)}`;
  if (days < 7) return `${WEEKDAYS[d.getDay()]} ${hhmm(d)}`;
  return `${d.toLocaleDateString()} ${hhmm(d)}`;
}

export function describeProtection(status: PlanStatus | undefined, now: number): Protection {
  if (!status) return { state: 'none', label: 'Not protected', detail: 'No backup plan: this volume is backed up only when you click Back up.', tone: 'muted' };
  const last = status.lastSuccessAt !== null ? `last backup ${agoShort(status.lastSuccessAt, now)}` : 'no backup yet';
  const next = `next ${nextShort(status.nextRunAt, now)}`;
  if (status.running)
    return { state: 'running', label: `Backing up now · ${last}`, detail: `The plan is running: a backup to ${status.plan.dir}.`, tone: 'accent' };
  switch (status.health.state) {
    case 'ok':
      return { state: 'ok', label: `Protected · ${last} · ${next}`, detail: status.health.message, tone: 'ok' };
    case 'never-run':
      return { state: 'never-run', label: `Plan set · not backed up yet · ${next}`, detail: status.health.message, tone: 'accent' };
    case 'overdue':
      return { state: 'overdue', label: `Backup overdue · ${last}`, detail: status.health.message, tone: 'warning' };
    case 'failing':
      return {
        state: 'failing',
        label: status.last?.status === 'skipped' ? `Backup skipped · ${last}` : `Backup failed · ${last}`,
        detail: status.last?.message ?? status.health.message,
        tone: status.last?.status === 'skipped' ? 'warning' : 'danger',
      };
  }
}

/** The schedule in words: "every 6 hours", "daily at 02:00", "every Monday at 02:00". */
export function scheduleSentence(s: PlanSchedule): string {
  if (s.every === 'hours') return s.hours === 1 ? 'every hour' : `every ${s.hours} hours`;
  if (s.every === 'day') return `daily at ${s.at}`;
  return `every ${WEEKDAY_NAMES[s.day] ?? 'week'} at ${s.at}`;
}

export { WEEKDAY_NAMES };

/**
 * What retention keeps, as a person would say it. The rules are restic's `forget`: each rule keeps the
 * newest backup of its period, and a backup kept by any rule stays; the newest verified one always does.
 */
export function retentionSentence(p: RetentionPolicy): string {
  const parts: string[] = [];
  if (p.keepLast > 0) parts.push(p.keepLast === 1 ? 'the newest backup' : `the newest ${p.keepLast} backups`);
  const per = (n: number, current: string, many: string) => (n === 1 ? `the last backup of ${current}` : `the last backup of each of the last ${n} ${many}`);
  if (p.keepDaily > 0) parts.push(per(p.keepDaily, 'the latest day', 'days'));
  if (p.keepWeekly > 0) parts.push(per(p.keepWeekly, 'the latest week', 'weeks'));
  if (p.keepMonthly > 0) parts.push(per(p.keepMonthly, 'the latest month', 'months'));
  if (parts.length === 0) return 'Keeps every backup: nothing is ever deleted.';
  const list = parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  return `Keeps ${list}; older backups of this volume in the folder are deleted after each good run. Other files, and the newest verified backup, are never deleted.`;
}
