import { create } from 'zustand';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { PlanList, PlanStatus } from '../../../../shared/contract/plans';
import { api } from '../../api/bridge';

interface PlansState {
  /** Null until main answered once. */
  list: PlanList | null;
  byVolume: Record<string, PlanStatus>;
  error: ApiErrorPayload | null;
  /** The volume whose plan dialog is open. */
  planFor: string | null;
  /** The volume whose backup catalogue is open. */
  catalogueFor: string | null;
  /** Bumped every 30 s, so "2 h ago" and "next 18:00" stay true on a page left open. */
  now: number;
  load(): Promise<void>;
  accept(list: PlanList): void;
  openPlan(volume: string | null): void;
  openCatalogue(volume: string | null): void;
}

const index = (list: PlanList) => Object.fromEntries(list.plans.map((p) => [p.plan.volume, p]));

export const usePlans = create<PlansState>((set, get) => ({
  list: null,
  byVolume: {},
  error: null,
  planFor: null,
  catalogueFor: null,
  now: Date.now(),
  load: async () => {
    const r = await api.listPlans();
    if (r.ok) get().accept(r.value);
    else set({ error: r.error });
  },
  accept: (list) => set({ list, byVolume: index(list), error: null, now: Date.now() }),
  openPlan: (volume) => set({ planFor: volume }),
  openCatalogue: (volume) => set({ catalogueFor: volume }),
}));

let started = false;

/** Keeps the plans in sync with main: the first read, every plansChanged, a re-read after the link came back, and the clock. */
export function startPlansSync(): void {
  if (started) return;
  started = true;
  void usePlans.getState().load();
  api.onPlansChanged((list) => usePlans.getState().accept(list));
  api.onTransportState?.((s) => {
    if (s === 'open') void usePlans.getState().load();
  });
  setInterval(() => usePlans.setState({ now: Date.now() }), 30_000);
}
