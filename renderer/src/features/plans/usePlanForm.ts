import { useEffect, useMemo, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { BackupPlan } from '../../../../shared/contract/jobs';
import type { Plan, PlanRun, PlanStatus, SftpHostCheck } from '../../../../shared/contract/plans';
import { api } from '../../api/bridge';
import { draftOf, draftProblems, newDraft, planOf, type PlanDraft, type PlanField } from './planForm';
import { usePlans } from './plansStore';

export type PlanFormBusy = 'saving' | 'removing' | 'running' | null;

/** A save stopped at the SFTP server's host key: unknown (ask the user) or changed (refuse). */
export interface HostKeyPrompt {
  check: SftpHostCheck;
  plan: Plan;
  /** "Save and back up now": run the plan once it is saved. */
  thenRun: boolean;
}

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
  /** Saves the draft; with an SFTP target, only once its host key is known (else `hostPrompt`). */
  save(): Promise<boolean>;
  /** The first-contact question for the SFTP server's host key, while a save waits on it. */
  hostPrompt: HostKeyPrompt | null;
  /** "Trust and save": adds the fingerprint the user saw to known_hosts, then saves (and runs, if asked). */
  trustHost(): Promise<boolean>;
  /** Cancel: nothing is saved. */
  dismissHost(): void;
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
  const [hostPrompt, setHostPrompt] = useState<HostKeyPrompt | null>(null);

  useEffect(() => {
    let live = true;
    void api.prepareBackup(volume).then((r) => {
      if (!live || !r.ok) return;
      setBackupFacts(r.value);
      // A new plan starts in the folder "Back up…" would use, and for the Exasol DB's volume stops the
      // DB for its backups (a running database copied may not start again).
      setDraft((d) => (d.dir === '' ? { ...d, dir: r.value.defaultDir, stopContainers: d.stopContainers || Boolean(r.value.stopFirst) } : d));
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

  /** Saving and removing both answer with the plans as main has them now. */
  const changePlans = async (what: PlanFormBusy, call: () => ReturnType<typeof api.listPlans>): Promise<boolean> => {
    setBusy(what);
    setFailure(null);
    const r = await call();
    setBusy(null);
    if (!r.ok) {
      setFailure(r.error);
      return false;
    }
    usePlans.getState().accept(r.value);
    return true;
  };
  const store = (plan: Plan): Promise<boolean> => changePlans('saving', () => api.setPlan(plan));

  const runNow = async (): Promise<void> => {
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
  };

  const save = async (thenRun = false): Promise<boolean> => {
    setTried(true);
    const plan = planOf(volume, draft);
    if (!plan) return false;
    if (plan.sftp) {
      // First contact: the server's host key must be in known_hosts before main logs in to check the folder.
      setBusy('saving');
      setFailure(null);
      const c = await api.checkSftpHost(plan.sftp);
      setBusy(null);
      if (!c.ok) {
        setFailure(c.error);
        return false;
      }
      if (c.value.status !== 'known') {
        setHostPrompt({ check: c.value, plan, thenRun });
        return false;
      }
    }
    return store(plan);
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
    save: () => save(),
    hostPrompt,
    trustHost: async () => {
      const p = hostPrompt;
      if (!p?.plan.sftp || p.check.status !== 'unknown') return false;
      setHostPrompt(null);
      setBusy('saving');
      setFailure(null);
      const t = await api.trustSftpHost(p.plan.sftp, p.check.fingerprint);
      setBusy(null);
      if (!t.ok) {
        setFailure(t.error);
        return false;
      }
      if (!(await store(p.plan))) return false;
      if (p.thenRun) await runNow();
      return true;
    },
    dismissHost: () => setHostPrompt(null),
    remove: () => changePlans('removing', () => api.removePlan(volume)),
    backUpNow: async () => {
      if (dirty && !(await save(true))) return;
      await runNow();
    },
    chooseFolder: async () => {
      const r = await api.chooseBackupFolder(draft.dir || undefined);
      if (r.ok && r.value) setDraft((d) => ({ ...d, dir: r.value ?? d.dir }));
    },
  };
}
