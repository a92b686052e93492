import { cloneElement, isValidElement, useEffect, useRef, useState, type DragEvent, type ReactElement, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type { RestoreSource } from '../../../../shared/contract/jobs';
import { api } from '../../api/bridge';
import { NEVER_INERT, onDialogsChange, openDialogCount } from '../../components/Dialog';
import { isArchiveName } from './format';
import { useJobs } from './jobsStore';

/**
 * A dropped File as something main can read: its path in Electron (webUtils.getPathForFile in the
 * preload; main checks it again), or an upload streamed to the browser-mode server (its progress in
 * the upload toast).
 */
export async function readDroppedFile(
  file: File,
  hint: string,
): Promise<{ ok: true; source: { hostPath: string } | { uploadId: string } } | { ok: false; error: ApiErrorPayload }> {
  const path = api.pathForFile?.(file);
  if (path) return { ok: true, source: { hostPath: path } };
  if (!api.uploadFile) return { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'This window cannot read dropped files.', hint } };
  useJobs.setState({ upload: { name: file.name, sent: 0, total: file.size } });
  try {
    const r = await api.uploadFile(file, (sent, total) => useJobs.setState({ upload: { name: file.name, sent, total } }));
    return r.ok ? { ok: true, source: { uploadId: r.value.uploadId } } : { ok: false, error: r.error };
  } finally {
    useJobs.setState({ upload: null });
  }
}

/** A dropped archive as a restore's source. */
export async function uploadArchive(file: File): Promise<{ ok: true; source: RestoreSource } | { ok: false; error: ApiErrorPayload }> {
  const r = await readDroppedFile(file, 'Choose the backup with “Restore a backup…”.');
  if (!r.ok) return r;
  return { ok: true, source: 'hostPath' in r.source ? { archivePath: r.source.hostPath } : r.source };
}

/** Drops a volume row (or another drop target) took care of; the window's handler then only resets its hint. */
const handledDrops = new WeakSet<Event>();

/** Marks a drop as taken by a target inside the window, so the window's archive drop leaves it alone. */
export function claimDrop(e: Event): void {
  handledDrops.add(e);
}

function hasFiles(e: DragEvent): boolean {
  return [...(e.dataTransfer?.types ?? [])].includes('Files');
}

async function openDropped(file: File, volume: string | null): Promise<void> {
  useJobs.setState({ dropError: null });
  const r = await uploadArchive(file);
  if (!r.ok) {
    useJobs.setState({ dropError: `${file.name} could not be read: ${r.error.message}` });
    return;
  }
  useJobs.getState().openRestore({ source: r.source, sourceName: file.name, volume });
}

/**
 * Files dropped on the window (volume null: a new volume) or on a volume row. The first archive opens
 * the Restore dialog; while a dialog is open (the drop lands on its backdrop) it and any further ones
 * wait in a queue that the toast shows, except that a Restore dialog still asking for its file takes it.
 */
async function onArchiveDropped(files: FileList | undefined, volume: string | null): Promise<void> {
  const all = [...(files ?? [])];
  const archives = all.filter((f) => isArchiveName(f.name));
  const others = all.filter((f) => !isArchiveName(f.name));
  if (others.length > 0) {
    const names = others.map((f) => f.name).join(', ');
    useJobs.setState({ dropError: `${names} ${others.length === 1 ? 'is not a backup' : 'are not backups'}: drop a .tgz, .tar.gz or .tar file.` });
  }
  const [first, ...rest] = archives;
  if (!first) return;
  if (others.length === 0) useJobs.setState({ dropError: null });
  const pending = useJobs.getState().restore;
  const pickerOpen = openDialogCount() === 1 && pending !== null && pending.source === null;
  if (openDialogCount() > 0 && !pickerOpen) {
    useJobs.setState((s) => ({ queued: [...s.queued, ...archives.map((file) => ({ file, volume }))] }));
    return;
  }
  if (rest.length > 0) useJobs.setState((s) => ({ queued: [...s.queued, ...rest.map((file) => ({ file, volume }))] }));
  await openDropped(first, pickerOpen ? (volume ?? pending.volume) : volume);
}

/** The next queued archive, once every dialog is closed (checked a moment later: a dialog may replace another). */
function openNextQueued(): void {
  setTimeout(() => {
    if (openDialogCount() > 0) return;
    const [next, ...rest] = useJobs.getState().queued;
    if (!next) return;
    useJobs.setState({ queued: rest });
    void openDropped(next.file, next.volume);
  }, 0);
}

