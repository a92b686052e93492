import { useCallback, useEffect, useRef, useState, type DragEvent } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { CopyIntoVolumeResult, VolumeFileEntry, VolumeFileListing } from '../../../../shared/contract/volumes';
import { formatAgo, formatBytes, formatDate } from '../../../../shared/format';
import { api, runMode } from '../../api/bridge';
import { TableHead, type Column } from '../../components/ColumnHeads';
import { ErrorNotice } from '../../components/ErrorNotice';
import { claimDrop, readDroppedFile } from '../jobs';
import { CopyInDialog, CopyOutDialog, type DroppedSources } from './CopyDialogs';

/** Numeric owners: the helper image's /etc/passwd says nothing about the volume's users. */
function ownerName(uid: number): string | null {
  return uid === 0 ? 'root' : null;
}

function ownerTitle(uid: number, gid: number): string {
  if (uid === 0) return `uid 0 (root), gid ${gid}`;
  if (uid === 1001) return `uid 1001 (the jupyter user of AI-Lab 2.0 and later), gid ${gid}`;
  return `uid ${uid}, gid ${gid}`;
}

function typeLabel(e: VolumeFileEntry): string {
  return e.type === 'dir' ? 'Folder' : e.type === 'symlink' ? 'Link' : e.type === 'file' ? 'File' : 'Special';
}

const join = (base: string, name: string) => (base === '' ? name : `${base}/${name}`);

const COLUMNS: Column[] = [
  { label: 'Name' },
  { label: 'Size', className: 'num' },
  { label: 'Owner' },
  { label: 'Mode' },
  { label: 'Modified' },
  { label: 'Actions', srOnly: true },
];

function copiedSummary(r: CopyIntoVolumeResult): string {
  const parts = [`Copied ${r.copied.length} into /${r.folder} as ${r.uid}:${r.gid}`];
  if (r.renamed.length > 0) parts.push(`kept both: ${r.renamed.map((x) => `“${x.to.split('/').pop() ?? x.to}”`).join(', ')}`);
  if (r.skipped.length > 0) parts.push(`skipped ${r.skipped.join(', ')}`);
  return `${parts.join('; ')}.`;
}

/**
 * One folder at a time, listed by main with a short-lived helper container (as root, so other users'
 * files and mode-700 folders show). Browsing changes nothing; files and folders are copied out to this
 * computer per row, and in by dropping them on the list or with "Copy in…".
 */
