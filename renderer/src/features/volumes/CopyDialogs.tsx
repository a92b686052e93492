import { useEffect, useId, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { CopyIntoVolumeResult, CopySource } from '../../../../shared/contract/volumes';
import { formatBytes, formatCount, plural } from '../../../../shared/format';
import { api, runMode } from '../../api/bridge';
import { Dialog, DialogActions, DialogClose } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Field, FolderField } from '../../components/Field';

const CONFLICTS = [
  { value: 'keep-both', label: 'Keep both', why: 'the copy gets “(copy)” in its name' },
  { value: 'overwrite', label: 'Replace', why: 'the file in the volume is lost' },
  { value: 'skip', label: 'Skip', why: 'what is there stays' },
] as const;
type Conflict = (typeof CONFLICTS)[number]['value'];

const baseName = (p: string) => p.replace(/\/+$/, '').split('/').pop() ?? p;

/** Copies a file or folder of a volume to a folder on this computer (a folder as a folder, or as one .tgz). */
export function CopyOutDialog(props: { volume: string; path: string; folder: boolean; onClose: () => void }) {
  const { volume, path, folder } = props;
  const ids = useId();
  const [dest, setDest] = useState('');
  const [asTgz, setAsTgz] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const [done, setDone] = useState<{ written: string; entries: number; bytes: number } | null>(null);

  useEffect(() => {
    void api.prepareBackup(volume).then((r) => r.ok && setDest((d) => d || r.value.defaultDir));
  }, [volume]);

  const copy = async () => {
    setBusy(true);
    setError(null);
    const r = await api.copyFromVolume({ volume, path, dest: dest.trim(), as: folder && asTgz ? 'tgz' : 'folder' });
    setBusy(false);
    if (r.ok) setDone(r.value);
    else setError(r.error);
  };

  return (
    <Dialog title={`Copy ${baseName(path)} out of ${volume}`} onClose={props.onClose} busy={busy} className="vol-copy-dialog">
      {done ? (
        <>
          <p className="vol-m0 vol-break">
            Copied to <span className="mono">{done.written}</span> ({formatCount(done.entries)} {plural(done.entries, 'entry', 'entries')},{' '}
            {formatBytes(done.bytes)}).
          </p>
          <DialogClose onClose={props.onClose} primary />
        </>
      ) : (
        <form
          className="vol-copy-form"
          onSubmit={(e) => {
            e.preventDefault();
            void copy();
          }}
        >
          <p className="vol-m0 small muted">
            <span className="mono">/{path}</span> goes into this folder on {runMode === 'electron' ? 'this computer' : 'the computer the app runs on'} under its
            own name; the volume is only read.
          </p>
          <FolderField
            id={`${ids}-dest`}
            value={dest}
            onChange={(e) => setDest(e.target.value)}
            onChoose={
              runMode === 'electron'
                ? () => void api.chooseBackupFolder(dest || undefined).then((r) => r.ok && r.value !== null && setDest(r.value))
                : undefined
            }
          />
          {folder ? (
            <fieldset className="plan-fieldset">
              <legend>A folder is copied</legend>
              <label className="plan-inline">
                <input type="radio" name={`${ids}-as`} checked={!asTgz} onChange={() => setAsTgz(false)} /> as a folder
              </label>
              <label className="plan-inline">
                <input type="radio" name={`${ids}-as`} checked={asTgz} onChange={() => setAsTgz(true)} /> as one .tgz (owners and modes kept; it restores like a
                backup)
              </label>
            </fieldset>
          ) : null}
          {error ? <ErrorNotice error={error} /> : null}
          <DialogActions onCancel={props.onClose} busy={busy}>
            <button type="submit" className="btn btn-primary" disabled={busy || dest.trim() === ''}>
              {busy ? 'Copying…' : 'Copy'}
            </button>
          </DialogActions>
        </form>
      )}
    </Dialog>
  );
}

/** What the copy-in dialog starts from: dropped files (read already) or nothing (paths typed). */
export interface DroppedSources {
  sources: CopySource[];
  names: string[];
}

/**
 * Copies host files or folders into a folder of a volume: owned by the folder's owner unless the user
 * says otherwise, and asked once what to do with names that exist there.
 */
