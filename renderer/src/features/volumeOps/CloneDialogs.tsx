import { useMemo, useState, type FormEvent, type ReactNode } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { ContainerRef, JobSummary } from '../../../../shared/contract/jobs';
import type { Result } from '../../../../shared/contract/errors';
import { checkVolumeName, VOLUME_NAME_RULE } from '../../../../shared/contract/validation';
import { api } from '../../api/bridge';
import { Dialog, DialogActions } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { HelperImageNotice } from '../jobs/HelperImageNotice';
import { useJobs } from '../jobs/jobsStore';
import { StopContainersNotice } from '../jobs/StopContainersNotice';
import { useVolumeStore } from '../volumes/volumeStore';
import { useVolumeOps } from './volumeOpsStore';

/**
 * Clone, rename and empty (issue 16). Each starts a job and hands over to the jobs feature's progress
 * view; a clone or rename that succeeds shows its new volume selected in the list.
 */

const close = () => useVolumeOps.getState().close();

/** The volume as the list knows it: its containers (running or not). */
function useVolume(name: string) {
  return useVolumeStore((s) => s.volumes?.find((v) => v.name === name) ?? null);
}

function users(v: ReturnType<typeof useVolume>): ContainerRef[] {
  return (v?.containers ?? []).map((c) => ({ id: c.id, name: c.name, image: c.image, running: c.running }));
}

/** When the job succeeds, the list shows `select` (reloaded, search cleared), selected. */
function selectWhenDone(jobId: string, select: string): void {
  const off = api.onJobFinished((job) => {
    if (job.id !== jobId) return;
    off();
    if (job.status !== 'succeeded') return;
    const store = useVolumeStore.getState();
    store.setQuery('');
    if (store.filter === 'in-use' || store.filter === 'anonymous') store.setFilter('all');
    void store.load().then(() => store.select(select, { reveal: true }));
  });
}

/** Starting a job from a dialog: busy while asked, the refusal shown, the job's progress view on success. */
function useStarter() {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiErrorPayload | null>(null);
  const start = async (call: () => Promise<Result<JobSummary>>, select?: string): Promise<void> => {
    if (busy) return;
    setBusy(true);
    setFailure(null);
    const r = await call();
    if (!r.ok) {
      setFailure(r.error);
      setBusy(false);
      return;
    }
    if (select) selectWhenDone(r.value.id, select);
    close();
    useJobs.getState().view(r.value.id);
  };
  return { busy, failure, start, clearFailure: () => setFailure(null) };
}

function Failure(props: { error: ApiErrorPayload | null; onPulled: () => void }) {
  const e = props.error;
  if (!e) return null;
  if (e.code === 'IMAGE_NOT_FOUND' && typeof e.details?.image === 'string') return <HelperImageNotice image={e.details.image} onPulled={props.onPulled} />;
  return <ErrorNotice error={e} />;
}

type NewName = ReturnType<typeof useNewName>;

/** The new name: Docker's rule as you type, a taken name caught before the call. `quiet`: no problem shown (rename's unchanged name). */
function NewNameField(props: { id: string; label: string; field: NewName; onEdit: () => void; quiet?: boolean }) {
  const f = props.field;
  const show = f.show && !props.quiet && f.problem !== null;
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        className="input"
        value={f.name}
        data-autofocus
        autoComplete="off"
        spellCheck={false}
        aria-invalid={show}
        aria-describedby={`${props.id}-help`}
        onChange={(e) => {
          f.setName(e.target.value);
          props.onEdit();
        }}
        onBlur={f.touch}
      />
      <div id={`${props.id}-help`} aria-live="polite">
        {show ? <div className="field-error">{f.problem}</div> : <div className="field-hint">{VOLUME_NAME_RULE}</div>}
      </div>
    </div>
  );
}

function useNewName(initial: string) {
  const volumes = useVolumeStore((s) => s.volumes);
  const existing = useMemo(() => new Set((volumes ?? []).map((v) => v.name)), [volumes]);
  const [name, setName] = useState(initial);
  const [touched, setTouched] = useState(false);
  const problem = checkVolumeName(name) ?? (existing.has(name) ? `A volume named "${name}" already exists. Pick another name.` : null);
  return { name, setName, problem, show: problem !== null && (touched || name !== initial), touch: () => setTouched(true) };
}

/** `<name>-copy`, or `-copy-2`… when that is taken. */
function copyName(volume: string, taken: ReadonlySet<string>): string {
  let n = `${volume}-copy`;
  for (let i = 2; taken.has(n); i++) n = `${volume}-copy-${i}`;
  return n;
}

