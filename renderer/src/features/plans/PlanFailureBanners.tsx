import { useMemo, useState, type ReactNode } from 'react';
import { api } from '../../api/bridge';
import { useNavigation } from '../../shell/navigation';
import { failureKey, failuresToShow, loadDismissed, saveDismissed } from './failureBanners';
import { usePlans } from './plansStore';

const storage = typeof window !== 'undefined' ? window.localStorage : undefined;

/** A banner per failed plan, once per failure (not per retry), with "Open plan", "Retry" and "Dismiss". */
export function PlanFailureBanners(): ReactNode {
  const list = usePlans((s) => s.list);
  const [dismissed, setDismissed] = useState(() => loadDismissed(storage));
  const [retrying, setRetrying] = useState<string | null>(null);
  const shown = useMemo(() => failuresToShow(list?.plans ?? [], dismissed), [list, dismissed]);
  if (shown.length === 0) return null;
  const dismiss = (key: string) => {
    const next = new Set(dismissed).add(key);
    setDismissed(next);
    saveDismissed(storage, next);
  };
  return (
    <>
      {shown.map((s) => {
        const volume = s.plan.volume;
        return (
          <div key={failureKey(s)} className="notice notice-danger" role="alert" aria-label={`Backup of ${volume} failed`}>
            <div style={{ flex: 1, minWidth: 0 }}>
              <div className="notice-title">The planned backup of {volume} failed.</div>
              <div className="vol-break">{s.last?.message}</div>
              <div className="muted small">
                {s.lastSuccessAt === null ? 'It has no good backup yet.' : `Its last good backup is from ${new Date(s.lastSuccessAt).toLocaleString()}.`} The
                plan tries again by itself.
              </div>
            </div>
            <button
              className="btn"
              onClick={() => {
                useNavigation.getState().go('volumes', { volume });
                usePlans.getState().openPlan(volume);
              }}
            >
              Open plan
            </button>
            <button
              className="btn"
              disabled={retrying === volume || s.running}
              onClick={() => {
                setRetrying(volume);
                void api.runPlanNow(volume).then((r) => {
                  setRetrying(null);
                  if (r.ok) usePlans.getState().accept(r.value.plans);
                });
              }}
            >
              {retrying === volume || s.running ? 'Retrying…' : 'Retry'}
            </button>
            <button className="btn btn-ghost" aria-label={`Dismiss the failure of ${volume}`} onClick={() => dismiss(failureKey(s))}>
              Dismiss
            </button>
          </div>
        );
      })}
    </>
  );
}
