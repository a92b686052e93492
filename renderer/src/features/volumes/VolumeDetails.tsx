import { useEffect, useState } from 'react';
import { VolumeOpsMenu } from '../volumeOps';
import { SCS_FILE } from '../../../../shared/ailab';
import type { VolumeDetails as Details, VolumeScsInfo, VolumeSummary } from '../../../../shared/contract/volumes';
import { formatAgo, formatBytes, formatDate } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { VolumeJobActions } from '../jobs';
import { LaunchWithVolumeButton } from '../launcher';
import { ProtectionSection } from '../plans';
import { TutorialsButton } from '../tutorials';
import { FileBrowser } from './FileBrowser';
import { displayLabels, sizeOf } from './listView';
import { useVolumeStore } from './volumeStore';

/** Driver options come only from inspect; everything else is live from the list. */
function useOptions(name: string): Details['options'] | null {
  const [options, setOptions] = useState<{ name: string; options: Details['options'] } | null>(null);
  useEffect(() => {
    let alive = true;
    void api.inspectVolume(name).then((r) => {
      if (alive && r.ok) setOptions({ name, options: r.value.options });
    });
    return () => {
      alive = false;
    };
  }, [name]);
  return options?.name === name ? options.options : null;
}

/**
 * The SCS at the volume's root: a stat through a never-started helper (~0.1 s), asked again after a
 * job on the volume (a restore may have replaced it). Not on every list change: creating the helper
 * makes the engine report a "volume create", which reloads the list, which would ask again, for ever.
 */
function useScs(name: string): VolumeScsInfo | 'error' | null {
  const [scs, setScs] = useState<{ name: string; info: VolumeScsInfo | 'error' } | null>(null);
  const [jobsDone, setJobsDone] = useState(0);
  useEffect(() => api.onJobFinished((s) => s.volume === name && setJobsDone((n) => n + 1)), [name]);
  useEffect(() => {
    let alive = true;
    void api.volumeScs(name, false).then((r) => {
      if (alive) setScs({ name, info: r.ok ? r.value : 'error' });
    });
    return () => {
      alive = false;
    };
  }, [name, jobsDone]);
  return scs?.name === name ? scs.info : null;
}

function ScsLine(props: { scs: VolumeScsInfo | 'error' | null }) {
  const s = props.scs;
  if (s === null) return <span className="muted">looking…</span>;
  if (s === 'error') return <span className="muted">could not be read</span>;
  if (!s.present) return <span className="muted">none</span>;
  return (
    <>
      <span title={SCS_FILE}>present</span>, changed <span title={s.modifiedAt ?? undefined}>{formatDate(s.modifiedAt)}</span>{' '}
      <span className="muted">({formatAgo(s.modifiedAt)})</span>
      <div className="muted small">
        Your saved connections, encrypted with your master password. A restore brings back the backup&apos;s, unless you keep this one.
      </div>
    </>
  );
}

