import { useState } from 'react';
import type { LaunchState, PullProgressEvent } from '../../../../shared/contract/launcher';
import { formatBytes } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { ErrorNotice } from '../../components/ErrorNotice';
import { LogView } from './LogView';
import { useLauncherStore } from './launcherStore';

const STEP_LABEL: Record<LaunchState, string> = {
  checking: 'Checking',
  pulling: 'Pulling image',
  creating: 'Creating',
  starting: 'Starting',
  waiting: 'Waiting for Jupyter',
  ready: 'Ready',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

function steps(history: LaunchState[], state: LaunchState): LaunchState[] {
  const base: LaunchState[] =
    history.includes('creating') || !history.includes('starting')
      ? ['checking', 'creating', 'starting', 'waiting', 'ready']
      : ['checking', 'starting', 'waiting', 'ready'];
  if (history.includes('pulling')) base.splice(1, 0, 'pulling');
  if (state === 'failed' || state === 'cancelled') {
    // The run ended at the step it reached: show the steps up to there; that one carries the failure.
    const reached = history.filter((s) => s !== 'failed' && s !== 'cancelled');
    const last = reached.at(-1) ?? 'checking';
    return base.slice(0, base.indexOf(last) + 1);
  }
  return base;
}

export function PullProgress(props: { pull: PullProgressEvent }) {
  const { layers } = props.pull;
  let current = 0;
  let total = 0;
  for (const l of layers) {
    if (l.total) {
      total += l.total;
      current += Math.min(l.current ?? 0, l.total);
    }
  }
  return (
    <div className="al-pull">
      <div className="toolbar small">
        <span>{props.pull.status || `Pulling ${props.pull.image}`}</span>
        <span className="spacer" />
        {total > 0 ? (
          <span className="muted">
            {formatBytes(current)} / {formatBytes(total)}
          </span>
        ) : null}
      </div>
      {total > 0 ? <progress className="al-progress" max={total} value={current} aria-label={`Pulling ${props.pull.image}`} /> : null}
      <ul className="al-layers" aria-label="Image layers">
        {layers.map((l) => (
          <li key={l.id}>
            <code>{l.id}</code>
            <span className="muted">{l.status}</span>
            {l.total ? <progress max={l.total} value={l.current ?? 0} aria-label={`Layer ${l.id}`} /> : <span />}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Where the launch is: the steps, pull progress, the container's log, and the outcome. */
export function LaunchProgress() {
  const run = useLauncherStore((s) => s.run);
  const cancel = useLauncherStore((s) => s.cancelLaunch);
  const clear = useLauncherStore((s) => s.clearRun);
  const [openError, setOpenError] = useState<string | null>(null);
  const [opening, setOpening] = useState(false);
  if (!run) return null;
  const list = steps(run.history, run.state);
  const ended = run.state === 'failed' || run.state === 'cancelled';
  const at = ended ? list.length - 1 : list.indexOf(run.state);
  const active = !['ready', 'failed', 'cancelled'].includes(run.state);
  const canCancel = active && (run.state === 'pulling' || run.state === 'waiting' || run.state === 'checking');

  const openInBrowser = async () => {
    if (!run.containerId) return;
    setOpening(true);
    setOpenError(null);
    const r = await api.openAiLab(run.containerId);
    setOpening(false);
    if (!r.ok) setOpenError(`${r.error.message}${r.error.hint ? ` ${r.error.hint}` : ''}`);
  };

  return (
    <section className="al-progress-panel" aria-label="Launch progress">
      <ol className="al-steps" aria-label="Launch steps">
        {list.map((s, i) => {
          const status = ended && i === at ? 'failed' : i < at || run.state === 'ready' ? 'done' : i === at ? 'current' : 'todo';
          return (
            <li key={s} className={`al-step al-step-${status}`} aria-current={i === at ? 'step' : undefined}>
              <span className="al-step-dot" aria-hidden="true">
                {status === 'done' ? '✓' : status === 'failed' ? '✕' : i + 1}
              </span>
              {STEP_LABEL[s]}
              {status === 'failed' ? <span className="sr-only"> ({run.state})</span> : null}
            </li>
          );
        })}
      </ol>

      <div className="toolbar" role="status" aria-live="polite" aria-label="Launch state">
        {active ? <span className="spinner" aria-hidden="true" /> : null}
        <span className="al-state-text">{active ? run.message : <strong>{STEP_LABEL[run.state]}</strong>}</span>
        <span className="spacer" />
        {canCancel ? (
          <button type="button" className="btn btn-sm" onClick={() => void cancel()} disabled={run.cancelling}>
            {run.state === 'pulling' ? 'Cancel pull' : 'Stop waiting'}
          </button>
        ) : null}
        {!active ? (
          <button type="button" className={`btn btn-sm${run.state === 'ready' ? '' : ' btn-ghost'}`} onClick={clear}>
            {run.state === 'ready' ? 'Launch another' : 'Dismiss'}
          </button>
        ) : null}
      </div>
      {run.state === 'waiting' ? <p className="muted small al-note">Stopping the wait leaves the container running; you can open or stop it below.</p> : null}

      {run.state === 'pulling' && run.pull ? <PullProgress pull={run.pull} /> : null}

      {run.state === 'ready' && run.url ? (
        <div className="notice notice-info al-ready" role="group" aria-label="AI-Lab is ready">
          <div className="al-ready-text">
            <div className="notice-title">AI-Lab is ready</div>
            <div>
              <code className="al-url">{run.url}</code>
            </div>
            {run.loginHint ? <div className="small">{run.loginHint}</div> : null}
            {run.outcome?.warnings.map((w) => (
              <div key={w.code} className="small al-warn-text">
                {w.message}
              </div>
            ))}
          </div>
          <button type="button" className="btn btn-primary" onClick={() => void openInBrowser()} disabled={opening || !run.containerId}>
            Open in browser
          </button>
        </div>
      ) : null}
      {openError ? <div className="notice notice-danger small">{openError}</div> : null}

      {run.error && (run.state === 'failed' || run.state === 'cancelled') ? (
        <ErrorNotice error={run.error} tone={run.state === 'cancelled' ? 'warning' : 'danger'} smallHint />
      ) : null}

      {run.history.includes('waiting') || run.log.length > 0 ? (
        <LogView lines={run.log} label="Container log" emptyText="Waiting for the container's first log line…" height={260} />
      ) : null}
    </section>
  );
}
