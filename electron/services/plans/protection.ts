import type { PlanStatus } from '../../../shared/contract/plans';

/**
 * The protection state of all plans in one line, for the desktop app's tray tooltip: "All 3 volumes
 * protected", or what is wrong ("1 plan failing", "1 plan failing, 2 overdue"). Pure.
 */
export interface Protection {
  state: 'none' | 'ok' | 'never-run' | 'overdue' | 'failing';
  text: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function protectionSummary(plans: readonly PlanStatus[], elsewhere: string | null = null): Protection {
  const suffix = elsewhere ? ' (the plans run in another process)' : '';
  if (plans.length === 0) return { state: 'none', text: 'No backup plans' };
  const count = (state: PlanStatus['health']['state']) => plans.filter((p) => p.health.state === state).length;
  const failing = count('failing');
  const overdue = count('overdue');
  const neverRun = count('never-run');
  if (failing + overdue + neverRun === 0) {
    const text = plans.length === 1 ? `${plans[0]?.plan.volume ?? 'The volume'} is protected` : `All ${plans.length} volumes protected`;
    return { state: 'ok', text: text + suffix };
  }
  const parts: string[] = [];
  if (failing > 0) parts.push(plural(failing, 'plan failing', 'plans failing'));
  if (overdue > 0) parts.push(`${overdue} overdue`);
  if (neverRun > 0) parts.push(`${neverRun} not run yet`);
  const state: Protection['state'] = failing > 0 ? 'failing' : overdue > 0 ? 'overdue' : 'never-run';
  return { state, text: parts.join(', ') + suffix };
}
