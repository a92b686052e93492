import { useState } from 'react';
import type { JobSummary } from '../../../../shared/contract/jobs';
import { api, runMode } from '../../api/bridge';
import { useNow } from '../../components/useNow';
import { hintBeyond } from '../../../../shared/format';
import { JOB_FILES_VERB, JOB_NOUN, resultCounts, volumeOpLines } from '../../../../shared/jobKinds';
import { filesVerb, formatBytes, formatCount, formatDuration, jobTitle, PHASE_LABEL, statusBadge } from './format';
import { JobDialog } from './JobDialog';
import { logOf, useJobs } from './jobsStore';
import { VirtualLog } from './VirtualLog';

/** Elapsed time that keeps counting between progress events. */
function useElapsed(job: JobSummary): number {
  const now = useNow(1000, job.status === 'running');
  return job.status === 'running' ? Math.max(job.progress.elapsedMs, now - job.startedAt) : (job.finishedAt ?? now) - job.startedAt;
}

function throughput(job: JobSummary): string {
  if (job.status === 'running') return job.progress.throughput > 0 ? `${formatBytes(job.progress.throughput)}/s` : '—';
  const r = job.result;
  // An average over a few bytes or a fraction of a second ("2 B/s") says nothing about speed.
  const bytes = r ? resultCounts(r).totalBytes : 0;
  return r && r.durationMs >= 1000 && bytes >= 1_000_000 ? `${formatBytes((bytes / r.durationMs) * 1000)}/s` : '—';
}

function Stat(props: { label: string; value: string; wide?: boolean }) {
  return (
    <div className={`jobs-stat${props.wide ? ' jobs-stat-wide' : ''}`}>
      <div className="jobs-stat-label">{props.label}</div>
      <div className="jobs-stat-value">{props.value}</div>
    </div>
  );
}

function CopyButton(props: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-sm"
      aria-label={props.label}
      onClick={() => {
        void navigator.clipboard?.writeText(props.text).then(() => setDone(true));
      }}
    >
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}

function ResultPanel(props: { job: JobSummary }) {
  const { job } = props;
  const r = job.result;
  const canShow = runMode === 'electron';
  if (job.status === 'running') return null;
  if (job.status !== 'succeeded' || !r) {
    const hint = job.error ? hintBeyond(job.error.message, job.error.hint) : undefined;
    return (
      <section className={`notice ${job.status === 'cancelled' ? 'notice-warning' : 'notice-danger'} jobs-gap`} aria-label="Result" role="alert">
        <div>
          <div className="notice-title">{job.status === 'cancelled' ? 'Cancelled' : 'The job failed'}</div>
          <div className="jobs-prewrap">{job.error?.message}</div>
          {hint ? <div className="muted small">{hint}</div> : null}
          {job.warnings.map((w) => (
            <div key={w} className="small jobs-gap-sm">
              {w}
            </div>
          ))}
        </div>
      </section>
    );
  }
  if (r.kind !== 'backup' && r.kind !== 'restore') {
    const [first, ...rest] = volumeOpLines(r, { bytes: formatBytes, duration: formatDuration, count: formatCount });
    return (
      <section className="jobs-result card jobs-gap" aria-label="Result">
        <div className="card-body">
          <div className="notice-title jobs-ok-text">✓ {first}</div>
          {rest.map((line) => (
            <div key={line} className="small">
              {line}
            </div>
          ))}
          {job.warnings.map((w) => (
            <div key={w} className="notice notice-warning small jobs-gap-sm">
              {w}
            </div>
          ))}
        </div>
      </section>
    );
  }
  return (
    <section className="jobs-result card jobs-gap" aria-label="Result">
      <div className="card-body">
        <div className="notice-title jobs-ok-text">
          ✓ {r.kind === 'backup' ? 'Backup complete and verified' : `Restored into ${r.volume}${r.createdVolume ? ' (new volume)' : ''}`}
        </div>
        <dl className="jobs-props">
          <dt>Entries</dt>
          <dd>
            {formatCount(r.entries)}
            {r.kind === 'restore' ? <span className="muted"> · {formatCount(r.volumeEntries)} counted in the volume ✓</span> : null}
          </dd>
          <dt>Size</dt>
          <dd>
            {formatBytes(r.totalBytes)} uncompressed · {formatBytes(r.compressedBytes)} compressed
          </dd>
          <dt>Duration</dt>
          <dd>{formatDuration(r.durationMs)}</dd>
          <dt>sha256</dt>
          <dd className="toolbar">
            <code className="jobs-ellipsis jobs-sha">{r.sha256}</code>
            <CopyButton text={r.sha256} label="Copy sha256" />
          </dd>
          <dt>{r.kind === 'backup' ? 'File' : 'Archive'}</dt>
          <dd className="mono small jobs-break">{r.kind === 'backup' ? r.file : job.file}</dd>
          {r.kind === 'restore' && r.safetyBackup ? (
            <>
              <dt>Safety backup</dt>
              <dd className="mono small jobs-break">{r.safetyBackup}</dd>
            </>
          ) : null}
        </dl>
        {job.warnings.map((w) => (
          <div key={w} className="notice notice-warning small jobs-gap-sm">
            {w}
          </div>
        ))}
        <div className="toolbar jobs-gap">
          {r.kind === 'backup' || !r.archiveRemoved ? (
            <button type="button" className="btn" onClick={() => useJobs.getState().setListing(r.kind === 'backup' ? r.file : job.file)}>
              List contents
            </button>
          ) : (
            <span className="muted small">The uploaded copy of the archive was removed after the restore.</span>
          )}
          {canShow && (r.kind === 'backup' || !r.archiveRemoved) ? (
            <button type="button" className="btn" onClick={() => void api.showInFolder(r.kind === 'backup' ? r.file : job.file)}>
              Show in folder
            </button>
          ) : null}
        </div>
      </div>
    </section>
  );
}

