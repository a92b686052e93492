import type { PlanStatus } from '../../../../shared/contract/plans';

/**
 * One failure = one streak of failed runs since the plan's last success: its key stays the same while
 * the scheduler retries every 30 minutes, so a dismissed banner stays dismissed until the plan has
 * succeeded and failed again.
 */
export function failureKey(s: PlanStatus): string {
  return `${s.plan.volume}\u0000${s.lastSuccessAt ?? 'never'}`;
}

/** The plans whose last run failed and whose failure was not dismissed, in the list's order. */
export function failuresToShow(plans: readonly PlanStatus[], dismissed: ReadonlySet<string>): PlanStatus[] {
  return plans.filter((s) => s.last?.status === 'failed' && !dismissed.has(failureKey(s)));
}

const STORAGE_KEY = 'ailab.dismissedPlanFailures';

/** Dismissals survive a reload (localStorage); only the newest hundred are kept. */
export function loadDismissed(storage: Pick<Storage, 'getItem'> | undefined): Set<string> {
  try {
    const raw: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '[]');
    return new Set(Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}

export function saveDismissed(storage: Pick<Storage, 'setItem'> | undefined, keys: ReadonlySet<string>): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify([...keys].slice(-100)));
  } catch {
    // A full or disabled storage only means the banner may come back after a reload.
  }
}
