// What the plans feature (issue 14) offers the rest of the UI: the protection cell and section the
// volumes feature shows, the failure banners the shell shows, and the dialogs, hosted once by PlansHost.
import { useEffect, type ReactNode } from 'react';
import { CatalogueDialog } from './CatalogueDialog';
import { PlanDialog } from './PlanDialog';
import { startPlansSync, usePlans } from './plansStore';
import './plans.css';

export { PlanFailureBanners } from './PlanFailureBanners';
export { ProtectionCell, ProtectionSection } from './ProtectionBadge';

/** Keeps the plans in sync with main and renders the plan and catalogue dialogs wherever they were opened from. */
export function PlansHost(): ReactNode {
  const planFor = usePlans((s) => s.planFor);
  const catalogueFor = usePlans((s) => s.catalogueFor);
  useEffect(() => startPlansSync(), []);
  return (
    <>
      {planFor ? <PlanDialog key={planFor} volume={planFor} /> : null}
      {catalogueFor ? <CatalogueDialog key={catalogueFor} volume={catalogueFor} /> : null}
    </>
  );
}