export function CloneDialog(props: { volume: string }) {
  const v = useVolume(props.volume);
  const volumes = useVolumeStore((s) => s.volumes);
  const suggestion = useMemo(() => copyName(props.volume, new Set((volumes ?? []).map((x) => x.name))), [props.volume, volumes]);
  const target = useNewName(suggestion);
  const [keepLabels, setKeepLabels] = useState(true);
  const [stop, setStop] = useState(false);
  const { busy, failure, start, clearFailure } = useStarter();
  const running = users(v).filter((c) => c.running);
  const labelCount = Object.keys(v?.labels ?? {}).length;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    target.touch();
    if (target.problem) return;
    await start(() => api.cloneVolume({ source: props.volume, target: target.name, labels: keepLabels ? undefined : {}, stopContainers: stop }), target.name);
  };

  return (
    <Dialog title={`Clone ${props.volume}`} onClose={close} busy={busy} className="vol-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <p className="muted small">
          A new volume with exactly the same files (owners, modes, times, links), checked entry by entry against {props.volume} when copied. {props.volume}{' '}
          itself is only read.
        </p>
        <NewNameField id="clone-target" label="Name of the copy" field={target} onEdit={clearFailure} />
        <label className="checkbox">
          <input type="checkbox" checked={keepLabels} onChange={(e) => setKeepLabels(e.target.checked)} />
          <span>
            Copy the labels{labelCount > 0 ? ` (${labelCount})` : ''} <span className="muted small">(Compose&apos;s project labels are never copied)</span>
          </span>
        </label>
        {running.length > 0 ? (
          <StopContainersNotice running={running} volume={props.volume} job="clone" stop={stop} onStop={setStop}>
            <div className="small">Files they write during the copy may be caught mid-write, and the check of the copy then fails.</div>
          </StopContainersNotice>
        ) : null}
        <Failure error={failure} onPulled={clearFailure} />
        <DialogActions onCancel={close} busy={busy}>
          <button type="submit" className="btn btn-primary" disabled={target.problem !== null || busy}>
            {busy ? 'Starting…' : 'Clone'}
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

export function RenameDialog(props: { volume: string }) {
  const v = useVolume(props.volume);
  const target = useNewName(props.volume);
  const { busy, failure, start, clearFailure } = useStarter();
  const using = users(v);
  const same = target.name === props.volume;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    target.touch();
    if (target.problem || same || using.length > 0) return;
    await start(() => api.renameVolume({ from: props.volume, to: target.name }), target.name);
  };

  let body: ReactNode;
  if (using.length > 0) {
    body = (
      <div className="notice notice-warning" role="alert">
        <div>
          <div className="notice-title">
            {props.volume} is used by {using.map((c) => `${c.name} (${c.running ? 'running' : 'stopped'})`).join(', ')}
          </div>
          <div className="small">
            Docker cannot move a container to another volume, so a volume in use cannot be renamed. Remove{' '}
            {using.length === 1 ? 'that container' : 'those containers'} first, rename, then create {using.length === 1 ? 'it' : 'them'} again with the new
            name; or clone the volume instead.
          </div>
        </div>
      </div>
    );
  } else {
    body = (
      <>
        <p className="muted small">
          Docker has no rename: the files are copied into a new volume, checked entry by entry, and only then is {props.volume} removed. If anything fails
          before that, {props.volume} stays as it is.
        </p>
        <NewNameField id="rename-target" label="New name" field={target} onEdit={clearFailure} quiet={same} />
      </>
    );
  }

  return (
    <Dialog title={`Rename ${props.volume}`} onClose={close} busy={busy} className="vol-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        {body}
        <Failure error={failure} onPulled={clearFailure} />
        <DialogActions onCancel={close} busy={busy} focusCancel={using.length > 0}>
          {using.length > 0 ? null : (
            <button type="submit" className="btn btn-primary" disabled={target.problem !== null || same || busy}>
              {busy ? 'Starting…' : 'Rename'}
            </button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}

export function EmptyDialog(props: { volume: string }) {
  const v = useVolume(props.volume);
  const [safety, setSafety] = useState(true);
  const [stop, setStop] = useState(false);
  const { busy, failure, start, clearFailure } = useStarter();
  const running = users(v).filter((c) => c.running);
  const blocked = running.length > 0 && !stop;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (blocked) return;
    await start(() => api.emptyVolume({ volume: props.volume, safetyBackup: safety, stopContainers: stop }));
  };

  return (
    <Dialog title={`Empty ${props.volume}`} onClose={close} busy={busy} className="vol-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <p>
          Every file and folder in <strong>{props.volume}</strong> is removed. The volume itself stays, with its labels, and containers keep using it.
        </p>
        <label className="checkbox">
          <input type="checkbox" checked={safety} onChange={(e) => setSafety(e.target.checked)} />
          <span>Take a safety backup first</span>
        </label>
        <div className="small muted" aria-live="polite">
          {safety
            ? 'The contents are packed and verified into the app’s safety folder before anything is removed; restore that file to get them back (the Jobs page lists the safety backups).'
            : 'No copy is kept: what is in the volume now is gone for good.'}
        </div>
        {running.length > 0 ? (
          <StopContainersNotice running={running} volume={props.volume} job="emptying" stop={stop} onStop={setStop}>
            <div className="small">A running container would keep writing while the volume is emptied: stop it for the job, or stop it yourself first.</div>
          </StopContainersNotice>
        ) : null}
        <Failure error={failure} onPulled={clearFailure} />
        <DialogActions onCancel={close} busy={busy} focusCancel>
          <button type="submit" className="btn btn-danger btn-solid" disabled={blocked || busy}>
            {busy ? 'Starting…' : safety ? 'Back up and empty' : 'Empty without a backup'}
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
