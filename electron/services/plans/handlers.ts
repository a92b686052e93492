import type { Handlers } from '../../../shared/contract';
import type { planMethods } from '../../../shared/contract/plans';
import type { PlansService } from './plansService';

export function planHandlers(plans: PlansService): Pick<Handlers, keyof typeof planMethods> {
  return {
    listPlans: () => plans.list(),
    setPlan: (plan) => plans.set(plan),
    removePlan: (volume) => plans.remove(volume),
    runPlanNow: (volume) => plans.runNow(volume),
    checkSftpHost: (target) => plans.checkSftpHost(target),
    trustSftpHost: (target, fingerprint) => plans.trustSftpHost(target, fingerprint),
  };
}
