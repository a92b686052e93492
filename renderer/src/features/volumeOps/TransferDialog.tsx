import { useEffect, useState, type FormEvent } from 'react';
import type { ApiErrorPayload, DockerContextList } from '../../../../shared/contract';
import type { RestoreMode } from '../../../../shared/contract/jobs';
import { api } from '../../api/bridge';
import { Field, PathInput } from '../../components/Field';
import { ErrorNotice, JobDialog } from '../jobs/JobDialog';
import { useJobs } from '../jobs/jobsStore';
import { StopContainersNotice } from '../jobs/StopContainersNotice';
import { useVolumeStore } from '../volumes/volumeStore';
import { useVolumeOps } from './volumeOpsStore';

const MODES: Array<{ value: RestoreMode; label: string; hint: string }> = [
  { value: 'new', label: 'New volume', hint: 'Created on the target; refused when the name is taken there.' },
  { value: 'merge', label: 'Merge into an existing volume', hint: 'Files arrive beside what is there; nothing is removed.' },
  {
    value: 'replace',
    label: 'Replace an existing volume',
    hint: 'Its contents are backed up to this machine first (a safety backup), then replaced; put back if the transfer fails.',
  },
];

/**
 * Transfer a volume to another engine (issue 16): the target among the user's docker contexts (the
 * engine in use now left out: copying there is a clone), the name there, the mode, and stopping the
 * containers that use it. Starting closes the dialog and opens the job's progress view.
 */
export function TransferDialog(props: { volume: string }) {
  const { volume } = props;
  const close = () => useVolumeOps.getState().close();
  // The summary itself is selected (a stable reference): a fresh `[]` per render would re-render without end.
  const summary = useVolumeStore((s) => s.volumes?.find((v) => v.name === volume));
  const running = (summary?.containers ?? []).filter((c) => c.running);
  const [list, setList] = useState<DockerContextList | null>(null);
  const [listError, setListError] = useState<ApiErrorPayload | null>(null);
  const [toContext, setToContext] = useState('');
  const [as, setAs] = useState(volume);
  const [mode, setMode] = useState<RestoreMode>('new');
  const [stop, setStop] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorPayload | null>(null);

  useEffect(() => {
    let live = true;
    void api.listDockerContexts().then((r) => {
      if (!live) return;
      if (!r.ok) {
        setListError(r.error);
        return;
      }
      setList(r.value);
      const first = r.value.contexts.find((c) => c.name !== r.value.active && !c.error);
      setToContext((t) => t || first?.name || '');
    });
    return () => {
      live = false;
    };
  }, []);

  const others = list ? list.contexts.filter((c) => c.name !== list.active) : [];
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await api.transferVolume({ volume, toContext, as: as.trim() || volume, mode, stopContainers: stop });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    close();
    useJobs.getState().view(r.value.id);
  };

  return (
    <JobDialog title={`Transfer ${volume} to another engine`} onClose={close} busy={busy}>
      {listError ? <ErrorNotice error={listError} title="Could not read the docker contexts" /> : null}
      {list && others.length === 0 ? (
        <div className="notice notice-warning jobs-gap" role="status">
          <div>
            There is no other engine to transfer to: only {list.active} is set up. Create a docker context for the other engine (
            <span className="mono">docker context create NAME --docker host=ssh://user@server</span>) and open this again.
          </div>
        </div>
      ) : null}
      <form onSubmit={(e) => void submit(e)}>
        <Field id="xfer-target" label="Target engine">
          <select id="xfer-target" className="input" data-autofocus value={toContext} onChange={(e) => setToContext(e.target.value)}>
            {list === null ? <option value="">Reading the docker contexts…</option> : null}
            {list !== null && !list.contexts.some((c) => c.name !== list.active && c.error === null) ? (
              <option value="">No other engine is set up</option>
            ) : null}
            {list?.contexts.map((c) => {
              const self = c.name === list.active;
              return (
                <option key={c.name} value={c.name} disabled={self || c.error !== null}>
                  {c.name} — {self ? 'this engine (use Clone)' : c.error ? `cannot be used: ${c.error}` : c.url}
                </option>
              );
            })}
          </select>
        </Field>
        <Field id="xfer-as" label="Name on the target engine">
          <PathInput id="xfer-as" value={as} onChange={(e) => setAs(e.target.value)} />
        </Field>
        <fieldset className="field">
          <legend>On the target</legend>
          {MODES.map((m) => (
            <label key={m.value} className="radio">
              <input type="radio" name="xfer-mode" value={m.value} checked={mode === m.value} onChange={() => setMode(m.value)} />
              <span>
                {m.label} <span className="muted small">— {m.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {running.length > 0 ? (
          <StopContainersNotice running={running} volume={volume} job="transfer" stop={stop} onStop={setStop}>
            <div className="small">Files changed while they are sent may arrive half-written, and the check on arrival then fails.</div>
          </StopContainersNotice>
        ) : null}
        <p className="muted small">
          The volume goes straight from this engine to the other (no file in between); the target gets the helper image from here if it has none, and both
          volumes are compared entry by entry at the end.
        </p>
        <ErrorNotice error={error} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={busy || !toContext || !as.trim()}>
            {busy ? 'Starting…' : 'Transfer'}
          </button>
        </div>
      </form>
    </JobDialog>
  );
}
