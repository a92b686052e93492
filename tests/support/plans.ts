// Plans for the unit, integration and renderer tests alike: one place to follow when the Plan
// contract grows a field, and each test names only what it is about.
import type { RetentionPolicy } from '../../shared/contract/backups';
import type { Plan } from '../../shared/contract/plans';

/** A retention policy that keeps only what `rules` names. */
export const keep = (rules: Partial<RetentionPolicy>): RetentionPolicy => ({ keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, ...rules });

/** A plan of `volume` into `dir`: every 6 hours, the last 2 kept, the engine of Settings, containers left running, local only. */
export function planFor(volume: string, dir: string, over: Partial<Plan> = {}): Plan {
  return { volume, dir, schedule: { every: 'hours', hours: 6 }, retention: keep({ keepLast: 2 }), engine: null, stopContainers: false, ...over };
}