/**
 * The progress view of one job: the file list streaming as tar packs or unpacks it, files and bytes
 * of the total, throughput, elapsed, ETA, current file, a stall notice, Cancel; then the result.
 */
export function JobProgressView(props: { id: string }) {
  const job = useJobs((s) => s.jobs[props.id]);
  const version = useJobs((s) => s.logVersion[props.id] ?? 0);
  const logFile = useJobs((s) => s.logFiles[props.id]);
  const [cancelling, setCancelling] = useState(false);
  const elapsed = useElapsed(job ?? ({ status: 'succeeded', startedAt: 0, finishedAt: 0, progress: { elapsedMs: 0 } } as JobSummary));
  const close = () => useJobs.getState().view(null);
  if (!job) {
    return (
      <JobDialog title="Job" onClose={close}>
        <p className="muted">
          <span className="spinner" /> Loading…
        </p>
      </JobDialog>
    );
  }
  const p = job.progress;
  const running = job.status === 'running';
  const badge = statusBadge(job.status);
  const pct = p.percent;
  const log = logOf(job.id);
  const verb = filesVerb(p.phase, job.kind);

  return (
    <JobDialog title={jobTitle(job)} onClose={close} wide className="jobs-progress-dialog">
      <div className="jobs-progress" data-job-id={job.id} data-status={job.status}>
        <div className="toolbar jobs-progress-head">
          <span className={`badge ${badge.cls}`}>{badge.label}</span>
          <span className="jobs-phase" aria-live="polite">
            {PHASE_LABEL[p.phase]}
          </span>
          <span className="muted small">
            · {job.engine} engine{job.mode ? ` · ${job.mode}` : ''}
          </span>
          <span className="spacer" />
          <span className="muted small mono jobs-ellipsis" title={job.file}>
            {job.fileName}
          </span>
        </div>
        <div className="jobs-progress-bar-row">
          <div
            className={`jobs-meter${pct === null && running ? ' jobs-meter-busy' : ''}`}
            role="progressbar"
            aria-label={`${jobTitle(job)}: ${PHASE_LABEL[p.phase]}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={pct ?? undefined}
          >
            <div className={`jobs-meter-fill jobs-meter-${job.status}`} style={{ width: `${pct ?? (running ? 0 : 100)}%` }} />
          </div>
          <span className="jobs-pct">{pct === null ? '' : `${pct.toFixed(1)}%`}</span>
        </div>
        <div className="jobs-stats">
          <Stat
            label={`Files ${verb}`}
            value={p.filesTotal !== null ? `${formatCount(p.filesDone)} / ${formatCount(p.filesTotal)}` : formatCount(p.filesDone)}
          />
          <Stat label="Data" value={p.bytesTotal !== null ? `${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}` : formatBytes(p.bytesDone)} />
          <Stat label={running ? 'Throughput' : 'Average'} value={throughput(job)} />
          <Stat label="Elapsed" value={formatDuration(elapsed)} />
          <Stat label="Time left" value={running && p.etaSeconds !== null ? formatDuration(p.etaSeconds * 1000) : '—'} />
        </div>
        {running ? (
          <div className="jobs-current small">
            <span className="muted">Current file: </span>
            <span className="mono jobs-ellipsis" title={p.currentFile ?? ''}>
              {p.currentFile ?? '—'}
            </span>
          </div>
        ) : null}
        {running && p.stalled ? (
          <div className="notice notice-warning jobs-gap-sm" role="status">
            No progress for 30 s. A very large file may still be moving, or Docker is busy; you can wait or cancel.
          </div>
        ) : null}
        {job.stoppedContainers.length > 0 ? (
          <div className="small muted jobs-gap-sm">
            Stopped for this job and started again at its end: {job.stoppedContainers.map((c) => c.name).join(', ')}
          </div>
        ) : null}
        <VirtualLog
          lines={log.lines}
          version={version}
          label={`Files ${JOB_FILES_VERB[job.kind]} by the ${JOB_NOUN[job.kind]}`}
          emptyText="Waiting for the first file…"
        />
        {logFile ? (
          <div className="muted small jobs-gap-sm">
            Full log: <span className="mono">{logFile}</span>
          </div>
        ) : null}
        <ResultPanel job={job} />
        <div className="dialog-actions">
          {running ? (
            <button
              type="button"
              className="btn btn-danger"
              disabled={cancelling}
              onClick={async () => {
                setCancelling(true);
                await api.cancelJob(job.id);
              }}
            >
              {cancelling ? <span className="spinner" /> : null}
              {cancelling ? 'Cancelling…' : 'Cancel job'}
            </button>
          ) : null}
          <button type="button" className="btn btn-primary" onClick={close} data-autofocus>
            {running ? 'Hide (keeps running)' : 'Close'}
          </button>
        </div>
      </div>
    </JobDialog>
  );
}
