import { planSchema, type Plan, type SftpTarget } from '../../../../shared/contract/plans';
import { formatSftpTarget, parseSftpTarget } from '../../../../shared/sftpTarget';

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
  /** "Also copy each backup to an SFTP server". */
  sftpOn: boolean;
  /** user@host:port/folder. */
  sftpTarget: string;
  /** A private key file; empty: the SSH agent. */
  sftpKey: string;
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
    sftpOn: false,
    sftpTarget: '',
    sftpKey: '',
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
    sftpOn: plan.sftp !== undefined,
    sftpTarget: plan.sftp ? formatSftpTarget(plan.sftp) : '',
    sftpKey: plan.sftp?.keyFile ?? '',
  };
}

const SFTP_EXAMPLE = 'Write it as user@host:port/folder, e.g. backup@nas.local:22/srv/ailab-backups.';

/**
 * The draft's SFTP target, or why it is none: shared/sftpTarget's parser (the CLI's --sftp), its
 * message without the CLI's option name. Null target and null problem: no copy asked for.
 */
export function sftpOf(d: PlanDraft): { target: SftpTarget | null; problem: string | null; keyProblem: string | null } {
  if (!d.sftpOn) return { target: null, problem: null, keyProblem: null };
  const key = d.sftpKey.trim();
  const keyProblem =
    key !== '' && !(key.startsWith('/') || /^[A-Za-z]:[\\/]/.test(key)) ? 'Give the key file as a full path, e.g. /home/me/.ssh/id_ed25519.' : null;
  const text = d.sftpTarget.trim();
  if (text === '') return { target: null, problem: `Name the server and folder. ${SFTP_EXAMPLE}`, keyProblem };
  try {
    const target = parseSftpTarget(text, key === '' ? null : key);
    return { target: keyProblem ? null : target, problem: null, keyProblem };
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(/^--sftp "(?:[^"\\]|\\.)*": /, '');
    const sentence = why.charAt(0).toUpperCase() + why.slice(1);
    return { target: null, problem: `${sentence} ${SFTP_EXAMPLE}`, keyProblem };
  }
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
  const sftp = sftpOf(d);
  if (sftp.problem) out.sftpTarget = sftp.problem;
  if (sftp.keyProblem) out.sftpKey = sftp.keyProblem;
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
    ...(d.sftpOn ? { sftp: sftpOf(d).target } : {}),
  });
  return parsed.success ? parsed.data : null;
}
