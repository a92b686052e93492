import { useCallback, useEffect, useMemo, useState } from 'react';
import type { BackupCatalogue, BackupEntry, BackupVerification } from '../../../../shared/contract/backups';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import { formatBytes, formatCount, formatDate } from '../../../../shared/format';
import { api, runMode } from '../../api/bridge';
import { AriaColumnHeads, type Column } from '../../components/ColumnHeads';
import { Dialog, DialogActions } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PathInput } from '../../components/Field';
import { useScrollViewport, windowOf } from '../../components/virtualRows';
import { openBackupBrowser } from '../backupFiles';
import { openRestoreOf } from '../jobs';
import { catalogueFolders, mergeCatalogues, type CatalogueFolder } from './catalogueModel';
import { usePlans } from './plansStore';
import { agoShort } from './protection';

const ROW = 40;

const COLUMNS: Column[] = [
  { label: 'Time' },
  { label: 'Size', className: 'num' },
  { label: 'Entries', className: 'num' },
  { label: 'Engine' },
  { label: 'State' },
  { label: 'Actions', srOnly: true },
];

type Check = { state: 'running' } | { state: 'good'; result: BackupVerification } | { state: 'bad'; error: ApiErrorPayload };

function StateCell(props: { b: BackupEntry; check: Check | undefined }) {
  const { b, check } = props;
  if (check?.state === 'running')
    return (
      <span className="muted">
        <span className="spinner" aria-hidden="true" /> Verifying…
      </span>
    );
  if (check?.state === 'good')
    return (
      <span
        className="badge badge-ok"
        title={`${check.result.comparedWithSidecar ? 'Read again just now: entries, sizes and sha256 match its manifest' : 'Read again just now: a complete archive, but there is no manifest to compare with'} (sha256 ${check.result.sha256})`}
      >
        ✓ {check.result.comparedWithSidecar ? 'Intact' : 'Readable'}
      </span>
    );
  if (check?.state === 'bad')
    return (
      <span className="badge badge-danger" title={`${check.error.message} ${check.error.hint ?? ''}`}>
        ✕ Damaged
      </span>
    );
  if (b.status === 'verified')
    return (
      <span className="badge badge-ok" title="Verified when it was written; Verify reads it again">
        verified
      </span>
    );
  return (
    <span className="badge badge-warning" title={b.note ?? undefined}>
      {b.status === 'changed' ? 'changed' : 'not ours'}
    </span>
  );
}

