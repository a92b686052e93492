import { useEffect, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type { BackupPlan, JobEngine } from '../../../../shared/contract/jobs';
import { api } from '../../api/bridge';
import { Field, FolderField, PathInput } from '../../components/Field';
import { EngineChoice } from './EngineChoice';
import { HelperImageNotice } from './HelperImageNotice';
import { StopContainersNotice } from './StopContainersNotice';
import { ErrorNotice, JobDialog } from './JobDialog';
import { useJobs } from './jobsStore';

/** Back up one volume: folder (remembered), file name, engine, stop the containers using it. */
export function BackupDialog(props: { volume: string }) {
  const { volume } = props;
  const close = () => useJobs.getState().closeDialogs();
  const [plan, setPlan] = useState<BackupPlan | null>(null);
  const [planError, setPlanError] = useState<ApiErrorPayload | null>(null);
  const [dir, setDir] = useState('');
  const [fileName, setFileName] = useState('');
  const [engine, setEngine] = useState<JobEngine>('fast');
  const [stop, setStop] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const [confirmOverwrite, setConfirmOverwrite] = useState<string | null>(null);

  /** Bumped to read the plan again (after pulling the helper image). */
  const [reload, setReload] = useState(0);
  useEffect(() => {
    let live = true;
    void api.prepareBackup(volume).then((r) => {
      if (!live) return;
      if (!r.ok) {
        setPlanError(r.error);
        return;
      }
      setPlan(r.value);
      setDir((d) => d || r.value.defaultDir);
      setFileName((f) => f || r.value.defaultFileName);
      if (reload === 0) {
        setEngine(r.value.engine);
        setStop(r.value.containers.some((c) => c.running));
      }
    });
    return () => {
      live = false;
    };
  }, [volume, reload]);

  const running = plan?.containers.filter((c) => c.running) ?? [];
  const needsImage = engine === 'tar' && plan !== null && !plan.helperImagePresent;

  const start = async (overwrite: boolean) => {
    setBusy(true);
    setError(null);
    const r = await api.startBackup({ volume, dir, fileName: fileName.trim(), engine, stopContainers: stop, overwrite });
    setBusy(false);
    if (r.ok) {
      useJobs.getState().closeDialogs();
      useJobs.getState().view(r.value.id);
      return;
    }
    if (r.error.code === 'FILE_EXISTS' && !overwrite && r.error.details?.overwritable === true) {
      setConfirmOverwrite(typeof r.error.details?.path === 'string' ? r.error.details.path : fileName);
      return;
    }
    setError(r.error);
  };

  const choose = async () => {
    const r = await api.chooseBackupFolder(dir);
    if (r.ok && r.value) setDir(r.value);
  };

  return (
    <JobDialog title={`Back up ${volume}`} onClose={close} busy={busy}>
      {planError ? <ErrorNotice error={planError} /> : null}
      {!plan && !planError ? (
        <p className="muted">
          <span className="spinner" /> Looking at the volume…
        </p>
      ) : null}
      {plan ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void start(false);
          }}
        >
          {plan.runningJobId ? (
            <div className="notice notice-warning">
              <div>
                A job is already running on this volume.{' '}
                <button type="button" className="btn btn-sm" onClick={() => useJobs.getState().view(plan.runningJobId)}>
                  Show it
                </button>
              </div>
            </div>
          ) : null}
          <FolderField
            id="jobs-backup-dir"
            value={dir}
            onChange={(e) => setDir(e.target.value)}
            onChoose={plan.canChooseFolder ? () => void choose() : undefined}
            required
          >
            <span className="field-hint">Remembered for the next backup. On the machine where AI-Lab Desktop runs; the default is ~/ailab-backups.</span>
          </FolderField>
          <Field id="jobs-backup-name" label="File name">
            <PathInput
              id="jobs-backup-name"
              value={fileName}
              onChange={(e) => {
                setFileName(e.target.value);
                setConfirmOverwrite(null);
              }}
              required
              data-autofocus
            />
            <span className="field-hint">A gzip&apos;d tar (.tgz) with entries ./…, restorable with the guide&apos;s tar -xvf command.</span>
          </Field>
          <EngineChoice
            name="jobs-engine"
            engine={engine}
            onChange={setEngine}
            fast="the same .tgz, compressed on all cores"
            tar={`the guide's tar -czvf in the helper image ${plan.helperImage}`}
          />
          {needsImage ? <HelperImageNotice image={plan.helperImage} onPulled={() => setReload((n) => n + 1)} /> : null}
          {running.length > 0 ? (
            <StopContainersNotice
              running={running}
              volume="this volume"
              job="backup"
              stop={stop}
              onStop={setStop}
              recommended={plan.stopFirst ? `This volume holds AI-Lab's Exasol database. ${plan.stopFirst.why}` : undefined}
            >
              <div className="small">Files changed while they are packed may be caught mid-write. Upstream advises stopping AI-Lab for a backup.</div>
            </StopContainersNotice>
          ) : null}
          {confirmOverwrite ? (
            <div className="notice notice-warning jobs-gap" role="alert">
              <div>
                <div className="notice-title">{confirmOverwrite} already exists.</div>
                <div className="toolbar jobs-gap-sm">
                  <button type="button" className="btn btn-danger" onClick={() => void start(true)} disabled={busy}>
                    Overwrite it
                  </button>
                  <button type="button" className="btn" onClick={() => setConfirmOverwrite(null)}>
                    Keep it
                  </button>
                </div>
              </div>
            </div>
          ) : null}
          <ErrorNotice error={error} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={close} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy || needsImage || !!plan.runningJobId || !dir.trim() || !fileName.trim()}>
              {busy ? <span className="spinner" /> : null}
              Back up
            </button>
          </div>
        </form>
      ) : null}
    </JobDialog>
  );
}
