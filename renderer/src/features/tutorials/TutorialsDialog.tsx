import { useEffect, useId, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { ConflictChoice, TutorialFile, TutorialsComparison, TutorialsCopyResult } from '../../../../shared/contract/tutorials';
import { formatBytes } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { Dialog, DialogActions, DialogClose } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { groupTutorials, initialChoice, originWords } from './model';
import { useTutorials } from './store';

const CHOICES: Array<{ value: ConflictChoice; label: string; why: string }> = [
  { value: 'keep-both', label: 'Keep both', why: 'the image’s copy goes beside yours, named after the image’s version, e.g. start (6.2.0).ipynb' },
  { value: 'overwrite', label: 'Replace yours', why: 'your version is lost' },
  { value: 'skip', label: 'Skip them', why: 'yours stay as they are' },
];

function FileChoice(props: { file: TutorialFile; checked: boolean; onToggle: (on: boolean) => void; why?: string }) {
  const f = props.file;
  return (
    <label className="tut-file">
      <input type="checkbox" checked={props.checked} disabled={f.blocked !== null} onChange={(e) => props.onToggle(e.target.checked)} />
      <span className="mono tut-path">{f.path}</span>
      <span className="muted small">
        {formatBytes(f.size)}
        {props.why ? ` — ${props.why}` : ''}
      </span>
    </label>
  );
}

function Result(props: { result: TutorialsCopyResult }) {
  const r = props.result;
  return (
    <section className="tut-result" aria-label="Result">
      <p className="tut-m0">
        <strong>
          {r.copied.length === 0 ? 'Nothing was copied' : `Copied ${r.copied.length} ${r.copied.length === 1 ? 'file' : 'files'}`} into {r.volume}
        </strong>{' '}
        <span className="muted small">
          from {r.image}, owned {r.uid}:{r.gid}
        </span>
      </p>
      <ul className="tut-list">
        {r.copied.map((c) => (
          <li key={c.as}>
            <span className="mono">{c.as}</span>
            {c.how === 'keep-both' ? <span className="muted small"> — beside your {c.path}</span> : null}
            {c.how === 'overwrite' ? <span className="muted small"> — replaced yours</span> : null}
          </li>
        ))}
        {r.skipped.map((s) => (
          <li key={s.path} className="muted">
            <span className="mono">{s.path}</span> <span className="small">— not copied: {s.reason}</span>
          </li>
        ))}
      </ul>
      {r.notes.map((n) => (
        <div key={n} className="notice notice-warning" role="status">
          {n}
        </div>
      ))}
    </section>
  );
}

/**
 * Fresh tutorials for one volume: the image's shipped notebooks against the volume's, grouped by
 * state, new ones ticked; the files that differ are copied beside the user's (keep both) unless the
 * user says otherwise. Main compares again when copying, so a file changed meanwhile is never lost.
 */
export function TutorialsDialog(props: { volume: string }) {
  const { volume } = props;
  const close = () => useTutorials.getState().close();
  const ids = useId();
  const [images, setImages] = useState<string[]>([]);
  /** The image asked for; undefined = the newest local AI-Lab image, which main picks. */
  const [asked, setAsked] = useState<string | undefined>(undefined);
  const [comparison, setComparison] = useState<TutorialsComparison | null>(null);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [conflict, setConflict] = useState<ConflictChoice>('keep-both');
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  /** The image the comparison shown (or its error) was made for; reading while it differs from the one asked. */
  const [comparedFor, setComparedFor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TutorialsCopyResult | null>(null);

  useEffect(() => {
    let live = true;
    void api.listAiLabImages().then((r) => {
      if (live && r.ok) setImages(r.value.images.filter((i) => i.present).map((i) => i.ref));
    });
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    let live = true;
    void api.compareTutorials({ volume, ...(asked ? { image: asked } : {}) }).then((r) => {
      if (!live) return;
      setComparedFor(asked ?? '');
      if (r.ok) {
        setComparison(r.value);
        setChosen(initialChoice(r.value));
        setError(null);
      } else {
        setComparison(null);
        setError(r.error);
      }
    });
    return () => {
      live = false;
    };
  }, [volume, asked]);

  const loading = comparedFor !== (asked ?? '');
  const toggle = (path: string, on: boolean) =>
    setChosen((s) => {
      const next = new Set(s);
      if (on) next.add(path);
      else next.delete(path);
      return next;
    });

  const copy = async () => {
    if (!comparison) return;
    setBusy(true);
    setError(null);
    const r = await api.copyTutorials({ volume, image: comparison.image, paths: [...chosen], conflict });
    setBusy(false);
    if (r.ok) setResult(r.value);
    else setError(r.error);
  };

  const groups = comparison ? groupTutorials(comparison) : null;
  const changedChosen = groups ? groups.differs.filter((f) => chosen.has(f.path)).length : 0;
  const shownImage = comparison?.image ?? asked ?? '';
  const imageOptions = shownImage && !images.includes(shownImage) ? [shownImage, ...images] : images;
  const scs = comparison?.files.find((f) => f.scs && f.state === 'differs');

  if (result) {
    return (
      <Dialog title={`Tutorials for ${volume}`} onClose={close} className="tut-dialog">
        <Result result={result} />
        <DialogClose onClose={close} primary />
      </Dialog>
    );
  }

  return (
    <Dialog title={`Tutorials for ${volume}`} onClose={close} busy={busy} className="tut-dialog">
      <p className="tut-m0 small muted">
        A new AI-Lab image does not refresh the notebooks in a volume: it keeps its tutorials in its notebook-defaults folder and only copies the missing ones.
        Here they are compared with this volume, read from the image without starting it.
      </p>
      <div className="tut-image">
        <label htmlFor={`${ids}-image`}>Image</label>
        <select id={`${ids}-image`} value={shownImage} disabled={busy} onChange={(e) => setAsked(e.target.value)}>
          {imageOptions.length === 0 ? <option value="">the newest local AI-Lab image</option> : null}
          {imageOptions.map((i) => (
            <option key={i} value={i}>
              {i}
            </option>
          ))}
        </select>
        {comparison ? (
          <span className="muted small">
            {comparison.imageChosen === 'newest-local' ? 'the newest local AI-Lab image; ' : ''}defaults in{' '}
            <span className="mono">{comparison.defaultsPath}</span>
          </span>
        ) : null}
      </div>
      {loading ? (
        <p className="tut-m0" role="status">
          Reading the image’s tutorials and the volume…
        </p>
      ) : null}
      {error && !loading ? <ErrorNotice error={error} /> : null}
      {groups && !loading ? (
        <div className="tut-groups">
          <fieldset className="tut-fieldset">
            <legend>New ({groups.new.length})</legend>
            {groups.new.length === 0 ? <p className="tut-m0 muted small">None: the volume has every file this image ships.</p> : null}
            {groups.new.map((f) => (
              <FileChoice key={f.path} file={f} checked={chosen.has(f.path)} onToggle={(on) => toggle(f.path, on)} why={f.blocked ?? undefined} />
            ))}
          </fieldset>
          <fieldset className="tut-fieldset">
            <legend>Changed ({groups.differs.length})</legend>
            {groups.differs.length === 0 ? <p className="tut-m0 muted small">None.</p> : null}
            {groups.differs.map((f) => (
              <FileChoice key={f.path} file={f} checked={chosen.has(f.path)} onToggle={(on) => toggle(f.path, on)} why={originWords(f)} />
            ))}
          </fieldset>
          {groups.unchanged.length > 0 ? (
            <details className="tut-unchanged">
              <summary>Unchanged ({groups.unchanged.length})</summary>
              <ul className="tut-list">
                {groups.unchanged.map((f) => (
                  <li key={f.path} className="mono small">
                    {f.path}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          {changedChosen > 0 ? (
            <fieldset className="tut-fieldset">
              <legend>
                {changedChosen === 1 ? 'The changed file you chose' : `The ${changedChosen} changed files you chose`}: the volume has its own version
              </legend>
              {CHOICES.map((c) => (
                <label key={c.value} className="tut-inline">
                  <input type="radio" name={`${ids}-conflict`} checked={conflict === c.value} onChange={() => setConflict(c.value)} /> {c.label}{' '}
                  <span className="muted small">— {c.why}</span>
                </label>
              ))}
            </fieldset>
          ) : null}
          {scs ? (
            <div className="notice notice-warning" role="status">
              The image ships a Secure Configuration Storage file ({scs.path}) that differs from the volume’s. It is never replaced by a copy: its master
              password and connection settings would become the image’s.
            </div>
          ) : null}
        </div>
      ) : null}
      <DialogActions onCancel={close} busy={busy}>
        <button type="button" className="btn btn-primary" onClick={() => void copy()} disabled={busy || loading || !comparison || chosen.size === 0}>
          {busy ? 'Copying…' : chosen.size === 0 ? 'Copy' : `Copy ${chosen.size} ${chosen.size === 1 ? 'file' : 'files'}`}
        </button>
      </DialogActions>
    </Dialog>
  );
}