export function CopyInDialog(props: {
  volume: string;
  folder: string;
  existing: ReadonlySet<string>;
  folderOwner: { uid: number; gid: number } | null;
  dropped: DroppedSources | null;
  onClose: () => void;
  onDone: (r: CopyIntoVolumeResult) => void;
}) {
  const { volume, folder, existing, folderOwner, dropped } = props;
  const ids = useId();
  const [typed, setTyped] = useState('');
  const [ownerMode, setOwnerMode] = useState<'auto' | 'custom'>('auto');
  const [custom, setCustom] = useState(folderOwner ? `${folderOwner.uid}:${folderOwner.gid}` : '1001:100');
  const [conflict, setConflict] = useState<Conflict>('keep-both');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorPayload | null>(null);

  const typedPaths = typed
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const sources: CopySource[] = dropped ? dropped.sources : typedPaths.map((hostPath) => ({ hostPath }));
  const names = dropped ? dropped.names : typedPaths.map(baseName);
  const clashes = names.filter((n) => existing.has(n));
  const ownerMatch = /^(\d+):(\d+)$/.exec(custom.trim());
  const ownerProblem = ownerMode === 'custom' && !ownerMatch ? 'Write it as uid:gid, e.g. 1001:100.' : null;

  const copy = async () => {
    setBusy(true);
    setError(null);
    const r = await api.copyIntoVolume({
      volume,
      folder,
      sources,
      owner: ownerMode === 'custom' && ownerMatch ? { uid: Number(ownerMatch[1]), gid: Number(ownerMatch[2]) } : 'auto',
      ...(clashes.length > 0 ? { conflict } : {}),
    });
    setBusy(false);
    if (r.ok) props.onDone(r.value);
    else setError(r.error);
  };

  return (
    <Dialog title={`Copy into /${folder} of ${volume}`} onClose={props.onClose} busy={busy} className="vol-copy-dialog">
      <form
        className="vol-copy-form"
        onSubmit={(e) => {
          e.preventDefault();
          void copy();
        }}
      >
        {dropped ? (
          <p className="vol-m0 vol-break">
            {names.length === 1 ? <span className="mono">{names[0]}</span> : `${names.length} items: `}
            {names.length > 1 ? <span className="mono small">{names.join(', ')}</span> : null}
          </p>
        ) : (
          <Field id={`${ids}-paths`} label="Files or folders on this computer, one per line (or drop them on the file list)">
            <textarea
              id={`${ids}-paths`}
              className="input mono vol-copy-paths"
              rows={3}
              spellCheck={false}
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              placeholder="/home/me/Downloads/analysis.ipynb"
            />
          </Field>
        )}
        <fieldset className="plan-fieldset">
          <legend>Owner in the volume</legend>
          <label className="plan-inline">
            <input type="radio" name={`${ids}-owner`} checked={ownerMode === 'auto'} onChange={() => setOwnerMode('auto')} /> The folder’s owner
            {folderOwner ? (
              <span className="muted small">
                {' '}
                ({folderOwner.uid}:{folderOwner.gid}
                {folderOwner.uid === 1001 ? ', AI-Lab’s jupyter user' : folderOwner.uid === 0 ? ', root' : ''})
              </span>
            ) : null}
          </label>
          <label className="plan-inline">
            <input type="radio" name={`${ids}-owner`} checked={ownerMode === 'custom'} onChange={() => setOwnerMode('custom')} /> Another:
            <input
              className="input mono plan-time"
              aria-label="Owner as uid:gid"
              aria-invalid={ownerProblem ? true : undefined}
              value={custom}
              disabled={ownerMode !== 'custom'}
              onChange={(e) => setCustom(e.target.value)}
            />
          </label>
          {ownerProblem ? <span className="small cat-folder-error">{ownerProblem}</span> : null}
        </fieldset>
        {clashes.length > 0 ? (
          <fieldset className="plan-fieldset">
            <legend>
              Already in /{folder}: <span className="mono small">{clashes.join(', ')}</span>
            </legend>
            {CONFLICTS.map((c) => (
              <label key={c.value} className="plan-inline">
                <input type="radio" name={`${ids}-conflict`} checked={conflict === c.value} onChange={() => setConflict(c.value)} /> {c.label}{' '}
                <span className="muted small">— {c.why}</span>
              </label>
            ))}
          </fieldset>
        ) : null}
        {error ? <ErrorNotice error={error} /> : null}
        <DialogActions onCancel={props.onClose} busy={busy}>
          <button type="submit" className="btn btn-primary" disabled={busy || sources.length === 0 || ownerProblem !== null}>
            {busy ? 'Copying…' : 'Copy in'}
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
