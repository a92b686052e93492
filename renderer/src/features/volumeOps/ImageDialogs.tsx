import { useEffect, useMemo, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type { RestoreMode } from '../../../../shared/contract/jobs';
import { checkImageReference, checkVolumeName } from '../../../../shared/contract/validation';
import type { VolumeImageInfo } from '../../../../shared/contract/volumeOps';
import { formatBytes, formatCount, formatDate } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { DialogActions } from '../../components/Dialog';
import { Field } from '../../components/Field';
import { ErrorNotice, JobDialog } from '../jobs/JobDialog';
import { useJobs } from '../jobs/jobsStore';
import { StopContainersNotice } from '../jobs/StopContainersNotice';
import { useVolumeStore } from '../volumes/volumeStore';
import { useVolumeOps } from './volumeOpsStore';

const close = () => useVolumeOps.getState().close();

/** The started job's progress replaces the dialog (as the Backup dialog does). */
function showJob(id: string): void {
  useVolumeOps.getState().close();
  useJobs.getState().view(id);
}

/** `ailab-volume-<volume>:<yyyymmdd>`, the volume's name made a valid repository name (lower case, no `_` runs). */
export function defaultExportImage(volume: string, now = new Date()): string {
  const name = volume
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const day = `${now.getFullYear()}${String(now.getMonth() + 1).padStart(2, '0')}${String(now.getDate()).padStart(2, '0')}`;
  return `ailab-volume-${name || 'export'}:${day}`;
}

function useRunningUsers(volume: string | null) {
  const volumes = useVolumeStore((s) => s.volumes);
  return useMemo(
    () =>
      volume
        ? (volumes?.find((v) => v.name === volume)?.containers ?? [])
            .filter((c) => c.running)
            .map((c) => ({ id: c.id, name: c.name, image: c.image, running: true }))
        : [],
    [volumes, volume],
  );
}

/** Export a volume to an image (one FROM scratch layer under /volume), optionally pushed. */
export function ExportDialog(props: { volume: string }) {
  const { volume } = props;
  const [image, setImage] = useState(() => defaultExportImage(volume));
  const [push, setPush] = useState(false);
  const running = useRunningUsers(volume);
  const [stop, setStop] = useState(running.length > 0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const problem = checkImageReference(image.trim()) ?? (image.includes('@') ? 'An export needs a name and tag, not a digest.' : null);
  const hasRegistry = /^[^/]*[.:][^/]*\//.test(image.trim()) || image.trim().startsWith('localhost/');

  const start = async () => {
    setBusy(true);
    setError(null);
    const r = await api.exportVolume({ volume, image: image.trim(), push, stopContainers: stop });
    setBusy(false);
    if (r.ok) showJob(r.value.id);
    else setError(r.error);
  };

  return (
    <JobDialog title={`Export ${volume} to an image`} onClose={close} busy={busy}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!problem) void start();
        }}
      >
        <Field id="volumeops-export-image" label="Image (name:tag)">
          <input
            id="volumeops-export-image"
            className="input"
            value={image}
            onChange={(e) => {
              setImage(e.target.value);
              setError(null);
            }}
            aria-invalid={problem !== null}
            aria-describedby="volumeops-export-image-hint"
            spellCheck={false}
            required
            data-autofocus
          />
          <span id="volumeops-export-image-hint" className={problem ? 'field-error' : 'field-hint'} role={problem ? 'alert' : undefined}>
            {problem ??
              'The volume’s files, owners, modes, times and links in one FROM scratch layer under /volume, labelled as a volume export. A tag this app exported from the same volume is replaced; any other image of that name is kept and the export refused.'}
          </span>
        </Field>
        <label className="checkbox jobs-gap-sm">
          <input type="checkbox" checked={push} onChange={(e) => setPush(e.target.checked)} />
          <span>Push it to its registry after it is made</span>
        </label>
        {push ? (
          <p className="small muted">
            The engine pushes with your login for {hasRegistry ? 'the registry in the name' : 'Docker Hub (the name has no registry host)'}, read from
            ~/.docker/config.json as docker push does (a credential helper included): run <code>docker login</code> first. If the push fails, the new image is
            removed again.
          </p>
        ) : null}
        {running.length > 0 ? (
          <StopContainersNotice running={running} volume="this volume" job="export" stop={stop} onStop={setStop}>
            <div className="small">Files changed while they are packed may be caught mid-write.</div>
          </StopContainersNotice>
        ) : null}
        <ErrorNotice error={error} />
        <DialogActions onCancel={close} busy={busy}>
          <button type="submit" className="btn btn-primary" disabled={busy || problem !== null}>
            {busy ? <span className="spinner" /> : null}
            {push ? 'Export and push' : 'Export'}
          </button>
        </DialogActions>
      </form>
    </JobDialog>
  );
}

