import { describe, expect, it } from 'vitest';
import type { PlanStatus } from '../../shared/contract/plans';
import { windowOf } from '../../renderer/src/components/virtualRows';
import { catalogueFolders, mergeCatalogues } from '../../renderer/src/features/plans/catalogueModel';
import { failureKey, failuresToShow, loadDismissed, saveDismissed } from '../../renderer/src/features/plans/failureBanners';
import { draftOf, draftProblems, newDraft, planOf } from '../../renderer/src/features/plans/planForm';
import { agoShort, describeProtection, nextShort, retentionSentence, scheduleSentence } from '../../renderer/src/features/plans/protection';
import type { BackupEntry } from '../../shared/contract/backups';
import { keep, planFor } from '../support/plans';

/** The plans feature's pure parts: badge words, the plan form's rules, banner dedup, the catalogue's folders and rows. */

const NOW = new Date(2026, 11, 5, 14, 0, 0).getTime(); // local time: the plan's HH:MM are local

const status = (o: Partial<PlanStatus> = {}): PlanStatus => ({
  plan: planFor('notebooks', '/backups', { schedule: { every: 'day', at: '18:00' }, retention: keep({ keepDaily: 7, keepWeekly: 4 }) }),
  health: { state: 'ok', message: 'The last good backup is 2 hours old.' },
  last: {
    startedAt: NOW - 2 * 3600_000,
    finishedAt: NOW - 2 * 3600_000 + 5000,
    status: 'succeeded',
    message: 'Backed up.',
    file: '/backups/x.tgz',
    jobId: 'j',
    deleted: [],
  },
  lastSuccessAt: NOW - 2 * 3600_000,
  nextRunAt: new Date(2026, 11, 5, 18, 0).getTime(),
  due: false,
  running: false,
  ...o,
});

describe('describeProtection', () => {
  it('says protected, how old the last backup is and when the next runs', () => {
    expect(describeProtection(status(), NOW)).toMatchObject({ state: 'ok', label: 'Protected · last backup 2 h ago · next 18:00', tone: 'ok' });
  });

  it('says "Not protected" without a plan, and the other states with their warnings', () => {
    expect(describeProtection(undefined, NOW)).toMatchObject({ state: 'none', label: 'Not protected', tone: 'muted' });
    expect(
      describeProtection(status({ health: { state: 'never-run', message: 'It has not run yet.' }, last: null, lastSuccessAt: null, nextRunAt: NOW }), NOW),
    ).toMatchObject({
      state: 'never-run',
      label: 'Plan set · not backed up yet · next now',
    });
    const failed = status({
      health: { state: 'failing', message: 'The last run failed.' },
      last: { ...status().last!, status: 'failed', message: 'The folder /backups does not exist.' },
    });
    expect(describeProtection(failed, NOW)).toMatchObject({
      state: 'failing',
      label: 'Backup failed · last backup 2 h ago',
      detail: 'The folder /backups does not exist.',
      tone: 'danger',
    });
    expect(
      describeProtection(status({ health: { state: 'overdue', message: 'No good backup for 40 hours.' }, lastSuccessAt: NOW - 40 * 3600_000 }), NOW),
    ).toMatchObject({
      state: 'overdue',
      label: 'Backup overdue · last backup 40 h ago',
      tone: 'warning',
    });
    expect(describeProtection(status({ running: true }), NOW)).toMatchObject({ state: 'running', label: 'Backing up now · last backup 2 h ago' });
  });

  it('writes ages and next times short', () => {
    expect([agoShort(NOW - 10_000, NOW), agoShort(NOW - 12 * 60_000, NOW), agoShort(NOW - 3 * 86400_000, NOW)]).toEqual([
      'just now',
      '12 min ago',
      '3 days ago',
    ]);
    expect(nextShort(new Date(2026, 11, 6, 2, 0).getTime(), NOW)).toBe('tomorrow 02:00');
    expect(nextShort(new Date(2026, 11, 8, 2, 0).getTime(), NOW)).toBe('Tue 02:00');
  });
});