export function FileBrowser(props: { volume: string }) {
  const { volume } = props;
  const [path, setPath] = useState('');
  const [listing, setListing] = useState<VolumeFileListing | null>(null);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const [loading, setLoading] = useState(false);
  const request = useRef(0);
  /** The owner of the folder shown, when it was opened from its row (the root's is main's to find). */
  const [folderOwner, setFolderOwner] = useState<{ uid: number; gid: number } | null>(null);
  const [copyOut, setCopyOut] = useState<VolumeFileEntry | null>(null);
  const [copyIn, setCopyIn] = useState<{ dropped: DroppedSources | null } | null>(null);
  const [dropping, setDropping] = useState(false);
  const [announce, setAnnounce] = useState('');

  const load = useCallback(
    async (p: string) => {
      const id = ++request.current;
      setLoading(true);
      setError(null);
      const r = await api.listVolumeFiles(volume, p);
      if (id !== request.current) return; // a newer request (another folder or volume) won
      setLoading(false);
      if (r.ok) {
        setListing(r.value);
        setPath(r.value.path);
      } else {
        setError(r.error);
      }
    },
    [volume],
  );

  // The parent keys this component by volume, so each volume starts at its root. Quick arrow-key
  // browsing through the list should not start a helper container per row, hence the short delay.
  useEffect(() => {
    const req = request;
    const t = setTimeout(() => void load(''), 250);
    return () => {
      clearTimeout(t);
      req.current++;
    };
  }, [load]);

  const crumbs = path === '' ? [] : path.split('/');
  const shown = listing && listing.path === path ? listing : null;

  const onDrop = async (e: DragEvent) => {
    setDropping(false);
    if (!e.dataTransfer?.files?.length) return;
    e.preventDefault();
    claimDrop(e.nativeEvent);
    // A folder cannot be uploaded from a browser page; the desktop app reads it from its path.
    const folders = [...e.dataTransfer.items].filter((i) => i.webkitGetAsEntry?.()?.isDirectory).length;
    const files = [...e.dataTransfer.files];
    if (folders > 0 && runMode === 'browser') {
      setAnnounce('Folders cannot be dropped into the browser page: type their path in “Copy in…”, or use `ailab volumes cp`.');
      return;
    }
    const read = [];
    for (const f of files) {
      const r = await readDroppedFile(f, 'Type the path in “Copy in…” instead.');
      if (!r.ok) {
        setAnnounce(`${f.name} could not be read: ${r.error.message}`);
        return;
      }
      read.push(r.source);
    }
    setCopyIn({ dropped: { sources: read, names: files.map((f) => f.name) } });
  };

  return (
    <section
      className="vol-files"
      aria-label={`Files in ${volume}`}
      data-drop-active={dropping ? 'true' : undefined}
      onDragOver={(e) => {
        if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
        e.preventDefault();
        e.stopPropagation();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
        setDropping(true);
      }}
      onDragLeave={(e) => {
        if (!(e.currentTarget as Element).contains(e.relatedTarget as Node | null)) setDropping(false);
      }}
      onDrop={(e) => void onDrop(e)}
    >
      <div className="vol-files-bar">
        <nav aria-label="Folder path" className="vol-crumbs">
          <button className="btn btn-ghost btn-sm" onClick={() => void load('')} aria-label="Volume root" disabled={loading && path === ''}>
            /
          </button>
          {crumbs.map((c, i) => {
            const target = crumbs.slice(0, i + 1).join('/');
            const last = i === crumbs.length - 1;
            return (
              <span key={target} className="vol-crumb">
                <span aria-hidden="true" className="muted">
                  ›
                </span>
                <button className="btn btn-ghost btn-sm" onClick={() => void load(target)} aria-current={last ? 'location' : undefined}>
                  {c}
                </button>
              </span>
            );
          })}
        </nav>
        <div className="spacer" />
        {loading ? <span className="spinner" role="status" aria-label="Listing files" /> : null}
        <button className="btn btn-sm" onClick={() => void load(crumbs.slice(0, -1).join('/'))} disabled={path === ''} aria-label="Up one folder">
          Up
        </button>
        <button className="btn btn-sm" onClick={() => void load(path)} aria-label="Refresh the file list">
          Refresh
        </button>
        <button
          className="btn btn-sm"
          onClick={() => setCopyIn({ dropped: null })}
          disabled={!shown}
          title="Copy files from this computer into this folder (or drop them on the list)"
        >
          Copy in…
        </button>
      </div>
      {dropping ? (
        <p className="small vol-m0 vol-drop-note">
          Drop to copy into /{path} of {volume}
        </p>
      ) : null}
      <p className="small muted vol-m0 vol-break" aria-live="polite">
        {announce}
      </p>

      {error ? <ErrorNotice error={error} /> : null}

      {shown && shown.entries.length === 0 && !error ? <p className="muted vol-m0">This folder is empty.</p> : null}
      {shown && shown.entries.length > 0 ? (
        <div className="vol-files-scroll">
          <table className="table vol-files-table" aria-label={`Contents of /${path}`}>
            <TableHead columns={COLUMNS} />
            <tbody>
              {shown.entries.map((e) => {
                const owner = ownerName(e.uid);
                return (
                  <tr key={e.name}>
                    <td className="vol-file-name">
                      <span className={`vol-file-icon vol-file-${e.type}`} aria-hidden="true" />
                      {e.type === 'dir' ? (
                        <button
                          className="vol-linklike"
                          onClick={() => {
                            setFolderOwner({ uid: e.uid, gid: e.gid });
                            void load(join(path, e.name));
                          }}
                          aria-label={`Open folder ${e.name}`}
                        >
                          {e.name}
                        </button>
                      ) : (
                        <span title={`${typeLabel(e)}${e.linkTarget !== null ? ` → ${e.linkTarget}` : ''}`}>{e.name}</span>
                      )}
                      {e.linkTarget !== null ? <span className="muted small"> → {e.linkTarget}</span> : null}
                    </td>
                    <td className="num">{e.type === 'dir' ? '—' : formatBytes(e.size)}</td>
                    <td className="mono small" title={ownerTitle(e.uid, e.gid)}>
                      {e.uid}:{e.gid}
                      {owner ? <span className="muted"> {owner}</span> : null}
                    </td>
                    <td className="mono small">{e.permissions}</td>
                    <td className="small" title={formatDate(e.modifiedAt)}>
                      {formatAgo(e.modifiedAt)}
                    </td>
                    <td className="num">
                      {e.type === 'file' || e.type === 'dir' ? (
                        <button className="btn btn-ghost btn-sm" onClick={() => setCopyOut(e)} aria-label={`Copy ${e.name} out of the volume`}>
                          Copy out…
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {shown?.truncated ? <p className="muted small vol-m0">Only the first {shown.entries.length} entries are shown.</p> : null}
      {!shown && !error ? <p className="muted small vol-m0">Listing…</p> : null}
      {copyOut ? <CopyOutDialog volume={volume} path={join(path, copyOut.name)} folder={copyOut.type === 'dir'} onClose={() => setCopyOut(null)} /> : null}
      {copyIn && shown ? (
        <CopyInDialog
          volume={volume}
          folder={path}
          existing={new Set(shown.entries.map((x) => x.name))}
          folderOwner={path === '' ? null : folderOwner}
          dropped={copyIn.dropped}
          onClose={() => setCopyIn(null)}
          onDone={(r) => {
            setCopyIn(null);
            setAnnounce(copiedSummary(r));
            void load(path);
          }}
        />
      ) : null}
    </section>
  );
}
