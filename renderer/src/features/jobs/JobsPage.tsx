import { useEffect, type ReactNode } from 'react';
import type { JobSummary } from '../../../../shared/contract/jobs';
import { api } from '../../api/bridge';
import { formatBytes, formatDuration, jobTitle, PHASE_LABEL, statusBadge } from './format';
import { startJobsSync, useJobs } from './jobsStore';

function RunningJob(props: { job: JobSummary }) {
  const { job } = props;
  const p = job.progress;
  return (
    <li className="card jobs-running">
      <div className="card-body">
        <div className="toolbar">
          <strong>{jobTitle(job)}</strong>
          <span className="muted small">{PHASE_LABEL[p.phase]}</span>
          <span className="spacer" />
          <button className="btn btn-sm" onClick={() => useJobs.getState().view(job.id)} aria-label={`Show progress of ${jobTitle(job)}`}>
            Show progress
          </button>
          <button className="btn btn-sm btn-danger" onClick={() => void api.cancelJob(job.id)} aria-label={`Cancel ${jobTitle(job)}`}>
            Cancel
          </button>
        </div>
        <div className="jobs-progress-bar-row jobs-gap-sm">
          <div
            className="jobs-meter"
            role="progressbar"
            aria-label={jobTitle(job)}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={p.percent ?? undefined}
          >
            <div className="jobs-meter-fill jobs-meter-running" style={{ width: `${p.percent ?? 0}%` }} />
          </div>
          <span className="jobs-pct">{p.percent === null ? '' : `${p.percent.toFixed(0)}%`}</span>
        </div>
        <div className="muted small mono jobs-ellipsis">{p.currentFile ?? job.fileName}</div>
      </div>
    </li>
  );
}

/** A card holding a table whose last column is the row's buttons. */
function TableCard(props: { label: string; columns: ReadonlyArray<{ title: string; num?: boolean }>; children: ReactNode }) {
  return (
    <div className="card jobs-table-wrap">
      <table className="table" aria-label={props.label}>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th key={c.title} className={c.num ? 'num' : undefined}>
                {c.title}
              </th>
            ))}
            <th>
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

const baseName = (file: string): string => file.split(/[\\/]/).pop() ?? file;

/** The archive's file name, its whole path on hover. */
function FileCell(props: { file: string }) {
  return (
    <td className="mono small jobs-break jobs-file-cell" title={props.file}>
      {baseName(props.file)}
    </td>
  );
}

/** The Jobs page: what runs now, what ran before (kept across restarts), and the safety backups. */
export function JobsPage() {
  useEffect(() => {
    startJobsSync();
    void useJobs.getState().refreshHistory();
  }, []);
  const jobs = useJobs((s) => s.jobs);
  const history = useJobs((s) => s.history);
  const safety = useJobs((s) => s.safety);
  const running = Object.values(jobs)
    .filter((j) => j.status === 'running')
    .sort((a, b) => b.startedAt - a.startedAt);

  return (
    <div className="page jobs-page">
      <div className="toolbar">
        <h2>Backup and restore jobs</h2>
        <span className="spacer" />
        <button className="btn btn-primary" onClick={() => useJobs.getState().openRestore({ source: null, sourceName: null, volume: null })}>
          Restore a backup…
        </button>
      </div>

      <section aria-labelledby="jobs-running-title">
        <h3 id="jobs-running-title" className="jobs-section-title">
          Running
        </h3>
        {running.length === 0 ? (
          <p className="muted">No job is running. Back up a volume from the Volumes page, or drop a .tgz anywhere on the window to restore it.</p>
        ) : (
          <ul className="jobs-list">
            {running.map((j) => (
              <RunningJob key={j.id} job={j} />
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="jobs-history-title">
        <div className="toolbar">
          <h3 id="jobs-history-title" className="jobs-section-title">
            History
          </h3>
          <span className="spacer" />
          {history.length > 0 ? (
            <button
              className="btn btn-sm btn-ghost"
              onClick={async () => {
                const r = await api.clearJobHistory();
                if (r.ok) useJobs.setState({ history: r.value });
              }}
            >
              Clear history
            </button>
          ) : null}
        </div>
        {history.length === 0 ? (
          <p className="muted">No past jobs yet.</p>
        ) : (
          <TableCard
            label="Past jobs"
            columns={[
              { title: 'When' },
              { title: 'Job' },
              { title: 'File' },
              { title: 'Result' },
              { title: 'Size', num: true },
              { title: 'Duration', num: true },
            ]}
          >
            {history.map((h) => {
              const b = statusBadge(h.status);
              return (
                <tr key={h.id}>
                  <td className="small">{new Date(h.startedAt).toLocaleString()}</td>
                  <td>
                    <strong>{jobTitle(h)}</strong>
                    <div className="muted small">
                      {h.engine}
                      {h.mode ? ` · ${h.mode}` : ''}
                      {h.dockerEngine ? (
                        <span title={`Ran on the Docker engine at ${h.dockerEngine.url}`}> · on {h.dockerEngine.context ?? h.dockerEngine.url}</span>
                      ) : null}
                    </div>
                  </td>
                  <FileCell file={h.file} />
                  <td>
                    <span className={`badge ${b.cls}`} title={h.error?.message}>
                      {b.label}
                    </span>
                    {h.error ? <div className="small muted jobs-ellipsis jobs-error-cell">{h.error.message}</div> : null}
                  </td>
                  <td className="num small">{h.compressedBytes !== null ? formatBytes(h.compressedBytes) : '—'}</td>
                  <td className="num small">{formatDuration(h.durationMs)}</td>
                  <td className="jobs-actions-cell">
                    <button className="btn btn-sm" onClick={() => useJobs.getState().view(h.id)} aria-label={`Open job ${h.id}`}>
                      Open
                    </button>
                    {h.status === 'succeeded' && h.kind === 'backup' ? (
                      <button className="btn btn-sm" onClick={() => useJobs.getState().setListing(h.file)} aria-label={`List contents of ${h.file}`}>
                        Contents
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </TableCard>
        )}
      </section>

      <section aria-labelledby="jobs-safety-title">
        <h3 id="jobs-safety-title" className="jobs-section-title">
          Safety backups
        </h3>
        <p className="muted small">Taken before a restore replaced a volume&apos;s contents. Kept until you delete them.</p>
        {safety.length === 0 ? (
          <p className="muted">None.</p>
        ) : (
          <TableCard label="Safety backups" columns={[{ title: 'Taken' }, { title: 'Volume' }, { title: 'File' }, { title: 'Size', num: true }]}>
            {safety.map((s) => (
              <tr key={s.file}>
                <td className="small">{new Date(s.createdAt).toLocaleString()}</td>
                <td>{s.volume}</td>
                <FileCell file={s.file} />
                <td className="num small">{formatBytes(s.compressedBytes)}</td>
                <td className="jobs-actions-cell">
                  <button
                    className="btn btn-sm"
                    onClick={() => useJobs.getState().openRestore({ source: { archivePath: s.file }, sourceName: baseName(s.file), volume: s.volume })}
                  >
                    Restore…
                  </button>
                  <button
                    className="btn btn-sm btn-danger"
                    aria-label={`Delete safety backup ${s.file}`}
                    onClick={async () => {
                      if (!window.confirm(`Delete the safety backup ${s.file}? This cannot be undone.`)) return;
                      const r = await api.deleteSafetyBackup(s.file);
                      if (r.ok) useJobs.setState({ safety: r.value });
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </TableCard>
        )}
      </section>
    </div>
  );
}
