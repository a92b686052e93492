import { SCS_FILE } from '../../../../shared/ailab';
import { useEffect, useId, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type { AiLabContainer, AiLabImageOption, PendingUpgrade, UpgradePlan, UpgradeProgressEvent } from '../../../../shared/contract/launcher';
import { formatBytes } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { Dialog, DialogActions, DialogClose } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PullProgress } from './LaunchProgress';
import { STEP_LABELS, useUpgradeStore, type UpgradeRun } from './upgradeStore';

function StepList(props: { steps: UpgradeProgressEvent[] }) {
  return (
    <ol className="al-upgrade-steps" aria-label="Upgrade steps">
      {props.steps.map((s) => (
        <li key={s.step} className={`al-upgrade-step al-upgrade-${s.status}`} data-step={s.step} data-status={s.status}>
          <span className="al-upgrade-mark" aria-hidden="true">
            {s.status === 'done' ? '✓' : s.status === 'failed' ? '✕' : s.status === 'skipped' ? '–' : ''}
            {s.status === 'running' ? <span className="spinner" /> : null}
          </span>
          <span>
            <strong>{STEP_LABELS[s.step]}</strong>
            <span className="sr-only"> ({s.status})</span>
            <span className="muted small al-upgrade-msg">{s.message}</span>
          </span>
        </li>
      ))}
    </ol>
  );
}

function PlanView(props: { plan: UpgradePlan }) {
  const p = props.plan;
  const c = p.container;
  return (
    <div className="al-upgrade-plan" aria-label="Upgrade plan">
      <p>
        <strong>{p.version.message}</strong>
      </p>
      <ol className="al-upgrade-plan-steps">
        {p.needsPull ? <li>{p.image.image} is pulled first; if the pull fails, nothing is changed.</li> : null}
        <li>
          {c.state === 'running' ? `"${c.name}" is stopped, then v` : 'V'}olume <strong>{p.volume}</strong> ({formatBytes(p.volumeBytes)}) is backed up and
          verified to <code className="al-break">{p.backupFile}</code>
          {p.backupFreeBytes !== null ? ` (${formatBytes(p.backupFreeBytes)} free there)` : ''}.
        </li>
        <li>
          The old container is kept, stopped, as <code>{p.keptAs}</code> (with its <code>%pip</code> extras), not removed.
        </li>
        <li>
          {p.image.image} starts as <strong>{c.name}</strong> with the same volume, port {c.listenIp}:{c.hostPort}, password setting
          {c.dockerSocket ? ' and Docker socket' : ''}; the volume is mounted at <code>{p.newNotebooksPath}</code>.
        </li>
        <li>
          When Jupyter answers you choose Keep (the old container is removed) or Roll back. If it does not get ready, everything is rolled back by itself.
        </li>
      </ol>
      {p.notes.map((n) => (
        <p key={n} className="notice notice-info small">
          {n}
        </p>
      ))}
      {p.blockers.map((b) => (
        <ErrorNotice key={b.message} error={b} />
      ))}
    </div>
  );
}

function Outcome(props: { run: UpgradeRun }) {
  const { run } = props;
  if (run.error) return <ErrorNotice error={run.error} title={run.error.message} />;
  if (run.finished) {
    return (
      <p className="notice notice-info" role="status">
        {run.finished.message}
      </p>
    );
  }
  if (run.outcome) {
    return (
      <div className="notice notice-info" role="status">
        <div>
          <strong>{run.outcome.upgrade.newImage} is ready</strong> at <code>{run.outcome.url}</code>. {run.outcome.loginHint}
          <div className="small">
            Try it, then keep it (the old container <code>{run.outcome.upgrade.keptAs}</code> is removed) or roll back (the volume is restored from{' '}
            <code className="al-break">{run.outcome.upgrade.backupFile}</code> if the new version changed it).
          </div>
        </div>
      </div>
    );
  }
  return null;
}

function Decide(props: { pending: PendingUpgrade; busy: boolean }) {
  const finish = useUpgradeStore((s) => s.finish);
  const [keepScs, setKeepScs] = useState(false);
  const p = props.pending;
  return (
    <>
      <label className="checkbox al-upgrade-scs">
        <input type="checkbox" checked={keepScs} onChange={(e) => setKeepScs(e.target.checked)} disabled={props.busy} />
        <span>
          On a roll back, keep the Secure Configuration Storage as it is now
          <span className="small muted">
            {' '}
            (<code>{SCS_FILE}</code>). Without this, a roll back returns it to how it was before the upgrade, with that time&apos;s master password and
            connections; notebooks saved since the upgrade go back too.
          </span>
        </span>
      </label>
      <div className="toolbar al-upgrade-decide">
        <button type="button" className="btn" disabled={props.busy} onClick={() => void finish(p, 'rollback', { keepScs })}>
          Roll back
        </button>
        <button type="button" className="btn btn-primary" disabled={props.busy || p.state !== 'ready'} onClick={() => void finish(p, 'keep')} data-autofocus>
          Keep {p.newImage.split(':').at(-1)}
        </button>
      </div>
    </>
  );
}

/**
 * "Upgrade…" on an AI-Lab container row: choose a newer image (a local one, or a tag to pull), read
 * the plan, follow the steps, then Keep or Roll back. Opened on a container with a pending upgrade it
 * shows only that choice (after a reload, or from another process).
 */
