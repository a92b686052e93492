import { describe, expect, it } from 'vitest';
import type { PlanRun, PlanStatus } from '../../shared/contract/plans';
import { FailureNotices } from '../../electron/services/plans/failureNotices';
import type { SchedulerEvent } from '../../electron/services/plans/plansService';
import { protectionSummary } from '../../electron/services/plans/protection';

const finished = (volume: string, status: PlanRun['status'], message: string): SchedulerEvent => ({
  event: 'run-finished',
  at: 0,
  volume,
  decisions: 0,
  run: { startedAt: 0, finishedAt: 0, status, message, file: null, jobId: null, deleted: [] },
});

describe('failure notices', () => {
  it('tells a failing plan once per episode, not on every retry; a success ends the episode', () => {
    const n = new FailureNotices();
    const docker = 'Lost the connection to Docker during the backup. No partial file was left. Nothing was deleted.';
    expect(n.observe(finished('a', 'failed', docker))).toEqual({ volume: 'a', title: 'Backup plan of a failed', body: docker });
    expect(n.observe(finished('a', 'failed', docker))).toBeNull();
    expect(n.observe(finished('a', 'failed', docker))).toBeNull();
    // Another plan's failure is its own episode.
    expect(n.observe(finished('b', 'failed', docker))).not.toBeNull();
    expect(n.observe(finished('a', 'succeeded', 'Backed up to /x.tgz.'))).toBeNull();
    expect(n.observe(finished('a', 'failed', docker))).not.toBeNull();
  });

  it('numbers that change between retries do not make a new reason; a new reason is told once', () => {
    const n = new FailureNotices();
    expect(n.observe(finished('a', 'failed', 'The disk holding /b has 1.2 GB free; the last backup took 3.4 GB'))).not.toBeNull();
    expect(n.observe(finished('a', 'failed', 'The disk holding /b has 1.1 GB free; the last backup took 3.5 GB'))).toBeNull();
    expect(n.observe(finished('a', 'failed', 'There is no volume named a.'))).toMatchObject({ body: 'There is no volume named a.' });
    expect(n.observe(finished('a', 'failed', 'There is no volume named a.'))).toBeNull();
  });

  it('a skipped run (a manual job, the app quitting) and other events raise nothing', () => {
    const n = new FailureNotices();
    expect(n.observe(finished('a', 'skipped', 'Skipped: A backup of a is running in another AI-Lab Desktop process'))).toBeNull();
    expect(n.observe({ event: 'run-started', at: 0, volume: 'a', file: '/x' })).toBeNull();
    expect(n.observe({ event: 'problem', at: 0, message: 'plans.json: plan 2 is ignored' })).toBeNull();
    n.forget('a');
    expect(n.observe(finished('a', 'failed', 'boom'))).not.toBeNull();
  });
});

const status = (volume: string, state: PlanStatus['health']['state']): PlanStatus =>
  ({ plan: { volume }, health: { state, message: '' }, last: null, lastSuccessAt: null, nextRunAt: 0, due: false }) as unknown as PlanStatus;

describe('protection summary (the tray tooltip)', () => {
  it('says all volumes are protected, or what is wrong', () => {
    expect(protectionSummary([])).toEqual({ state: 'none', text: 'No backup plans' });
    expect(protectionSummary([status('a', 'ok')]).text).toBe('a is protected');
    expect(protectionSummary([status('a', 'ok'), status('b', 'ok'), status('c', 'ok')])).toEqual({ state: 'ok', text: 'All 3 volumes protected' });
    expect(protectionSummary([status('a', 'failing'), status('b', 'ok'), status('c', 'ok')])).toEqual({ state: 'failing', text: '1 plan failing' });
    expect(protectionSummary([status('a', 'failing'), status('b', 'failing'), status('c', 'overdue'), status('d', 'never-run')])).toEqual({
      state: 'failing',
      text: '2 plans failing, 1 overdue, 1 not run yet',
    });
    expect(protectionSummary([status('a', 'overdue')]).state).toBe('overdue');
    expect(protectionSummary([status('a', 'ok')], 'Another scheduler already runs the plans').text).toBe('a is protected (the plans run in another process)');
  });
});
