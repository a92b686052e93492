import { useEffect, useId, useState } from 'react';
import { SCS_FILE } from '../../../../shared/ailab';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { ConflictChoice, RestorePlan } from '../../../../shared/contract/jobs';
import { formatBytes, formatCount } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { Dialog, DialogActions } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PathInput } from '../../components/Field';
import { viewJob } from '../jobs';
import { useBackupFiles, type OpenBackup } from './store';

const CHOICES: Array<{ value: ConflictChoice; label: string; why: string }> = [
  { value: 'keep-both', label: 'Keep both', why: 'the backup’s copy goes beside yours, its name saying which backup it came from' },
  { value: 'overwrite', label: 'Replace with the backup’s copy', why: 'your current version is lost' },
  { value: 'skip', label: 'Skip', why: 'files that exist stay as they are; only missing ones come back' },
];

/**
 * Confirms a restore of chosen paths: where they go (their own place or a new folder), what happens to
 * files that exist (asked once for the whole job, only when there are any), then a merge job that
 * writes nothing else. Main plans it first, so the counts and conflicts shown are the archive's.
 */
export function RestoreChosenDialog(props: { restore: OpenBackup & { only: string[] } }) {
  const { file, fileName, volume, only } = props.restore;
  const close = () => useBackupFiles.getState().closeRestore();
  const [where, setWhere] = useState<'own' | 'folder'>('own');
  const [folder, setFolder] = useState('restored');
  const [conflict, setConflict] = useState<ConflictChoice>('keep-both');
  const [plan, setPlan] = useState<RestorePlan | null>(null);
  /** The target folder the plan shown was made for; planning while it differs from the one chosen. */
  const [plannedFor, setPlannedFor] = useState<string | null>(null);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const [busy, setBusy] = useState(false);
  const [keepScs, setKeepScs] = useState(false);
  const ids = useId();
  const into = where === 'folder' && folder.trim() !== '' ? folder.trim() : undefined;

  // Planned again when the target folder changes (what exists there differs), a moment after typing stops.
  const planning = plannedFor !== (into ?? '');
  useEffect(() => {
    let live = true;
    const t = setTimeout(() => {
      void api.planRestore({ source: { archivePath: file }, volume, selection: { only, ...(into ? { into } : {}) } }).then((r) => {
        if (!live) return;
        setPlannedFor(into ?? '');
        if (r.ok) {
          setPlan(r.value);
          setError(null);
        } else {
          setPlan(null);
          setError(r.error);
        }
      });
    }, 300);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [file, volume, only, into]);

  const sel = plan?.selection ?? null;
  const conflicts = sel?.conflictCount ?? 0;
  const start = async () => {
    setBusy(true);
    setError(null);
    const r = await api.startRestore({
      source: { archivePath: file },
      volume,
      mode: 'merge',
      // AI-Lab keeps running (only the chosen files are written), nothing is stripped, setuid as always.
      stopContainers: false,
      stripTopFolder: false,
      keepSetuid: false,
      ...(sel?.writesScs && keepScs ? { keepScs: true } : {}),
      selection: { only, ...(into ? { into } : {}), ...(conflicts > 0 ? { conflict } : {}) },
    });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    useBackupFiles.getState().closeBrowser();
    viewJob(r.value.id);
  };

  return (
    <Dialog title={`Restore ${only.length === 1 ? (only[0] ?? '') : `${only.length} items`} into ${volume}`} onClose={close} busy={busy} className="bf-restore">
      <p className="vol-m0 small">
        From <span className="mono">{fileName}</span>:{' '}
        {only.length <= 5 ? <span className="mono vol-break">{only.join(', ')}</span> : `${only.length} files and folders`}
        {sel
          ? ` — ${formatCount(sel.entries)} ${sel.entries === 1 ? 'entry' : 'entries'}, ${formatBytes(sel.bytes)}.`
          : planning
            ? ' — reading the backup…'
            : ''}
      </p>
      <fieldset className="plan-fieldset">
        <legend>Put them</legend>
        <label className="plan-inline">
          <input type="radio" name={`${ids}-where`} checked={where === 'own'} onChange={() => setWhere('own')} /> Back in their own place
        </label>
        <label className="plan-inline">
          <input type="radio" name={`${ids}-where`} checked={where === 'folder'} onChange={() => setWhere('folder')} /> In a folder of the volume, keeping their
          paths below it:
        </label>
        {where === 'folder' ? (
          <PathInput className="plan-indent" aria-label="Folder in the volume" value={folder} onChange={(e) => setFolder(e.target.value)} />
        ) : null}
      </fieldset>
      {conflicts > 0 ? (
        <fieldset className="plan-fieldset">
          <legend>
            {formatCount(conflicts)} {conflicts === 1 ? 'file exists' : 'files exist'} in the volume:{' '}
            <span className="mono small">
              {sel?.conflicts.slice(0, 3).join(', ')}
              {conflicts > 3 ? '…' : ''}
            </span>
          </legend>
          {CHOICES.map((c) => (
            <label key={c.value} className="plan-inline">
              <input type="radio" name={`${ids}-conflict`} checked={conflict === c.value} onChange={() => setConflict(c.value)} /> {c.label}{' '}
              <span className="muted small">— {c.why}</span>
            </label>
          ))}
        </fieldset>
      ) : null}
      {sel?.writesScs ? (
        <div className={`notice ${keepScs ? 'notice-warning' : 'notice-danger'}`} role="note">
          <div>
            <div className="notice-title">The chosen files include the Secure Configuration Storage ({SCS_FILE})</div>
            <div className="small">
              {keepScs
                ? `${volume} keeps its own as it is; the backup's is not restored.`
                : `Restored, its master password and connection settings become those of the backup${sel.overwritesScs ? `, replacing the ones now in ${volume}` : ''}.`}
            </div>
            <label className="checkbox plan-inline">
              <input type="checkbox" checked={keepScs} onChange={(e) => setKeepScs(e.target.checked)} />{' '}
              {sel.overwritesScs ? `Keep the current one of ${volume}` : 'Do not restore it'}
            </label>
          </div>
        </div>
      ) : null}
      <p className="small muted vol-m0">
        AI-Lab can keep running: only the chosen files are written, with the owners, modes and times they have in the backup, and nothing else in the volume
        changes. The backup is checked before anything is written.
      </p>
      {error ? <ErrorNotice error={error} /> : null}
      <DialogActions onCancel={close} busy={busy}>
        <button type="button" className="btn btn-primary" onClick={() => void start()} disabled={busy || planning || !sel}>
          {busy ? 'Starting…' : `Restore ${only.length === 1 ? 'it' : 'them'}`}
        </button>
      </DialogActions>
    </Dialog>
  );
}
