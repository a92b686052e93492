import { create } from 'zustand';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type {
  PendingUpgrade,
  PullProgressEvent,
  UpgradeFinished,
  UpgradeOutcome,
  UpgradeProgressEvent,
  UpgradeStep,
} from '../../../../shared/contract/launcher';
import { api } from '../../api/bridge';

/** An upgrade, or the Keep / Roll back of one, as the dialog shows it. */
export interface UpgradeRun {
  id: string;
  kind: 'upgrade' | 'keep' | 'rollback';
  /** The container's name (the upgraded one's, which the old one gets back on a roll back). */
  name: string;
  image: string;
  /** The latest event per step, in the order the steps first reported. */
  steps: UpgradeProgressEvent[];
  pull: PullProgressEvent | null;
  outcome: UpgradeOutcome | null;
  finished: UpgradeFinished | null;
  error: ApiErrorPayload | null;
  done: boolean;
}

interface UpgradeState {
  /** Upgrades waiting for Keep or Roll back (main's ledger: survives a reload and a restart). */
  pending: PendingUpgrade[];
  run: UpgradeRun | null;
  refreshPending: () => Promise<void>;
  upgrade: (container: string, name: string, image: string) => Promise<void>;
  finish: (pending: PendingUpgrade, kind: 'keep' | 'rollback', opts?: { keepScs?: boolean }) => Promise<void>;
  clearRun: () => void;
}

function newId(prefix: string): string {
  const rnd = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${rnd}`.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64);
}

function emptyRun(id: string, kind: UpgradeRun['kind'], name: string, image: string): UpgradeRun {
  return { id, kind, name, image, steps: [], pull: null, outcome: null, finished: null, error: null, done: false };
}

export const useUpgradeStore = create<UpgradeState>((set, get) => ({
  pending: [],
  run: null,

  refreshPending: async () => {
    const r = await api.listPendingAiLabUpgrades();
    if (r.ok) set({ pending: r.value });
  },

  upgrade: async (container, name, image) => {
    const id = newId('upgrade');
    set({ run: emptyRun(id, 'upgrade', name, image) });
    const r = await api.upgradeAiLab(id, { container, image, pull: true, timeoutSeconds: 120 });
    const run = get().run;
    if (!run || run.id !== id) return;
    set({ run: { ...run, done: true, outcome: r.ok ? r.value : null, error: r.ok ? null : r.error } });
    void get().refreshPending();
  },

  finish: async (pending, kind, opts = {}) => {
    const id = kind === 'keep' ? pending.id : newId('rollback');
    set({ run: emptyRun(id, kind, pending.name, pending.newImage) });
    const r = kind === 'keep' ? await api.keepAiLabUpgrade(pending.name) : await api.rollBackAiLabUpgrade(id, pending.name, { keepScs: opts.keepScs === true });
    const run = get().run;
    if (!run || run.id !== id) return;
    set({ run: { ...run, done: true, finished: r.ok ? r.value : null, error: r.ok ? null : r.error } });
    void get().refreshPending();
  },

  clearRun: () => set({ run: null }),
}));

function onProgress(e: UpgradeProgressEvent) {
  const { run } = useUpgradeStore.getState();
  if (!run || run.id !== e.upgradeId) return;
  const at = run.steps.findIndex((s) => s.step === e.step);
  const steps = at < 0 ? [...run.steps, e] : run.steps.map((s, i) => (i === at ? e : s));
  useUpgradeStore.setState({ run: { ...run, steps } });
}

function onPull(p: PullProgressEvent) {
  const { run } = useUpgradeStore.getState();
  if (run && run.id === p.launchId) useUpgradeStore.setState({ run: { ...run, pull: p } });
}

let started = false;
/** Subscribe once for the app's lifetime; the pending upgrades are read at once (a reload shows them). */
export function startUpgradeSync(): void {
  if (started) return;
  started = true;
  api.onAiLabUpgradeProgress(onProgress);
  api.onLaunchPullProgress(onPull);
  api.onAiLabUpgradesChanged(({ pending }) => useUpgradeStore.setState({ pending }));
  api.onTransportState?.((s) => {
    if (s === 'open') void useUpgradeStore.getState().refreshPending();
  });
  void useUpgradeStore.getState().refreshPending();
}

export const STEP_LABELS: Record<UpgradeStep, string> = {
  check: 'Check the image, the volume and the space',
  pull: 'Pull the image',
  stop: 'Stop the old container',
  backup: 'Back up the volume (verified)',
  rename: 'Keep the old container under another name',
  start: 'Start the new version',
  wait: 'Wait for Jupyter',
  'remove-new': 'Remove the new container',
  restore: 'Restore the volume if the new version changed it',
  'rename-back': 'Give the old container its name back',
  'start-old': 'Start the old container if it was running',
  keep: 'Remove the old container',
};
