import { describe, expect, it } from 'vitest';
import type { PlanStatus } from '../../shared/contract/plans';
import { protectionSummary } from '../../electron/services/plans/protection';

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