describe('plan sentences', () => {
  it('says the schedule and what retention keeps', () => {
    expect(scheduleSentence({ every: 'hours', hours: 6 })).toBe('every 6 hours');
    expect(scheduleSentence({ every: 'week', day: 1, at: '02:00' })).toBe('every Monday at 02:00');
    expect(retentionSentence({ keepLast: 3, keepDaily: 7, keepWeekly: 0, keepMonthly: 1 })).toBe(
      'Keeps the newest 3 backups, the last backup of each of the last 7 days and the last backup of the latest month; older backups of this volume in the folder are deleted after each good run. Other files, and the newest verified backup, are never deleted.',
    );
    expect(retentionSentence({ keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 })).toBe('Keeps every backup: nothing is ever deleted.');
  });
});

describe('the plan form', () => {
  it('turns a draft into the plan main validates, and back', () => {
    const d = { ...newDraft('/backups'), every: 'week' as const, day: '3', at: '23:30', keepLast: '2', engine: 'tar' as const, stopContainers: true };
    const plan = planOf('notebooks', d);
    expect(plan).toEqual({
      volume: 'notebooks',
      dir: '/backups',
      schedule: { every: 'week', day: 3, at: '23:30' },
      retention: { keepLast: 2, keepDaily: 7, keepWeekly: 4, keepMonthly: 6 },
      engine: 'tar',
      stopContainers: true,
    });
    expect(draftOf(plan!)).toEqual(d);
  });

  it('names each wrong field in words and makes no plan of it', () => {
    const d = { ...newDraft('backups'), every: 'hours' as const, hours: '0', keepDaily: '-1' };
    expect(draftProblems(d)).toEqual({
      dir: 'Give the folder as a full path, e.g. /home/me/ailab-backups.',
      hours: 'A whole number of hours from 1 to 168 (a week).',
      keepDaily: 'A whole number, 0 for none.',
    });
    expect(planOf('notebooks', d)).toBeNull();
    expect(draftProblems({ ...newDraft(''), at: '24:00' })).toEqual({
      dir: 'Choose the folder the backups go to.',
      at: 'A time of day as HH:MM, 00:00 to 23:59.',
    });
    expect(newDraft('/b').stopContainers).toBe(false);
  });
});

describe('failure banners', () => {
  const failing = (lastSuccessAt: number | null, message = 'Docker is not running.') =>
    status({ health: { state: 'failing', message }, last: { ...status().last!, status: 'failed', message }, lastSuccessAt });

  it('shows a failure once: a retry that fails again keeps the dismissed key, a new failure after a success does not', () => {
    const first = failing(NOW - 3600_000);
    const dismissed = new Set([failureKey(first)]);
    expect(failuresToShow([failing(NOW - 3600_000, 'Still not running.')], dismissed)).toEqual([]);
    const later = failing(NOW);
    expect(failuresToShow([later], dismissed)).toEqual([later]);
    expect(failuresToShow([status()], new Set())).toEqual([]);
    // A skipped run (a manual job held the volume) is no failure to shout about.
    expect(failuresToShow([status({ last: { ...status().last!, status: 'skipped' } })], new Set())).toEqual([]);
  });

  it('keeps dismissals across a reload and survives a damaged store', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    saveDismissed(storage, new Set(['a', 'b']));
    expect(loadDismissed(storage)).toEqual(new Set(['a', 'b']));
    store.set('ailab.dismissedPlanFailures', '{nonsense');
    expect(loadDismissed(storage)).toEqual(new Set());
  });
});

describe('the catalogue', () => {
  it("lists the plan's folder, the backup folder and the added ones, each once", () => {
    expect(catalogueFolders('/b/', '/home/me/ailab-backups', ['/b', '/mnt/usb', ''])).toEqual([
      { dir: '/b', source: 'plan' },
      { dir: '/home/me/ailab-backups', source: 'default' },
      { dir: '/mnt/usb', source: 'added' },
    ]);
  });

  it('merges folders newest first, untimed files last, and renders only a window of hundreds', () => {
    const entry = (file: string, createdAt: number | null) => ({ file, fileName: file.slice(1), createdAt }) as BackupEntry;
    const merged = mergeCatalogues([
      { dir: '/a', volume: 'v', backups: [entry('/a/1', 1), entry('/a/x', null)] },
      { dir: '/b', volume: 'v', backups: [entry('/b/3', 3), entry('/a/1', 1)] },
    ]);
    expect(merged.map((b) => b.file)).toEqual(['/b/3', '/a/1', '/a/x']);
    expect(windowOf(500, 4000, 400, 40)).toEqual({ first: 94, last: 116 });
    expect(windowOf(3, 0, 400, 40)).toEqual({ first: 0, last: 3 });
  });
});
