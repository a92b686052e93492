import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { VolumeFileEntry, VolumeFileListing } from '../../../../shared/contract/volumes';
import { formatAgo, formatBytes, formatDate } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { TableHead, type Column } from '../../components/ColumnHeads';
import { ErrorNotice } from '../../components/ErrorNotice';

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

const COLUMNS: Column[] = [{ label: 'Name' }, { label: 'Size', className: 'num' }, { label: 'Owner' }, { label: 'Mode' }, { label: 'Modified' }];

/**
 * A read-only view of one folder at a time. Each folder is listed by main with a short-lived helper
 * container (as root, so other users' files and mode-700 folders show); nothing is copied.
 */
export function FileBrowser(props: { volume: string }) {
  const { volume } = props;
  const [path, setPath] = useState('');
  const [listing, setListing] = useState<VolumeFileListing | null>(null);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const [loading, setLoading] = useState(false);
  const request = useRef(0);

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

  return (
    <section className="vol-files" aria-label={`Files in ${volume}`}>
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
      </div>

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
                        <button className="vol-linklike" onClick={() => void load(join(path, e.name))} aria-label={`Open folder ${e.name}`}>
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
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {shown?.truncated ? <p className="muted small vol-m0">Only the first {shown.entries.length} entries are shown.</p> : null}
      {!shown && !error ? <p className="muted small vol-m0">Listing…</p> : null}
    </section>
  );
}
