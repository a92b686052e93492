import { useRef, useState } from 'react';
import { SCS_FILE } from '../../../../shared/ailab';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type { RestoreSource } from '../../../../shared/contract/jobs';
import { api, runMode } from '../../api/bridge';
import { DialogActions } from '../../components/Dialog';
import { PathInput } from '../../components/Field';
import { uploadArchive } from './drop';
import { archiveParts, formatBytes, formatCount } from './format';
import { EngineChoice } from './EngineChoice';
import { HelperImageNotice } from './HelperImageNotice';
import { StopContainersNotice } from './StopContainersNotice';
import { ErrorNotice, JobDialog } from './JobDialog';
import { TopFolderChoice } from './TopFolderChoice';
import { useJobs, type RestoreRequest } from './jobsStore';
import { useRestorePlan } from './useRestorePlan';

/** Pick an archive: a native dialog in Electron, a file upload in the browser mode, or a typed path. */
function SourcePicker(props: { onSource: (s: RestoreSource, name: string) => void }) {
  const [path, setPath] = useState('');
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const upload = useJobs((s) => s.upload);
  const pick = async () => {
    if (runMode === 'electron') {
      const r = await api.chooseArchiveFile();
      if (r.ok && r.value) props.onSource({ archivePath: r.value }, r.value.split(/[\\/]/).pop() ?? r.value);
      else if (!r.ok) setError(r.error);
      return;
    }
    fileInput.current?.click();
  };
  return (
    <div>
      <p className="muted">Drop a .tgz, .tar.gz or .tar onto the window, or choose one.</p>
      <div className="toolbar">
        <button type="button" className="btn btn-primary" onClick={() => void pick()} data-autofocus>
          Choose a backup…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".tgz,.gz,.tar,application/gzip,application/x-tar"
          hidden
          aria-label="Backup file to upload"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            setError(null);
            const r = await uploadArchive(file);
            if (r.ok) props.onSource(r.source, file.name);
            else setError(r.error);
          }}
        />
      </div>
      {upload ? (
        <div className="jobs-gap" aria-live="polite">
          Uploading {upload.name}… {upload.total > 0 ? Math.floor((upload.sent / upload.total) * 100) : 0}%
          <progress className="jobs-bar" max={upload.total || 1} value={upload.sent} aria-label="Upload progress" />
        </div>
      ) : null}
      <form
        className="field jobs-gap"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) props.onSource({ archivePath: path.trim() }, path.trim().split(/[\\/]/).pop() ?? path);
        }}
      >
        <label htmlFor="jobs-restore-path">Or the path of an archive on this machine</label>
        <div className="toolbar">
          <PathInput
            id="jobs-restore-path"
            className="input-grow"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/home/me/ailab-backups/notebooks.tgz"
          />
          <button type="submit" className="btn" disabled={!path.trim()}>
            Check
          </button>
        </div>
      </form>
      <ErrorNotice error={error} />
    </div>
  );
}

/** When a date is known: "1 Dec 2026, 10:00". */
function when(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : 'unknown';
}

/**
 * The archive's SCS over the volume's: what a restore does to the master password, and, when the two
 * differ, the explicit choice between them (keepScs leaves the volume's exactly as it is).
 */
function ScsNotice(props: {
  plan: NonNullable<ReturnType<typeof useRestorePlan>['plan']>;
  target: 'new' | 'replace' | 'merge';
  ask: boolean;
  choice: 'archive' | 'keep' | null;
  onChoice: (c: 'archive' | 'keep') => void;
}) {
  const { plan, target, ask, choice } = props;
  const t = plan.target;
  const into = target !== 'new' && t?.exists ? t : null;
  const scs = into?.scs ?? null;
  return (
    <div className={`notice ${into?.overwritesScs && choice !== 'keep' ? 'notice-danger' : 'notice-warning'} jobs-gap`} role="note">
      <div>
        <div className="notice-title">
          {plan.archive.containsScs
            ? `This backup contains a Secure Configuration Storage (${SCS_FILE})`
            : `${into?.volume} has a Secure Configuration Storage (${SCS_FILE})`}
        </div>
        <div className="small">
          {choice === 'keep' && into ? (
            <>It is not restored: {into.volume} keeps its own, and with it its master password.</>
          ) : plan.archive.containsScs ? (
            <>
              Restoring it brings back the archive&apos;s stored credentials and <strong>its master password</strong>.
            </>
          ) : null}
          {into?.overwritesScs && scs && !scs.differs ? ` It is the same file as the one in ${into.volume}: nothing changes there.` : ''}
          {into?.overwritesScs && (!scs || scs.differs) && choice !== 'keep'
            ? ` The SCS now in ${into.volume} will be overwritten; its master password stops working.`
            : ''}
        </div>
        {ask && into ? (
          <fieldset className="jobs-fieldset jobs-gap-sm" aria-label="Secure Configuration Storage">
            <legend className="small">
              The two differ (in {into.volume}: changed {when(scs?.volume?.modifiedAt)}; in the backup: {when(scs?.archive?.modifiedAt)}). Which one should{' '}
              {into.volume} have?
            </legend>
            <label className="checkbox">
              <input type="radio" name="jobs-scs" checked={choice === 'keep'} onChange={() => props.onChoice('keep')} />
              <span>
                Keep the current one of {into.volume} <span className="muted small">— left exactly as it is; everything else is restored</span>
              </span>
            </label>
            <label className="checkbox">
              <input type="radio" name="jobs-scs" checked={choice === 'archive'} onChange={() => props.onChoice('archive')} />
              <span>
                Restore the backup&apos;s <span className="muted small">— its master password and connection settings become those of the backup</span>
              </span>
            </label>
          </fieldset>
        ) : null}
      </div>
    </div>
  );
}