export function UpgradeDialog(props: { container: AiLabContainer; onClose: () => void }) {
  const { container, onClose } = props;
  const ids = { image: useId(), local: useId() };
  const run = useUpgradeStore((s) => s.run);
  const pendingList = useUpgradeStore((s) => s.pending);
  const start = useUpgradeStore((s) => s.upgrade);
  const clearRun = useUpgradeStore((s) => s.clearRun);
  const pending = pendingList.find((p) => p.name === container.name || p.keptAs === container.name) ?? null;
  const [images, setImages] = useState<AiLabImageOption[] | null>(null);
  const [image, setImage] = useState('');
  const [plan, setPlan] = useState<UpgradePlan | null>(null);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const [planning, setPlanning] = useState(false);
  const mine = run && (run.name === container.name || (pending && run.name === pending.name)) ? run : null;
  const busy = Boolean(mine && !mine.done);

  useEffect(() => {
    if (pending || mine) return;
    let live = true;
    void api.listAiLabUpgradeImages(container.id).then((r) => {
      if (!live) return;
      if (r.ok) {
        setImages(r.value);
        setImage((cur) => cur || (r.value[0]?.ref ?? ''));
      } else setError(r.error);
    });
    return () => {
      live = false;
    };
    // Read once per opening; the list does not follow the engine.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [container.id]);

  const close = () => {
    if (busy) return;
    if (mine?.done) clearRun();
    onClose();
  };

  const showPlan = async () => {
    setPlanning(true);
    setError(null);
    const r = await api.planAiLabUpgrade(container.id, image.trim());
    setPlanning(false);
    if (r.ok) setPlan(r.value);
    else setError(r.error);
  };

  let body;
  if (mine) {
    const waitingChoice = mine.kind === 'upgrade' && mine.done && mine.outcome && pending;
    body = (
      <>
        <StepList steps={mine.steps} />
        {mine.pull && !mine.pull.done ? <PullProgress pull={mine.pull} /> : null}
        <Outcome run={mine} />
        {waitingChoice ? <Decide pending={pending} busy={busy} /> : null}
        {mine.done && !waitingChoice ? <DialogClose onClose={close} primary /> : null}
      </>
    );
  } else if (pending) {
    body = (
      <>
        <p>
          <strong>{pending.name}</strong> was upgraded from {pending.oldImage} to {pending.newImage}
          {pending.state === 'ready' ? '' : ', but the app stopped before the new version was ready'}. The old container is kept as{' '}
          <code>{pending.keptAs}</code>; the backup from before the upgrade is <code className="al-break">{pending.backupFile}</code>.
        </p>
        <p className="muted small">
          Keep removes the old container. Roll back removes the new one, restores the volume from the backup if it changed, and starts the old one again if it
          was running.
        </p>
        <Decide pending={pending} busy={busy} />
        <DialogActions onCancel={close} />
      </>
    );
  } else if (plan) {
    body = (
      <>
        <PlanView plan={plan} />
        <DialogActions onCancel={() => setPlan(null)}>
          <button
            type="button"
            className="btn btn-primary"
            disabled={plan.blockers.length > 0}
            onClick={() => void start(container.id, container.name, plan.image.image)}
            data-autofocus={plan.blockers.length === 0 ? true : undefined}
          >
            Upgrade to {plan.version.to}
          </button>
        </DialogActions>
      </>
    );
  } else {
    body = (
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (image.trim()) void showPlan();
        }}
      >
        <fieldset className="al-upgrade-images">
          <legend>Newer images on this Docker host</legend>
          {images === null ? (
            <span className="muted small">Looking…</span>
          ) : images.length === 0 ? (
            <span className="muted small">None: type a tag to pull below.</span>
          ) : (
            images.map((i) => (
              <label key={i.ref} className="checkbox">
                <input type="radio" name={ids.local} value={i.ref} checked={image === i.ref} onChange={() => setImage(i.ref)} />
                <span>
                  <code>{i.ref}</code> <span className="muted small">{formatBytes(i.sizeBytes)}</span>
                </span>
              </label>
            ))
          )}
        </fieldset>
        <div className="field">
          <label htmlFor={ids.image}>Image (a tag to pull, or one of the above)</label>
          <input
            id={ids.image}
            className="input"
            value={image}
            onChange={(e) => setImage(e.target.value)}
            placeholder="exasol/ai-lab:6.2.0"
            spellCheck={false}
            autoComplete="off"
            data-autofocus
          />
          <span className="field-hint">An image that is not here is pulled after you confirm the plan.</span>
        </div>
        {error ? <ErrorNotice error={error} /> : null}
        <DialogActions onCancel={close}>
          <button type="submit" className="btn btn-primary" disabled={!image.trim() || planning}>
            {planning ? 'Checking…' : 'Show the plan'}
          </button>
        </DialogActions>
      </form>
    );
  }

  return (
    <Dialog title={`Upgrade ${pending?.name ?? container.name}`} onClose={close} busy={busy} className="al-dialog-wide">
      {mine?.done ? null : (
        <p className="muted small">
          Now: {container.image} ({container.state}), volume {container.volume ?? 'none'} at {container.notebooksPath ?? '—'}.
        </p>
      )}
      {body}
    </Dialog>
  );
}
