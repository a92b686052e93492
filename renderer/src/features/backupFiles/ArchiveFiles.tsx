import { useCallback, useEffect, useRef, useState } from 'react';
import type { ArchiveFileEntry, ArchiveFolderPage, ArchiveSearchResult } from '../../../../shared/contract/backups';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import { formatBytes, formatCount, formatDate } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { AriaColumnHeads, type Column } from '../../components/ColumnHeads';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useScrollViewport, windowOf } from '../../components/virtualRows';
import { outermost, parentOf, permissionsOf } from './model';
import { useBackupFiles, type OpenBackup } from './store';

const ROW = 32;
const PAGE = 500;

const COLUMNS: Column[] = [
  { label: 'Choose', srOnly: true },
  { label: 'Name' },
  { label: 'Size', className: 'num' },
  { label: 'Owner' },
  { label: 'Mode' },
  { label: 'Modified' },
];

interface Shown {
  path: string;
  entries: ArchiveFileEntry[];
  total: number;
  archiveEntries: number;
  fromCache: boolean;
}

/**
 * One folder of a backup at a time, as the volume's file browser shows a volume: pages of 500 fetched as
 * the list scrolls (a folder of 100k files costs what a screenful does), a search by name, and check
 * boxes to choose files and folders for a restore of just those.
 */
