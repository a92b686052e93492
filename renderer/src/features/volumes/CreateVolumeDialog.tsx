import { useMemo, useState, type FormEvent } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import { checkVolumeName, VOLUME_NAME_RULE } from '../../../../shared/contract/validation';
import { api } from '../../api/bridge';
import { Dialog, DialogActions } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useVolumeStore } from './volumeStore';

interface LabelRow {
  id: number;
  key: string;
  value: string;
}

function labelProblems(rows: LabelRow[]): Map<number, string> {
  const problems = new Map<number, string>();
  const seen = new Set<string>();
  for (const r of rows) {
    const key = r.key.trim();
    if (key === '' && r.value === '') continue;
    if (key === '') problems.set(r.id, 'Give the label a key.');
    else if (/\s/.test(key)) problems.set(r.id, 'A label key has no spaces.');
    else if (seen.has(key)) problems.set(r.id, `The key "${key}" is used twice.`);
    seen.add(key);
  }
  return problems;
}

/** Create a volume: Docker's name rule checked as you type, a taken name caught before the call. */
export function CreateVolumeDialog() {
  const volumes = useVolumeStore((s) => s.volumes);
  const close = () => useVolumeStore.getState().openDialog(null);
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [rows, setRows] = useState<LabelRow[]>([]);
  const [nextId, setNextId] = useState(1);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<ApiErrorPayload | null>(null);

  const existing = useMemo(() => new Set((volumes ?? []).map((v) => v.name)), [volumes]);
  const nameProblem = checkVolumeName(name) ?? (existing.has(name) ? `A volume named "${name}" already exists. Pick another name.` : null);
  const problems = labelProblems(rows);
  const showNameProblem = nameProblem !== null && (touched || name.length > 0);
  const canCreate = nameProblem === null && problems.size === 0 && !busy;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (!canCreate) return;
    setBusy(true);
    setFailure(null);
    const labels = Object.fromEntries(rows.filter((r) => r.key.trim() !== '').map((r) => [r.key.trim(), r.value]));
    const r = await api.createVolume(name, labels);
    setBusy(false);
    if (!r.ok) {
      setFailure(r.error);
      return;
    }
    const store = useVolumeStore.getState();
    // Make sure the new volume is not hidden by a search or filter, then show it selected.
    store.setQuery('');
    if (store.filter === 'in-use' || store.filter === 'anonymous') store.setFilter('all');
    store.openDialog(null);
    await store.load();
    store.select(r.value.name, { reveal: true });
  };

  return (
    <Dialog title="New volume" onClose={close} busy={busy} className="vol-dialog">
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="field">
          <label htmlFor="new-volume-name">Name</label>
          <input
            id="new-volume-name"
            className="input"
            value={name}
            data-autofocus
            autoComplete="off"
            spellCheck={false}
            aria-invalid={showNameProblem}
            aria-describedby="new-volume-name-help"
            onChange={(e) => {
              setName(e.target.value);
              setFailure(null);
            }}
            onBlur={() => setTouched(true)}
            placeholder="e.g. my-notebooks"
          />
          <div id="new-volume-name-help" aria-live="polite">
            {showNameProblem ? <div className="field-error">{nameProblem}</div> : <div className="field-hint">{VOLUME_NAME_RULE}</div>}
          </div>
        </div>

        <fieldset className="vol-labels-editor">
          <legend className="field-label">
            Labels <span className="muted small">(optional)</span>
          </legend>
          {rows.length === 0 ? <p className="muted small vol-m0">No labels. Labels help you find volumes later (search matches them).</p> : null}
          {rows.map((r, i) => (
            <div key={r.id} className="vol-label-row">
              <input
                className="input"
                aria-label={`Label ${i + 1} key`}
                placeholder="key"
                value={r.key}
                aria-invalid={problems.has(r.id)}
                onChange={(e) => setRows(rows.map((x) => (x.id === r.id ? { ...x, key: e.target.value } : x)))}
              />
              <span aria-hidden="true">=</span>
              <input
                className="input"
                aria-label={`Label ${i + 1} value`}
                placeholder="value"
                value={r.value}
                onChange={(e) => setRows(rows.map((x) => (x.id === r.id ? { ...x, value: e.target.value } : x)))}
              />
              <button
                type="button"
                className="btn btn-ghost btn-sm"
                aria-label={`Remove label ${i + 1}`}
                onClick={() => setRows(rows.filter((x) => x.id !== r.id))}
              >
                ✕
              </button>
              {problems.has(r.id) ? <div className="field-error vol-label-error">{problems.get(r.id)}</div> : null}
            </div>
          ))}
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => {
              setRows([...rows, { id: nextId, key: '', value: '' }]);
              setNextId(nextId + 1);
            }}
          >
            Add label
          </button>
        </fieldset>

        {failure ? <ErrorNotice error={failure} /> : null}

        <DialogActions onCancel={close} busy={busy}>
          <button type="submit" className="btn btn-primary" disabled={!canCreate}>
            {busy ? 'Creating…' : 'Create volume'}
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
