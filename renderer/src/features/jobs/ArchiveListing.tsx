import { useCallback, useEffect, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type { ArchiveEntryRow } from '../../../../shared/contract/jobs';
import { api } from '../../api/bridge';
import { formatBytes } from './format';
import { ErrorNotice, JobDialog } from './JobDialog';
import { useJobs } from './jobsStore';
import { VirtualLog } from './VirtualLog';

const PAGE = 2000;

function line(e: ArchiveEntryRow): string {
  return e.linkTarget ? `${e.path} -> ${e.linkTarget}` : e.path;
}

/** Sizes in their own right-aligned column, so they line up (files only, as `tar tvf` shows them). */
function size(e: ArchiveEntryRow): string {
  return e.type === 'file' ? formatBytes(e.size) : '';
}

/** The guide's `tar tf`: an archive's entries, a page at a time. */
export function ArchiveListing(props: { file: string }) {
  const [lines, setLines] = useState<string[]>([]);
  const [sizes, setSizes] = useState<string[]>([]);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const close = () => useJobs.getState().setListing(null);

  const fetchPage = useCallback(
    (offset: number) =>
      api.listArchiveEntries(props.file, offset, PAGE).then((r) => {
        setLoading(false);
        if (!r.ok) {
          setError(r.error);
          return;
        }
        setLines((prev) => [...prev, ...r.value.entries.map(line)]);
        setSizes((prev) => [...prev, ...r.value.entries.map(size)]);
        setMore(r.value.more);
      }),
    [props.file],
  );
  const load = (offset: number) => {
    setLoading(true);
    return fetchPage(offset);
  };
  useEffect(() => {
    void fetchPage(0);
  }, [fetchPage]);

  return (
    <JobDialog title={`Contents of ${props.file.split(/[\\/]/).pop()}`} onClose={close} wide>
      <p className="muted small mono jobs-break">{props.file}</p>
      <ErrorNotice error={error} />
      <VirtualLog
        lines={lines}
        asides={sizes}
        version={lines.length}
        label="Archive entries"
        height={360}
        follow={false}
        emptyText={loading ? 'Reading…' : 'No entries.'}
      />
      <div className="dialog-actions">
        <span className="muted small jobs-grow">
          {lines.length.toLocaleString()} entries{more ? ' shown' : ''}
        </span>
        {more ? (
          <button type="button" className="btn" disabled={loading} onClick={() => void load(lines.length)}>
            {loading ? <span className="spinner" /> : null}
            Show {PAGE.toLocaleString()} more
          </button>
        ) : null}
        <button type="button" className="btn btn-primary" onClick={close} data-autofocus>
          Close
        </button>
      </div>
    </JobDialog>
  );
}
