import { useEffect, useMemo, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { BackupPlan } from '../../../../shared/contract/jobs';
import type { PlanRun, PlanStatus } from '../../../../shared/contract/plans';
import { api } from '../../api/bridge';
import { draftOf, draftProblems, newDraft, planOf, type PlanDraft, type PlanField } from './planForm';
import { usePlans } from './plansStore';

export type PlanFormBusy = 'saving' | 'removing' | 'running' | null;

export interface PlanForm {
  volume: string;
  /** The plan as main has it now; null for a volume without one. */
  existing: PlanStatus | null;
  draft: PlanDraft;
  set<K extends PlanField>(field: K, value: PlanDraft[K]): void;
  /** Messages to show now: a field's once it was touched or a save was tried. */
  shown: Partial<Record<PlanField, string>>;
  touch(field: PlanField): void;
  dirty: boolean;
  busy: PlanFormBusy;
  failure: ApiErrorPayload | null;
  /** The last "Back up now" in this dialog. */
  lastRun: PlanRun | null;
  /** What the volume's backup dialog knows: the default folder, pickers, containers using it. */
  backupFacts: BackupPlan | null;
  save(): Promise<boolean>;
  remove(): Promise<boolean>;
  /** Saves first when the draft changed, then runs the plan now. */
  backUpNow(): Promise<void>;
  chooseFolder(): Promise<void>;
}

/** The plan dialog's state and actions, away from its markup (tests/renderer drive it with a fake api). */
export function usePlanForm(volume: string): PlanForm {
  const existing = usePlans((s) => s.byVolume[volume] ?? null);
  const [draft, setDraft] = useState<PlanDraft>(() => (existing ? draftOf(existing.plan) : newDraft('')));
  const [touched, setTouched] = useState<Set<PlanField>>(new Set());
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState<PlanFormBusy>(null);
  const [failure, setFailure] = useState<ApiErrorPayload | null>(null);
  const [lastRun, setLastRun] = useState<PlanRun | null>(null);
  const [backupFacts, setBackupFacts] = useState<BackupPlan | null>(null);

  useEffect(() => {
    let live = true;
    void api.prepareBackup(volume).then((r) => {
      if (!live || !r.ok) return;
      setBackupFacts(r.value);
      // A new plan starts in the folder "Back up…" would use.
      setDraft((d) => (d.dir === '' ? { ...d, dir: r.value.defaultDir } : d));
    });
    return () => {
      live = false;
    };
  }, [volume]);

  const problems = useMemo(() => draftProblems(draft), [draft]);
  const shown = useMemo(() => {
    const out: Partial<Record<PlanField, string>> = {};
    for (const [k, v] of Object.entries(problems) as Array<[PlanField, string]>) if (tried || touched.has(k)) out[k] = v;
    return out;
  }, [problems, touched, tried]);
  const saved = existing ? draftOf(existing.plan) : null;
  const dirty = saved === null || JSON.stringify(saved) !== JSON.stringify(draft);

  const save = async (): Promise<boolean> => {
    setTried(true);
    const plan = planOf(volume, draft);
    if (!plan) return false;
    setBusy('saving');
    setFailure(null);
    const r = await api.setPlan(plan);
    setBusy(null);
    if (!r.ok) {
      setFailure(r.error);
      return false;
    }
    usePlans.getState().accept(r.value);
    return true;
  };

  return {
    volume,
    existing,
    draft,
    set: (field, value) => {
      setDraft((d) => ({ ...d, [field]: value }));
      setFailure(null);
    },
    shown,
    touch: (field) => setTouched((t) => (t.has(field) ? t : new Set(t).add(field))),
    dirty,
    busy,
    failure,
    lastRun,
    backupFacts,
    save,
    remove: async () => {
      setBusy('removing');
      setFailure(null);
      const r = await api.removePlan(volume);
      setBusy(null);
      if (!r.ok) {
        setFailure(r.error);
        return false;
      }
      usePlans.getState().accept(r.value);
      return true;
    },
    backUpNow: async () => {
      if (dirty && !(await save())) return;
      setBusy('running');
      setFailure(null);
      setLastRun(null);
      const r = await api.runPlanNow(volume);
      setBusy(null);
      if (!r.ok) {
        setFailure(r.error);
        return;
      }
      setLastRun(r.value.run);
      usePlans.getState().accept(r.value.plans);
    },
    chooseFolder: async () => {
      const r = await api.chooseBackupFolder(draft.dir || undefined);
      if (r.ok && r.value) setDraft((d) => ({ ...d, dir: r.value ?? d.dir }));
    },
  };
}