/** A volume's backups in its plan's folder, the backup folder and the folders the user added: Verify, Restore, Delete, Show in folder. */
export function CatalogueDialog(props: { volume: string }) {
  const { volume } = props;
  const plan = usePlans((s) => s.byVolume[volume] ?? null);
  const close = () => usePlans.getState().openCatalogue(null);
  const [defaultDir, setDefaultDir] = useState<string | null>(null);
  const [added, setAdded] = useState<string[]>([]);
  const [catalogues, setCatalogues] = useState<BackupCatalogue[]>([]);
  const [folderErrors, setFolderErrors] = useState<Record<string, ApiErrorPayload>>({});
  /** The folders (and reload count) the shown catalogues were read for: loading while it differs from the wanted one. */
  const [readFor, setReadFor] = useState<string | null>(null);
  const [checks, setChecks] = useState<Record<string, Check>>({});
  const [confirmDelete, setConfirmDelete] = useState<BackupEntry | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [failure, setFailure] = useState<ApiErrorPayload | null>(null);
  const [announce, setAnnounce] = useState('');
  const [newFolder, setNewFolder] = useState('');
  const [reload, setReload] = useState(0);

  useEffect(() => {
    void api.prepareBackup(volume).then((r) => r.ok && setDefaultDir(r.value.defaultDir));
    void api.getSettings().then((r) => r.ok && setAdded(r.value.catalogueFolders));
  }, [volume]);

  const folders = useMemo(() => catalogueFolders(plan?.plan.dir ?? null, defaultDir, added), [plan?.plan.dir, defaultDir, added]);
  // Re-read when a run of the plan ended (a new backup, retention's deletions).
  const lastRunAt = plan?.last?.finishedAt ?? null;

  const wanted = `${folders.map((f) => f.dir).join('\n')}|${lastRunAt ?? ''}|${reload}`;
  const loading = readFor !== wanted;
  useEffect(() => {
    let live = true;
    void Promise.all(folders.map(async (f) => ({ f, r: await api.listBackups({ dir: f.dir, volume }) }))).then((results) => {
      if (!live) return;
      setCatalogues(results.flatMap(({ r }) => (r.ok ? [r.value] : [])));
      setFolderErrors(Object.fromEntries(results.flatMap(({ f, r }) => (r.ok ? [] : [[f.dir, r.error]]))));
      setReadFor(wanted);
    });
    return () => {
      live = false;
    };
    // `wanted` names folders, lastRunAt and reload: a new value is a reason to read again.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [wanted, volume]);

  const backups = useMemo(() => mergeCatalogues(catalogues), [catalogues]);

  const saveAdded = async (next: string[]) => {
    const r = await api.updateSettings({ catalogueFolders: next });
    if (r.ok) setAdded(r.value.catalogueFolders);
    else setFailure(r.error);
  };

  const verify = useCallback(async (b: BackupEntry) => {
    setChecks((c) => ({ ...c, [b.file]: { state: 'running' } }));
    const r = await api.verifyBackup(b.file);
    setChecks((c) => ({ ...c, [b.file]: r.ok ? { state: 'good', result: r.value } : { state: 'bad', error: r.error } }));
    setAnnounce(
      r.ok
        ? `${b.fileName} is intact${r.value.comparedWithSidecar ? ': read again, it matches its manifest' : ' (no manifest to compare with)'}.`
        : `${b.fileName} is damaged: ${r.error.message}`,
    );
  }, []);

  const reveal = useCallback(async (b: BackupEntry) => {
    if (runMode === 'electron') {
      const r = await api.showBackupInFolder(b.file);
      if (!r.ok) setFailure(r.error);
      return;
    }
    // The browser mode cannot open the server's file manager: the path goes to the clipboard, and is said.
    const copied = await navigator.clipboard?.writeText(b.file).then(
      () => true,
      () => false,
    );
    setAnnounce(copied ? `Copied the path ${b.file}` : `The path is ${b.file}`);
  }, []);

  const doDelete = async (b: BackupEntry) => {
    setDeleting(true);
    const r = await api.deleteBackup(b.file);
    setDeleting(false);
    setConfirmDelete(null);
    if (!r.ok) {
      setFailure(r.error);
      return;
    }
    setAnnounce(`Deleted ${b.fileName}.`);
    setReload((n) => n + 1);
  };

  return (
    <Dialog title={`Backups of ${volume}`} onClose={close} className="cat-dialog">
      <Folders folders={folders} errors={folderErrors} onRemove={(dir) => void saveAdded(added.filter((d) => d !== dir))} />
      <form
        className="plan-row"
        onSubmit={(e) => {
          e.preventDefault();
          const d = newFolder.trim();
          if (!d) return;
          setNewFolder('');
          void saveAdded([...added.filter((x) => x !== d), d]);
        }}
      >
        <PathInput
          className="input-grow"
          aria-label="Another folder to list"
          placeholder="Another folder with backups, e.g. /mnt/usb/ailab"
          value={newFolder}
          onChange={(e) => setNewFolder(e.target.value)}
        />
        <button type="submit" className="btn" disabled={newFolder.trim() === ''}>
          Add folder
        </button>
      </form>
      {failure ? <ErrorNotice error={failure} /> : null}
      <p className="small muted vol-m0 vol-break" aria-live="polite">
        {announce}
      </p>
      <BackupTable
        backups={backups}
        loading={loading}
        checks={checks}
        onVerify={(b) => void verify(b)}
        onRestore={(b) => {
          close();
          openRestoreOf(b.file, b.fileName, volume);
        }}
        onDelete={setConfirmDelete}
        onBrowse={(b) => openBackupBrowser({ file: b.file, fileName: b.fileName, volume })}
        onReveal={(b) => void reveal(b)}
      />
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={close} data-autofocus>
          Close
        </button>
      </div>
      {confirmDelete ? (
        <Dialog title="Delete this backup?" onClose={() => setConfirmDelete(null)} busy={deleting}>
          <p className="vol-m0 vol-break">
            <span className="mono">{confirmDelete.file}</span> and its <span className="mono">.json</span> manifest are deleted
            {confirmDelete.createdAt ? ` (the backup of ${formatDate(new Date(confirmDelete.createdAt).toISOString())})` : ''}. This cannot be undone.
          </p>
          <DialogActions onCancel={() => setConfirmDelete(null)} busy={deleting} focusCancel>
            <button type="button" className="btn btn-danger" onClick={() => void doDelete(confirmDelete)} disabled={deleting}>
              {deleting ? 'Deleting…' : 'Delete backup'}
            </button>
          </DialogActions>
        </Dialog>
      ) : null}
    </Dialog>
  );
}

function Folders(props: { folders: CatalogueFolder[]; errors: Record<string, ApiErrorPayload>; onRemove: (dir: string) => void }) {
  const why = { plan: 'the plan’s folder', default: 'the backup folder', added: 'added by you' };
  return (
    <ul className="cat-folders" aria-label="Folders listed">
      {props.folders.map((f) => (
        <li key={f.dir}>
          <span className="mono vol-break">{f.dir}</span> <span className="muted small">{why[f.source]}</span>
          {props.errors[f.dir] ? (
            // The backup folder is only a guess at where backups may be: its absence is no error.
            f.source === 'default' && props.errors[f.dir]?.code === 'FILE_NOT_FOUND' ? (
              <span className="muted small"> · does not exist yet</span>
            ) : (
              <span className="small cat-folder-error"> · {props.errors[f.dir]?.message}</span>
            )
          ) : null}
          {f.source === 'added' ? (
            <button type="button" className="btn btn-ghost btn-sm" aria-label={`Stop listing ${f.dir}`} onClick={() => props.onRemove(f.dir)}>
              ✕
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function BackupTable(props: {
  backups: BackupEntry[];
  loading: boolean;
  checks: Record<string, Check>;
  onVerify: (b: BackupEntry) => void;
  onRestore: (b: BackupEntry) => void;
  onDelete: (b: BackupEntry) => void;
  onBrowse: (b: BackupEntry) => void;
  onReveal: (b: BackupEntry) => void;
}) {
  const viewport = useScrollViewport(400);
  const { backups } = props;
  const { first, last } = windowOf(backups.length, viewport.scrollTop, viewport.height, ROW);
  const now = usePlans((s) => s.now);

  return (
    // One scroller for the header and the rows, so both have the same width and their columns line up.
    <div className="cat-table" role="table" aria-label="Backups" aria-rowcount={backups.length + 1} {...viewport.scroller}>
      <div role="rowgroup" className="cat-headgroup">
        <div role="row" className="cat-row cat-head" aria-rowindex={1}>
          <AriaColumnHeads columns={COLUMNS} />
        </div>
      </div>
      <div role="rowgroup" className="cat-body">
        {backups.length === 0 ? (
          <p className="muted cat-empty">{props.loading ? 'Reading the folders…' : 'No backups of this volume in these folders yet.'}</p>
        ) : (
          <>
            <div style={{ height: first * ROW }} aria-hidden="true" />
            {backups.slice(first, last).map((b, i) => {
              const at = b.createdAt ?? b.modifiedAt;
              const ours = b.status === 'verified';
              const check = props.checks[b.file];
              return (
                <div role="row" key={b.file} className="cat-row" aria-rowindex={first + i + 2} aria-label={b.fileName}>
                  <span role="cell" title={`${b.file}\n${formatDate(new Date(at).toISOString())}`}>
                    {formatDate(new Date(at).toISOString())} <span className="muted small">{agoShort(at, now)}</span>
                  </span>
                  <span role="cell" className="num">
                    {formatBytes(b.compressedBytes)}
                  </span>
                  <span role="cell" className="num">
                    {formatCount(b.entries)}
                  </span>
                  <span role="cell">{b.engine ?? '—'}</span>
                  <span role="cell">
                    <StateCell b={b} check={check} />
                  </span>
                  <span role="cell" className="cat-actions">
                    <button
                      type="button"
                      className="btn btn-sm"
                      aria-label={`Verify ${b.fileName}`}
                      disabled={check?.state === 'running'}
                      onClick={() => props.onVerify(b)}
                    >
                      Verify
                    </button>
                    <button
                      type="button"
                      className="btn btn-sm"
                      aria-label={`Browse ${b.fileName}`}
                      title="See its files, compare it with the volume now, restore chosen files"
                      onClick={() => props.onBrowse(b)}
                    >
                      Browse…
                    </button>
                    <button type="button" className="btn btn-sm" aria-label={`Restore ${b.fileName}`} onClick={() => props.onRestore(b)}>
                      Restore…
                    </button>
                    <button
                      type="button"
                      className="btn btn-sm"
                      aria-label={runMode === 'electron' ? `Show ${b.fileName} in its folder` : `Copy the path of ${b.fileName}`}
                      title={b.file}
                      onClick={() => props.onReveal(b)}
                    >
                      {runMode === 'electron' ? 'Show' : 'Copy path'}
                    </button>
                    <button
                      type="button"
                      className="btn btn-sm btn-danger"
                      aria-label={`Delete ${b.fileName}`}
                      disabled={!ours}
                      title={ours ? undefined : `Not a backup this app wrote (${b.note ?? 'not ours'}): delete it in your file manager if you are sure.`}
                      onClick={() => props.onDelete(b)}
                    >
                      Delete…
                    </button>
                  </span>
                </div>
              );
            })}
            <div style={{ height: Math.max(0, (backups.length - last) * ROW) }} aria-hidden="true" />
          </>
        )}
      </div>
    </div>
  );
}
