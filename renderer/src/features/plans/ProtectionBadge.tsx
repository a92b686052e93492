import { useState, type ReactNode } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import { sftpUrl } from '../../../../shared/sftpTarget';
import { api } from '../../api/bridge';
import { ErrorNotice } from '../../components/ErrorNotice';
import { usePlans } from './plansStore';
import { describeProtection, retentionSentence, scheduleSentence } from './protection';

/**
 * A volume's protection in its row: a badge that opens the plan (its words are the accessible name;
 * a failure's message is in the tooltip and the dialog), or "Not protected" with "Protect…".
 */
export function ProtectionCell(props: { volume: string; tabIndex?: number }): ReactNode {
  const status = usePlans((s) => s.byVolume[props.volume]);
  const now = usePlans((s) => s.now);
  const loaded = usePlans((s) => s.list !== null);
  if (!loaded) return null;
  const p = describeProtection(status, now);
  const open = () => usePlans.getState().openPlan(props.volume);
  if (p.state === 'none')
    return (
      <span className="prot-none">
        <span className="muted small">Not protected</span>
        <button type="button" className="btn btn-ghost btn-sm prot-protect" tabIndex={props.tabIndex} aria-label={`Protect ${props.volume}…`} onClick={open}>
          Protect…
        </button>
      </span>
    );
  return (
    <button
      type="button"
      className={`badge prot-badge prot-${p.tone}`}
      tabIndex={props.tabIndex}
      title={p.detail}
      aria-label={`${p.label}. ${p.state === 'ok' ? '' : `${p.detail} `}Edit the plan of ${props.volume}`}
      data-protection={p.state}
      onClick={open}
    >
      {p.state === 'failing' || p.state === 'overdue' ? (
        <span aria-hidden="true" className="prot-icon">
          !
        </span>
      ) : null}
      <span className="prot-text">{p.label}</span>
    </button>
  );
}

/** The details panel's section: the plan in words and its actions. */
export function ProtectionSection(props: { volume: string }): ReactNode {
  const status = usePlans((s) => s.byVolume[props.volume]);
  const now = usePlans((s) => s.now);
  const p = describeProtection(status, now);
  const store = usePlans.getState;
  const [starting, setStarting] = useState(false);
  const [failure, setFailure] = useState<ApiErrorPayload | null>(null);
  const backUpNow = async () => {
    setStarting(true);
    setFailure(null);
    const r = await api.runPlanNow(props.volume);
    setStarting(false);
    // The outcome shows in the badge (plansChanged); only a refusal (JOB_CONFLICT, no plan) is said here.
    if (r.ok) store().accept(r.value.plans);
    else setFailure(r.error);
  };
  return (
    <section aria-label={`Protection of ${props.volume}`} className="prot-section">
      <h3 className="vol-section-title">Protection</h3>
      <p className={`prot-line prot-fg-${p.tone}`} data-protection={p.state}>
        {p.label}
      </p>
      {status ? (
        <>
          {p.state !== 'ok' ? <p className="small vol-m0 vol-break">{p.detail}</p> : null}
          {status.last?.copy && status.last.copy.message !== p.detail ? (
            <p className={`small vol-m0 vol-break${status.last.copy.status === 'failed' ? ' prot-fg-danger' : ''}`} data-testid="copy-outcome">
              {status.last.copy.message}
            </p>
          ) : null}
          <p className="muted small vol-m0 vol-break">
            Backs up {scheduleSentence(status.plan.schedule)} to <span className="mono">{status.plan.dir}</span>
            {status.plan.sftp ? (
              <>
                {' '}
                and copies each backup to <span className="mono">{sftpUrl(status.plan.sftp)}</span>
              </>
            ) : null}
            . {retentionSentence(status.plan.retention)}
          </p>
        </>
      ) : (
        <p className="muted small vol-m0">{p.detail}</p>
      )}
      <div className="toolbar">
        <button className="btn" onClick={() => store().openPlan(props.volume)}>
          {status ? 'Edit plan…' : 'Protect…'}
        </button>
        {status ? (
          <button className="btn" onClick={() => void backUpNow()} disabled={starting || status.running}>
            {starting || status.running ? 'Backing up…' : 'Back up now'}
          </button>
        ) : null}
        <button className="btn" onClick={() => store().openCatalogue(props.volume)}>
          Backups…
        </button>
      </div>
      {failure ? <ErrorNotice error={failure} /> : null}
    </section>
  );
}
