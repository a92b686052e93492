import { useEffect, useRef, useState, type Dispatch, type SetStateAction } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type { ContainerRef, JobEngine, JobSummary, RestorePlan, RestoreSource } from '../../../../shared/contract/jobs';
import { checkVolumeName } from '../../../../shared/contract/validation';
import { api } from '../../api/bridge';
import type { RestoreRequest } from './jobsStore';

export type RestoreTarget = 'new' | 'replace' | 'merge';

export function sourceKey(s: RestoreSource): string {
  return 'uploadId' in s ? s.uploadId : s.archivePath;
}

export interface RestorePlanState {
  source: RestoreSource | null;
  sourceName: string | null;
  chooseSource(source: RestoreSource, name: string): void;
  /** Back to the picker after a file that cannot be restored. */
  forgetSource(): void;
  plan: RestorePlan | null;
  planError: ApiErrorPayload | null;
  /** How far main has read the archive while it plans (null when not reading). */
  reading: { done: number; total: number } | null;
  /** The names of the volumes there are, for "restore into an existing volume". */
  volumes: string[];
  target: RestoreTarget;
  setTarget: Dispatch<SetStateAction<RestoreTarget>>;
  existing: string;
  setExisting: Dispatch<SetStateAction<string>>;
  newName: string;
  setNewName: Dispatch<SetStateAction<string>>;
  strip: boolean;
  setStrip: Dispatch<SetStateAction<boolean>>;
  engine: JobEngine;
  /** The user's choice: from then on a new plan no longer resets the engine to its default. */
  chooseEngine(engine: JobEngine): void;
  stop: boolean;
  setStop: Dispatch<SetStateAction<boolean>>;
  keepSetuid: boolean;
  setKeepSetuid: Dispatch<SetStateAction<boolean>>;
  /**
   * The target has its own SCS and the archive's differs: the user must say which one the volume keeps
   * (`scsChoice`); nothing is preselected, since either answer loses something.
   */
  askScs: boolean;
  scsChoice: 'archive' | 'keep' | null;
  setScsChoice(choice: 'archive' | 'keep'): void;
  busy: boolean;
  error: ApiErrorPayload | null;
  /** What is wrong with the new volume's name (including "already exists"), or null. */
  nameProblem: string | null;
  /** The volume the restore writes to. */
  volume: string;
  /** Running containers that use the target volume. */
  running: ContainerRef[];
  /** The helper image is missing and this restore needs it (tar engine, or replace's safety backup). */
  needsImage: boolean;
  canStart: boolean;
  /** Starts the restore; the job, or null when main refused (then `error` says why). */
  start(): Promise<JobSummary | null>;
}

/**
 * The restore dialog's state: the archive (given, picked or uploaded), main's plan for it (read in
 * full before anything changes, planned again when the target volume or the top-folder choice
 * changes), the choices (target, name, engine, stop, setuid) and whether the restore can start.
 */
export function useRestorePlan(request: RestoreRequest): RestorePlanState {
  const [source, setSource] = useState<RestoreSource | null>(request.source);
  const [sourceName, setSourceName] = useState<string | null>(request.sourceName);
  const [plan, setPlan] = useState<RestorePlan | null>(null);
  const [planError, setPlanError] = useState<ApiErrorPayload | null>(null);
  const [reading, setReading] = useState<{ done: number; total: number } | null>(null);
  const [volumes, setVolumes] = useState<string[]>([]);
  const [target, setTarget] = useState<RestoreTarget>(request.volume ? 'replace' : 'new');
  const [existing, setExisting] = useState(request.volume ?? '');
  const [newName, setNewName] = useState('');
  const [strip, setStrip] = useState(false);
  const [engine, setEngine] = useState<JobEngine>('fast');
  const [stop, setStop] = useState(true);
  const [keepSetuid, setKeepSetuid] = useState(false);
  const [scsAnswer, setScsAnswer] = useState<{ volume: string | null; choice: 'archive' | 'keep' } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const engineTouched = useRef(false);

  useEffect(() => {
    void api.listVolumes().then((r) => {
      if (r.ok) setVolumes(r.value.map((v) => v.name));
    });
  }, []);

  const volumeForPlan = target === 'new' ? null : existing || null;
  // Another volume has another SCS: the answer given for the previous one does not carry over.
  const scsChoice = scsAnswer && scsAnswer.volume === volumeForPlan ? scsAnswer.choice : null;
  useEffect(() => {
    if (!source) return;
    let live = true;
    const key = sourceKey(source);
    const off = api.onRestorePlanProgress((p) => {
      if (p.key === key) setReading({ done: p.bytesDone, total: p.bytesTotal });
    });
    void api.planRestore({ source, volume: volumeForPlan, stripTopFolder: strip }).then((r) => {
      if (!live) return;
      setReading(null);
      if (!r.ok) {
        setPlan(null);
        setPlanError(r.error);
        return;
      }
      setPlanError(null);
      setPlan(r.value);
      setNewName((n) => n || r.value.suggestedVolume);
      if (!engineTouched.current) setEngine(r.value.defaultEngine);
    });
    return () => {
      live = false;
      off();
    };
  }, [source, volumeForPlan, strip]);

  const nameProblem =
    target === 'new'
      ? (checkVolumeName(newName) ?? (volumes.includes(newName) ? `A volume named ${newName} already exists: choose another name, or restore into it.` : null))
      : null;
  const volume = target === 'new' ? newName : existing;
  const running = plan?.target?.containers.filter((c) => c.running) ?? [];
  const needsImage = plan !== null && !plan.helperImagePresent && (engine === 'tar' || target === 'replace');
  const askScs = target !== 'new' && plan?.target?.scs?.differs === true;
  const canStart = !!plan && !busy && !needsImage && (target === 'new' ? !nameProblem : !!existing) && (!askScs || scsChoice !== null);

  const start = async (): Promise<JobSummary | null> => {
    if (!source) return null;
    setBusy(true);
    setError(null);
    const r = await api.startRestore({
      source,
      volume,
      mode: target,
      engine,
      stripTopFolder: strip,
      stopContainers: stop && running.length > 0,
      keepSetuid: keepSetuid && (plan?.archive.setuidRootCount ?? 0) > 0,
      ...(target !== 'new' && scsChoice === 'keep' ? { keepScs: true } : {}),
    });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      return null;
    }
    return r.value;
  };

  return {
    source,
    sourceName,
    chooseSource(s, name) {
      setSource(s);
      setSourceName(name);
    },
    forgetSource() {
      setSource(null);
      setSourceName(null);
      setPlanError(null);
    },
    plan,
    planError,
    reading,
    volumes,
    target,
    setTarget,
    existing,
    setExisting,
    newName,
    setNewName,
    strip,
    setStrip,
    engine,
    chooseEngine(e) {
      engineTouched.current = true;
      setEngine(e);
    },
    stop,
    setStop,
    keepSetuid,
    setKeepSetuid,
    askScs,
    scsChoice,
    setScsChoice: (choice) => setScsAnswer({ volume: volumeForPlan, choice }),
    busy,
    error,
    nameProblem,
    volume,
    running,
    needsImage,
    canStart,
    start,
  };
}