export function VolumeDetails(props: { volume: VolumeSummary }) {
  const v = props.volume;
  const sizes = useVolumeStore((s) => s.sizes);
  const filesOpen = useVolumeStore((s) => s.filesOpen);
  const options = useOptions(v.name);
  const scs = useScs(v.name);
  const size = sizeOf(v, sizes);
  const labels = displayLabels(v);
  const store = useVolumeStore.getState;

  return (
    <aside className="vol-details card" aria-label={`Details of volume ${v.name}`}>
      <div className="vol-details-head">
        <div className="vol-details-title">
          <h2 className="vol-break">{v.name}</h2>
          <div className="vol-badges">
            {v.anonymous ? <span className="badge badge-warning">anonymous</span> : null}
            {v.compose ? (
              <span className="badge badge-accent" title="Docker Compose project / volume">
                {v.compose.project} / {v.compose.volume}
              </span>
            ) : null}
            {v.containers.some((c) => c.aiLab) ? <span className="badge badge-accent">AI-Lab</span> : null}
            {v.exasolDb ? <span className="badge badge-danger">{v.exasolDb.label}</span> : null}
            {v.containers.length === 0 ? <span className="badge">unused</span> : null}
          </div>
        </div>
        <button className="btn btn-ghost btn-sm" aria-label="Close details" onClick={() => store().select(null)}>
          ✕
        </button>
      </div>

      <div className="toolbar vol-details-actions">
        <LaunchWithVolumeButton volumeName={v.name} />
        <VolumeJobActions volume={v} />
        <TutorialsButton volume={v.name} />
        <VolumeOpsMenu volume={v} />
        <button className="btn btn-danger" onClick={() => store().openDialog({ kind: 'remove', names: [v.name] })}>
          Remove…
        </button>
      </div>

      <dl className="vol-props">
        <dt>Size</dt>
        <dd>{size === null ? <span className="muted">computing…</span> : formatBytes(size)}</dd>
        <dt>Created</dt>
        <dd title={v.createdAt ?? undefined}>
          {formatDate(v.createdAt)} <span className="muted">({formatAgo(v.createdAt)})</span>
        </dd>
        <dt>Driver</dt>
        <dd>
          {v.driver} <span className="muted">· scope {v.scope}</span>
        </dd>
        <dt>Mountpoint</dt>
        <dd className="mono small vol-break">{v.mountpoint}</dd>
        {v.exasolDb ? (
          <>
            <dt>Holds</dt>
            <dd>
              {v.exasolDb.label}
              {v.exasolDb.containers.length > 0 ? (
                <>
                  , used by the DB container <strong>{v.exasolDb.containers.join(', ')}</strong>
                </>
              ) : null}
              <div className="muted small">Removing it deletes the database; back it up with the DB container stopped.</div>
            </dd>
          </>
        ) : (
          <>
            <dt>Secure configuration</dt>
            <dd aria-label="Secure Configuration Storage">
              <ScsLine scs={scs} />
            </dd>
          </>
        )}
        {v.compose ? (
          <>
            <dt>Compose</dt>
            <dd>
              project <strong>{v.compose.project}</strong>, volume <strong>{v.compose.volume}</strong>
              <div className="muted small">Compose put the project in front of the name; in the compose file it is “{v.compose.volume}”.</div>
            </dd>
          </>
        ) : null}
        {v.anonymous ? (
          <>
            <dt>Anonymous</dt>
            <dd>
              {v.createdBy ? (
                <>
                  made for container <strong>{v.createdBy.name}</strong>
                </>
              ) : (
                'the container that made it is gone'
              )}
              <div className="muted small">Docker made it because an image declared a volume and none was named.</div>
            </dd>
          </>
        ) : null}
        <dt>Labels</dt>
        <dd>
          {labels.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            <ul className="vol-kv">
              {labels.map(([k, val]) => (
                <li key={k}>
                  <span className="mono small vol-break">
                    {k}
                    {val !== '' ? `=${val}` : ''}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </dd>
        {options && Object.keys(options).length > 0 ? (
          <>
            <dt>Options</dt>
            <dd>
              <ul className="vol-kv">
                {Object.entries(options).map(([k, val]) => (
                  <li key={k} className="mono small vol-break">
                    {k}={val}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
      </dl>

      <ProtectionSection key={v.name} volume={v.name} />

      <h3 className="vol-section-title">Used by</h3>
      {v.containers.length === 0 ? (
        <p className="muted vol-m0">No container uses this volume.</p>
      ) : (
        <ul className="vol-containers" aria-label="Containers using this volume">
          {v.containers.map((c) => (
            <li key={c.id}>
              <span className={`dot ${c.running ? 'dot-ok' : ''}`} aria-hidden="true" />
              <strong>{c.name}</strong>
              <span className={`badge ${c.running ? 'badge-ok' : ''}`}>{c.state}</span>
              {c.aiLab ? <span className="badge badge-accent">AI-Lab</span> : null}
              <div className="muted small vol-container-meta">
                at <span className="mono">{c.mountPath}</span> · {c.image}
              </div>
            </li>
          ))}
        </ul>
      )}

      <div className="vol-section-title vol-files-toggle">
        <h3>Files</h3>
        <button className="btn btn-sm" aria-expanded={filesOpen} aria-controls="vol-files-panel" onClick={() => store().setFilesOpen(!filesOpen)}>
          {filesOpen ? 'Hide files' : 'Browse files'}
        </button>
      </div>
      <div id="vol-files-panel">
        {filesOpen ? (
          <FileBrowser key={v.name} volume={v.name} />
        ) : (
          <p className="muted small vol-m0">Read-only. Lists one folder at a time, as root, without copying the volume.</p>
        )}
      </div>
    </aside>
  );
}