/**
 * Restore: read the whole archive first (nothing changes), show what it holds and what the restore
 * would overwrite, then new volume / replace (safety backup first) / merge. The state and the rules
 * of what may start are useRestorePlan's.
 */
export function RestoreDialog(props: { request: RestoreRequest }) {
  const close = () => useJobs.getState().closeDialogs();
  const r = useRestorePlan(props.request);
  const { source, sourceName, plan, planError, reading, volumes, target, setTarget, existing, setExisting, newName, setNewName, strip, setStrip, engine } = r;
  const { stop, setStop, keepSetuid, setKeepSetuid, busy, error, nameProblem, running, needsImage, canStart, askScs, scsChoice, setScsChoice } = r;

  const start = async () => {
    const job = await r.start();
    if (!job) return;
    useJobs.getState().closeDialogs();
    useJobs.getState().view(job.id);
  };

  const a = plan?.archive;
  return (
    <JobDialog title={sourceName ? `Restore ${sourceName}` : 'Restore a backup'} onClose={close} busy={busy} wide>
      {!source ? <SourcePicker onSource={r.chooseSource} /> : null}
      {source && !plan && !planError ? (
        <div aria-live="polite" className="jobs-gap">
          <span className="spinner" /> Reading the whole archive before anything changes…{' '}
          {reading && reading.total > 0 ? `${Math.floor((reading.done / reading.total) * 100)}%` : ''}
          {reading ? <progress className="jobs-bar" max={reading.total || 1} value={reading.done} aria-label="Reading the archive" /> : null}
        </div>
      ) : null}
      {!plan && !planError ? <DialogActions onCancel={close} focusCancel={source !== null} /> : null}
      {planError ? (
        <>
          <ErrorNotice error={planError} title="This file cannot be restored" />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={r.forgetSource}>
              Choose another file
            </button>
            <button type="button" className="btn btn-primary" onClick={close} data-autofocus>
              Close
            </button>
          </div>
        </>
      ) : null}
      {plan && a ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <section className="jobs-summary" aria-label="What the archive holds">
            <div>
              <strong>{formatCount(a.entries)}</strong> {a.entries === 1 ? 'entry' : 'entries'}: {archiveParts(a)}
            </div>
            <div>
              {formatBytes(a.totalBytes)} ({formatBytes(a.compressedBytes)} {a.format === 'tgz' ? 'compressed' : 'tar'}) · gzip and tar structure checked ✓
            </div>
            {plan.manifest ? (
              <div className="muted small">
                Backup of volume <strong>{plan.manifest.volume}</strong> made {new Date(plan.manifest.createdAt).toLocaleString()}
                {plan.manifest.sourceImage ? ` from ${plan.manifest.sourceImage}` : ''} with AI-Lab Desktop {plan.manifest.appVersion}
              </div>
            ) : null}
            {plan.manifestWarning ? <div className="small jobs-warn-text">{plan.manifestWarning}</div> : null}
            <div className="muted small mono jobs-ellipsis" title={a.sha256}>
              sha256 {a.sha256}
            </div>
          </section>

          <TopFolderChoice advice={plan.topFolder} strip={strip} onStrip={setStrip} />

          {a.setuidRootCount > 0 ? (
            <label className="checkbox jobs-gap">
              <input type="checkbox" checked={keepSetuid} onChange={(e) => setKeepSetuid(e.target.checked)} />
              <span>
                Keep the setuid/setgid bit of {a.setuidRootCount} root-owned {a.setuidRootCount === 1 ? 'file' : 'files'}{' '}
                <span className="muted small mono">
                  ({a.setuidRootFiles.slice(0, 3).join(', ')}
                  {a.setuidRootCount > 3 ? ', …' : ''})
                </span>{' '}
                <span className="muted small">— unchecked, they are restored without it: in AI-Lab they would let the notebook user become root</span>
              </span>
            </label>
          ) : null}

          <fieldset className="jobs-fieldset jobs-gap">
            <legend className="field-label">Restore into</legend>
            <label className="checkbox">
              <input type="radio" name="jobs-target" checked={target === 'new'} onChange={() => setTarget('new')} />
              <span>A new volume</span>
            </label>
            {target === 'new' ? (
              <div className="field jobs-indent">
                <label htmlFor="jobs-restore-new" className="sr-only">
                  New volume name
                </label>
                <input
                  id="jobs-restore-new"
                  className="input mono"
                  value={newName}
                  aria-invalid={!!nameProblem}
                  onChange={(e) => setNewName(e.target.value)}
                  spellCheck={false}
                />
                {nameProblem ? <span className="field-error">{nameProblem}</span> : null}
              </div>
            ) : null}
            <label className="checkbox">
              <input type="radio" name="jobs-target" checked={target === 'replace'} onChange={() => setTarget('replace')} disabled={volumes.length === 0} />
              <span>
                An existing volume, <strong>replacing</strong> its contents{' '}
                <span className="muted small">— its current contents are backed up first (kept as a safety backup) and put back if the restore fails</span>
              </span>
            </label>
            <label className="checkbox">
              <input type="radio" name="jobs-target" checked={target === 'merge'} onChange={() => setTarget('merge')} disabled={volumes.length === 0} />
              <span>
                An existing volume, <strong>merging</strong>{' '}
                <span className="muted small">— like the guide&apos;s tar -x: files with the same names are overwritten, all other files are kept</span>
              </span>
            </label>
          </fieldset>
          {/* Below both existing-volume choices, not under "merging": it serves replace and merge alike. */}
          {target !== 'new' ? (
            <div className="field jobs-gap-sm jobs-existing">
              <label htmlFor="jobs-restore-existing">Volume to restore into</label>
              <select id="jobs-restore-existing" className="input" value={existing} onChange={(e) => setExisting(e.target.value)}>
                <option value="">Choose a volume…</option>
                {volumes.map((v) => (
                  <option key={v} value={v}>
                    {v}
                  </option>
                ))}
              </select>
            </div>
          ) : null}

          {target !== 'new' && plan.target?.exists ? (
            <div className={`notice ${target === 'replace' ? 'notice-warning' : 'notice-info'} jobs-gap`}>
              <div>
                {target === 'replace' ? (
                  <div>
                    Everything in <strong>{plan.target.volume}</strong> is replaced by the archive. A safety backup is taken first.
                  </div>
                ) : plan.target.overwritten.length > 0 ? (
                  <div>
                    In both the archive and <strong>{plan.target.volume}</strong>, so files of the same names are overwritten:{' '}
                    {plan.target.overwritten.slice(0, 12).join(', ')}
                    {plan.target.overwritten.length > 12 ? ` and ${plan.target.overwritten.length - 12} more` : ''}. Everything else in the volume is kept.
                  </div>
                ) : (
                  <div>Nothing in {plan.target.volume} has the same name as the archive&apos;s top-level entries; everything in the volume is kept.</div>
                )}
              </div>
            </div>
          ) : null}

          {a.containsScs || (target !== 'new' && plan.target?.overwritesScs) ? (
            <ScsNotice plan={plan} target={target} ask={askScs} choice={scsChoice} onChoice={setScsChoice} />
          ) : null}

          {running.length > 0 && target !== 'new' ? (
            <StopContainersNotice running={running} volume={plan.target?.volume ?? existing} job="restore" stop={stop} onStop={setStop} />
          ) : null}

          <EngineChoice
            className="jobs-fieldset jobs-gap"
            name="jobs-restore-engine"
            engine={engine}
            onChange={r.chooseEngine}
            fast="unpacked on all cores, several files written at once"
            tar={`the guide's tar -xzvf in ${plan.helperImage}`}
          />
          {needsImage ? <HelperImageNotice image={plan.helperImage} onPulled={() => setStrip((s) => s)} /> : null}
          <ErrorNotice error={error} />
          <div className="dialog-actions">
            <button type="button" className="btn" onClick={close} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className={`btn ${target === 'replace' ? 'btn-danger btn-solid' : 'btn-primary'}`} disabled={!canStart}>
              {busy ? <span className="spinner" /> : null}
              {target === 'new'
                ? `Restore into new volume ${newName}`
                : target === 'replace'
                  ? `Replace ${existing || 'volume'}`
                  : `Merge into ${existing || 'volume'}`}
            </button>
          </div>
        </form>
      ) : null}
    </JobDialog>
  );
}