/** Upload progress, a refused drop and the queue: over the dialogs and never inert, so a queued file can be discarded. */
function DropToasts() {
  const upload = useJobs((s) => s.upload);
  const dropError = useJobs((s) => s.dropError);
  const queued = useJobs((s) => s.queued);
  if (!upload && !dropError && queued.length === 0) return null;
  return createPortal(
    <div className="jobs-toasts" {...{ [NEVER_INERT]: '' }}>
      {upload ? (
        <div className="jobs-toast card" role="status" aria-live="polite">
          <span className="jobs-toast-text">
            Uploading {upload.name}… {upload.total > 0 ? Math.floor((upload.sent / upload.total) * 100) : 0}%
          </span>
          <progress className="jobs-bar" max={upload.total || 1} value={upload.sent} aria-label={`Uploading ${upload.name}`} />
        </div>
      ) : null}
      {queued.length > 0 ? (
        <div className="jobs-toast card" role="status" aria-live="polite">
          <span className="jobs-toast-text">
            {queued.length === 1
              ? `${queued[0]?.file.name} waits: it opens when the open dialog closes.`
              : `${queued.length} archives wait (${queued.map((q) => q.file.name).join(', ')}): each opens when the dialog before it closes.`}
          </span>
          <button className="btn btn-sm" onClick={() => useJobs.setState({ queued: [] })}>
            Discard
          </button>
        </div>
      ) : null}
      {dropError ? (
        <div className="jobs-toast card notice-danger" role="alert">
          <span className="jobs-toast-text">{dropError}</span>
          <button className="btn btn-sm btn-ghost" aria-label="Dismiss" onClick={() => useJobs.setState({ dropError: null })}>
            ✕
          </button>
        </div>
      ) : null}
    </div>,
    document.body,
  );
}

/**
 * Wraps the whole window: an archive dropped anywhere that is not a volume restores into a new volume.
 * While files are dragged over the window a hint says where to drop; the upload shows its progress.
 */
export function GlobalArchiveDrop(props: { children: ReactNode }) {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  const [dialogs, setDialogs] = useState(openDialogCount);
  useEffect(
    () =>
      onDialogsChange((n) => {
        setDialogs(n);
        if (n === 0) openNextQueued();
      }),
    [],
  );
  return (
    <div
      className="jobs-global-drop"
      onDragEnter={(e) => {
        if (!hasFiles(e)) return;
        depth.current++;
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!hasFiles(e)) return;
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setDragging(false);
      }}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      }}
      onDrop={(e) => {
        depth.current = 0;
        setDragging(false);
        if (handledDrops.has(e.nativeEvent)) return;
        if (!hasFiles(e) && !e.dataTransfer?.files?.length) return;
        e.preventDefault();
        void onArchiveDropped(e.dataTransfer?.files, null);
      }}
    >
      {props.children}
      {dragging ? (
        <div className="jobs-drop-hint" aria-hidden="true">
          <div className="jobs-drop-hint-label">
            {dialogs > 0
              ? 'Drop a .tgz: it opens when this dialog closes'
              : 'Drop a .tgz to restore it into a new volume — or drop it on a volume to restore into that one'}
          </div>
        </div>
      ) : null}
      <DropToasts />
    </div>
  );
}

/** Wraps a volume row: an archive dropped on it restores into that volume. Adds handlers, not elements. */
export function VolumeDropTarget(props: { volumeName: string; children: ReactNode }) {
  const [over, setOver] = useState(false);
  const child = props.children;
  if (!isValidElement(child)) return <>{child}</>;
  const handlers = {
    onDragOver: (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      if (!over) setOver(true);
    },
    onDragLeave: (e: DragEvent) => {
      if ((e.currentTarget as Element).contains(e.relatedTarget as Node | null)) return;
      setOver(false);
    },
    onDrop: (e: DragEvent) => {
      setOver(false);
      if (!e.dataTransfer?.files?.length) return;
      e.preventDefault();
      handledDrops.add(e.nativeEvent);
      void onArchiveDropped(e.dataTransfer.files, props.volumeName);
    },
    'data-drop-active': over ? 'true' : undefined,
    title: over ? `Drop to restore into ${props.volumeName}` : undefined,
  };
  return cloneElement(child as ReactElement<Record<string, unknown>>, handlers);
}