export function ArchiveFiles(props: { backup: OpenBackup }) {
  const { file } = props.backup;
  const [shown, setShown] = useState<Shown | null>(null);
  const [found, setFound] = useState<ArchiveSearchResult | null>(null);
  const [query, setQuery] = useState('');
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const [loading, setLoading] = useState(false);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const request = useRef(0);
  const viewport = useScrollViewport(360);

  const open = useCallback(
    async (path: string) => {
      const id = ++request.current;
      setLoading(true);
      setError(null);
      const r = await api.listArchiveFolder({ file, path, offset: 0, limit: PAGE });
      if (id !== request.current) return;
      setLoading(false);
      if (!r.ok) return setError(r.error);
      setFound(null);
      setShown(pageToShown(r.value));
      viewport.scrollToRow(0, ROW);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps -- scrollToRow is stable
    [file],
  );

  useEffect(() => {
    const req = request;
    const t = setTimeout(() => void open(''), 0);
    return () => {
      clearTimeout(t);
      req.current++;
    };
  }, [open]);

  // The next page, once the rows shown come near the end of what is loaded.
  const rows = found ? found.matches : (shown?.entries ?? []);
  const { first, last } = windowOf(rows.length, viewport.scrollTop, viewport.height, ROW);
  const more = !found && shown !== null && shown.entries.length < shown.total;
  const fetching = useRef<string | null>(null);
  useEffect(() => {
    if (!more || loading || !shown || last < shown.entries.length - 20) return;
    const key = `${shown.path}@${shown.entries.length}`;
    if (fetching.current === key) return;
    fetching.current = key;
    const id = request.current;
    void api.listArchiveFolder({ file, path: shown.path, offset: shown.entries.length, limit: PAGE }).then((r) => {
      if (id !== request.current) return;
      if (r.ok) setShown((s) => (s && s.path === r.value.path ? { ...s, entries: [...s.entries, ...r.value.entries] } : s));
      else setError(r.error);
    });
  }, [more, loading, shown, last, file]);

  const search = async (q: string) => {
    if (q.trim() === '') return setFound(null);
    const id = ++request.current;
    setLoading(true);
    setError(null);
    const r = await api.searchArchive({ file, query: q.trim(), limit: 1000 });
    if (id !== request.current) return;
    setLoading(false);
    if (r.ok) {
      setFound(r.value);
      viewport.scrollToRow(0, ROW);
    } else setError(r.error);
  };

  const toggle = (path: string) =>
    setChosen((c) => {
      const next = new Set(c);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  const picked = outermost(chosen);
  const path = shown?.path ?? '';
  const crumbs = path === '' ? [] : path.split('/');

  return (
    <div className="bf-files">
      <div className="toolbar">
        <nav aria-label="Folder in the backup" className="vol-crumbs">
          <button className="btn btn-ghost btn-sm" onClick={() => void open('')} aria-label="Backup root">
            /
          </button>
          {crumbs.map((c, i) => {
            const target = crumbs.slice(0, i + 1).join('/');
            return (
              <span key={target} className="vol-crumb">
                <span aria-hidden="true" className="muted">
                  ›
                </span>
                <button
                  className="btn btn-ghost btn-sm"
                  onClick={() => void open(target)}
                  aria-current={i === crumbs.length - 1 && !found ? 'location' : undefined}
                >
                  {c}
                </button>
              </span>
            );
          })}
        </nav>
        <div className="spacer" />
        <form
          className="plan-inline"
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            void search(query);
          }}
        >
          <input
            className="input"
            type="search"
            aria-label="Find by name in the whole backup"
            placeholder="Find by name, e.g. *.ipynb"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              if (e.target.value === '') setFound(null);
            }}
          />
          <button type="submit" className="btn btn-sm" disabled={query.trim() === ''}>
            Find
          </button>
        </form>
        <button className="btn btn-sm" onClick={() => void open(parentOf(path))} disabled={path === '' || found !== null} aria-label="Up one folder">
          Up
        </button>
      </div>

      {error ? <ErrorNotice error={error} /> : null}
      <p className="small muted vol-m0" aria-live="polite">
        {found
          ? `${formatCount(found.matches.length)}${found.truncated ? '+' : ''} ${found.matches.length === 1 ? 'match' : 'matches'} for “${found.query}” in the whole backup${found.truncated ? ' (the first shown: narrow the search)' : ''}.`
          : shown
            ? `${formatCount(shown.total)} ${shown.total === 1 ? 'entry' : 'entries'} in /${shown.path} · ${formatCount(shown.archiveEntries)} in the backup${shown.fromCache ? '' : ' · indexed just now; it opens at once from now on'}`
            : loading
              ? 'Reading the backup once to index it (checked as a restore would)…'
              : ''}
      </p>

      <div
        className="bf-table"
        role="table"
        aria-label={found ? 'Search results' : `Contents of /${path}`}
        aria-rowcount={rows.length + 1}
        {...viewport.scroller}
      >
        <div role="rowgroup" className="cat-headgroup">
          <div role="row" className="bf-row cat-head" aria-rowindex={1}>
            <AriaColumnHeads columns={COLUMNS} />
          </div>
        </div>
        <div role="rowgroup">
          {rows.length === 0 && shown && !loading ? <p className="muted cat-empty">{found ? 'Nothing matches.' : 'This folder is empty.'}</p> : null}
          <div style={{ height: first * ROW }} aria-hidden="true" />
          {rows.slice(first, last).map((e, i) => (
            <div role="row" key={e.path} className="bf-row" aria-rowindex={first + i + 2} aria-selected={chosen.has(e.path)}>
              <span role="cell">
                <input type="checkbox" checked={chosen.has(e.path)} onChange={() => toggle(e.path)} aria-label={`Choose ${e.path}`} />
              </span>
              <span role="cell" className="vol-file-name" title={e.path}>
                <span className={`vol-file-icon vol-file-${e.type === 'hardlink' ? 'file' : e.type}`} aria-hidden="true" />
                {e.type === 'dir' ? (
                  <button className="vol-linklike" onClick={() => void open(e.path)} aria-label={`Open folder ${e.path}`}>
                    {found ? e.path : e.name}
                  </button>
                ) : (
                  <span>{found ? e.path : e.name}</span>
                )}
                {e.linkTarget !== null ? (
                  <span className="muted small">
                    {' '}
                    {e.type === 'hardlink' ? '⇒' : '→'} {e.linkTarget}
                  </span>
                ) : null}
              </span>
              <span role="cell" className="num">
                {e.type === 'dir' ? (e.children === null ? '—' : `${formatCount(e.children)} inside`) : formatBytes(e.size)}
              </span>
              {e.madeUp ? (
                // A folder the archive only implies: tar makes it up on a restore, with nothing of its own to show.
                <span role="cell" className="small muted bf-madeup" title="Not in the archive itself: a restore creates it for the files inside">
                  made up by tar
                </span>
              ) : (
                <>
                  <span role="cell" className="mono small">
                    {e.uid}:{e.gid}
                  </span>
                  <span role="cell" className="mono small">
                    {permissionsOf(e.type, e.mode)}
                  </span>
                  <span role="cell" className="small">
                    {formatDate(new Date(e.modifiedAt).toISOString())}
                  </span>
                </>
              )}
            </div>
          ))}
          <div style={{ height: Math.max(0, (rows.length - last) * ROW) }} aria-hidden="true" />
        </div>
      </div>

      <div className="toolbar bf-chosen">
        <span className="small" aria-live="polite">
          {picked.length === 0 ? (
            <span className="muted">Tick files or folders to restore just those.</span>
          ) : (
            <>
              {picked.length} chosen: <span className="mono">{picked.slice(0, 3).join(', ')}</span>
              {picked.length > 3 ? ` and ${picked.length - 3} more` : ''}
            </>
          )}
        </span>
        <div className="spacer" />
        {picked.length > 0 ? (
          <button className="btn btn-sm btn-ghost" onClick={() => setChosen(new Set())}>
            Clear
          </button>
        ) : null}
        <button className="btn btn-primary" disabled={picked.length === 0} onClick={() => useBackupFiles.getState().openRestore(picked)}>
          Restore chosen…
        </button>
      </div>
    </div>
  );
}

function pageToShown(p: ArchiveFolderPage): Shown {
  return { path: p.path, entries: p.entries, total: p.total, archiveEntries: p.archiveEntries, fromCache: p.fromCache };
}