/** A name not taken: the export's own volume name, else with -imported, -imported-2, … */
export function suggestVolumeName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 1; ; i++) {
    const name = i === 1 ? `${base}-imported` : `${base}-imported-${i}`;
    if (!taken.has(name)) return name;
  }
}

/** What inspectVolumeImage said of `image`; anything about another name is stale (still looking). */
type Answer = { image: string; info: VolumeImageInfo; error: null } | { image: string; info: null; error: ApiErrorPayload };
type Looked = { state: 'idle' } | { state: 'looking' } | { state: 'found'; info: VolumeImageInfo } | { state: 'error'; error: ApiErrorPayload };

/** Import an exported image into a new volume, or into this one (replace or merge). */
export function ImportDialog(props: { volume: string | null }) {
  const here = props.volume;
  const volumes = useVolumeStore((s) => s.volumes);
  const taken = useMemo(() => new Set((volumes ?? []).map((v) => v.name)), [volumes]);
  const [exports, setExports] = useState<VolumeImageInfo[] | null>(null);
  const [image, setImage] = useState('');
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [pull, setPull] = useState(false);
  const [target, setTarget] = useState<'new' | 'here'>('new');
  const [mode, setMode] = useState<Exclude<RestoreMode, 'new'>>('replace');
  const [typedName, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const running = useRunningUsers(target === 'here' ? here : null);
  const [stop, setStop] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorPayload | null>(null);

  useEffect(() => {
    let live = true;
    void api.listVolumeImages().then((r) => {
      if (!live) return;
      const list = r.ok ? r.value : [];
      setExports(list);
      if (list[0]) setImage((i) => i || list[0]!.image);
    });
    return () => {
      live = false;
    };
  }, []);

  // What the typed image is: an export (its volume, counts, date), something else (refused), or absent (pull?).
  const refProblem = image.trim() ? checkImageReference(image.trim()) : 'Choose an exported image.';
  useEffect(() => {
    if (refProblem) return;
    let live = true;
    const asked = image.trim();
    const timer = setTimeout(() => {
      void api.inspectVolumeImage(asked).then((r) => {
        if (!live) return;
        setAnswer(r.ok ? { image: asked, info: r.value, error: null } : { image: asked, info: null, error: r.error });
      });
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [image, refProblem]);

  const looked: Looked = refProblem
    ? { state: 'idle' }
    : answer?.image !== image.trim()
      ? { state: 'looking' }
      : answer.info
        ? { state: 'found', info: answer.info }
        : { state: 'error', error: answer.error };
  const info = looked.state === 'found' ? looked.info : null;
  const missing = looked.state === 'error' && looked.error.code === 'IMAGE_NOT_FOUND';
  // The export's own volume name (not taken) until the user types one.
  const name = nameTouched ? typedName : info?.export ? suggestVolumeName(info.export.volume, taken) : '';

  const nameProblem =
    target === 'new' ? (checkVolumeName(name.trim()) ?? (taken.has(name.trim()) ? `A volume named ${name.trim()} already exists.` : null)) : null;
  const imageOk = info?.export != null || (missing && pull);
  const canStart = !busy && !refProblem && imageOk && nameProblem === null;

  const start = async () => {
    setBusy(true);
    setError(null);
    const volume = target === 'new' ? name.trim() : (here as string);
    const r = await api.importVolume({ image: image.trim(), volume, mode: target === 'new' ? 'new' : mode, pull, stopContainers: stop });
    setBusy(false);
    if (r.ok) showJob(r.value.id);
    else setError(r.error);
  };

  return (
    <JobDialog title={here ? `Import an image into ${here} or a new volume` : 'Import a volume from an image'} onClose={close} busy={busy}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (canStart) void start();
        }}
      >
        <Field id="volumeops-import-image" label="Image">
          <input
            id="volumeops-import-image"
            className="input"
            list="volumeops-import-exports"
            value={image}
            onChange={(e) => {
              setImage(e.target.value);
              setPull(false);
              setError(null);
            }}
            placeholder="name:tag"
            spellCheck={false}
            required
            data-autofocus
          />
          <datalist id="volumeops-import-exports">
            {(exports ?? []).map((x) => (
              <option key={x.image} value={x.image}>
                {x.export ? `${x.export.volume}, ${formatDate(x.export.createdAt)}` : ''}
              </option>
            ))}
          </datalist>
          <span className="field-hint">
            {exports === null
              ? 'Looking for exported images…'
              : exports.length === 0
                ? 'No volume exports on this engine yet: type an image name (pulled if you tick Pull), or export a volume first.'
                : `${exports.length} volume ${exports.length === 1 ? 'export' : 'exports'} on this engine: pick one from the list or type a name.`}
          </span>
        </Field>
        {refProblem && image.trim() ? (
          <p className="field-error" role="alert">
            {refProblem}
          </p>
        ) : null}
        {looked.state === 'looking' ? (
          <p className="muted small">
            <span className="spinner" /> Looking at {image.trim()}…
          </p>
        ) : null}
        {info?.export ? (
          <div className="notice notice-info jobs-gap" data-testid="volumeops-import-info">
            <div>
              An export of the volume <strong>{info.export.volume}</strong>: {formatCount(info.export.entries)} entries, {formatBytes(info.export.totalBytes)},
              made {formatDate(info.export.createdAt)} (image {formatBytes(info.sizeBytes)}).
            </div>
          </div>
        ) : null}
        {info && !info.export ? (
          <div className="notice notice-danger jobs-gap" role="alert">
            <div>{info.notAnExport}</div>
          </div>
        ) : null}
        {missing ? (
          <div className="notice notice-warning jobs-gap">
            <div>
              <div>{image.trim()} is not on this engine.</div>
              <label className="checkbox jobs-gap-sm">
                <input type="checkbox" checked={pull} onChange={(e) => setPull(e.target.checked)} />
                <span>
                  Pull it first (the engine’s own pull; a private registry needs docker login). An image that turns out not to be a volume export is refused
                  after the pull.
                </span>
              </label>
            </div>
          </div>
        ) : null}
        {looked.state === 'error' && !missing ? <ErrorNotice error={looked.error} /> : null}

        <fieldset className="jobs-fieldset">
          <legend className="field-label">Into</legend>
          <label className="checkbox">
            <input type="radio" name="volumeops-import-target" checked={target === 'new'} onChange={() => setTarget('new')} />
            <span>A new volume</span>
          </label>
          {target === 'new' ? (
            <Field id="volumeops-import-name" label="New volume name">
              <input
                id="volumeops-import-name"
                className="input"
                value={name}
                onChange={(e) => {
                  setName(e.target.value);
                  setNameTouched(true);
                }}
                aria-invalid={nameProblem !== null && name.trim() !== ''}
                spellCheck={false}
              />
              {nameProblem && name.trim() ? (
                <span className="field-error" role="alert">
                  {nameProblem}
                </span>
              ) : (
                <span className="field-hint">Suggested from the export’s own volume name.</span>
              )}
            </Field>
          ) : null}
          {here ? (
            <>
              <label className="checkbox">
                <input type="radio" name="volumeops-import-target" checked={target === 'here'} onChange={() => setTarget('here')} />
                <span>This volume, {here}</span>
              </label>
              {target === 'here' ? (
                <div className="jobs-indent jobs-fieldset">
                  <label className="checkbox">
                    <input type="radio" name="volumeops-import-mode" checked={mode === 'replace'} onChange={() => setMode('replace')} />
                    <span>Replace its contents (a verified safety backup of what is there is taken first, and put back if the import fails)</span>
                  </label>
                  <label className="checkbox">
                    <input type="radio" name="volumeops-import-mode" checked={mode === 'merge'} onChange={() => setMode('merge')} />
                    <span>Merge: files of the same name are overwritten, the others stay</span>
                  </label>
                </div>
              ) : null}
            </>
          ) : null}
        </fieldset>
        {running.length > 0 ? (
          <StopContainersNotice running={running} volume="this volume" job="import" stop={stop} onStop={setStop}>
            <div className="small">A running AI-Lab may write into the volume while files are replaced.</div>
          </StopContainersNotice>
        ) : null}
        <ErrorNotice error={error} />
        <DialogActions onCancel={close} busy={busy}>
          <button type="submit" className="btn btn-primary" disabled={!canStart}>
            {busy ? <span className="spinner" /> : null}
            Import
          </button>
        </DialogActions>
      </form>
    </JobDialog>
  );
}
