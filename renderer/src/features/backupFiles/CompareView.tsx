import { useEffect, useMemo, useState } from 'react';
import type { BackupDiff, DiffKind } from '../../../../shared/contract/backups';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import { formatBytes, formatCount } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useScrollViewport, windowOf } from '../../components/virtualRows';
import { diffTree, diffWhy, visibleRows, type DiffNode } from './model';
import { useBackupFiles, type OpenBackup } from './store';

const ROW = 32;
const KINDS: Array<{ kind: DiffKind; label: string; badge: string }> = [
  { kind: 'removed', label: 'gone since the backup', badge: 'badge-danger' },
  { kind: 'changed', label: 'changed', badge: 'badge-warning' },
  { kind: 'added', label: 'new since the backup', badge: 'badge-accent' },
];

/**
 * The backup against the volume now, as a tree: what is gone since (restorable with one click), what
 * changed (by size or time, or by content when asked), what is new. Nothing is changed by looking.
 */
export function CompareView(props: { backup: OpenBackup }) {
  const { file, volume } = props.backup;
  const [content, setContent] = useState(false);
  const [diff, setDiff] = useState<BackupDiff | null>(null);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  /** What the diff shown was made for; loading while it differs from what is wanted. */
  const [readFor, setReadFor] = useState<string | null>(null);
  const [kinds, setKinds] = useState<ReadonlySet<DiffKind>>(new Set(['removed', 'changed', 'added']));
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [round, setRound] = useState(0);
  const viewport = useScrollViewport(360);

  const wanted = `${String(content)}|${round}`;
  const loading = readFor !== wanted;
  useEffect(() => {
    let live = true;
    void api.diffBackup({ file, volume, content }).then((r) => {
      if (!live) return;
      setReadFor(`${String(content)}|${round}`);
      setDiff(r.ok ? r.value : null);
      setError(r.ok ? null : r.error);
    });
    return () => {
      live = false;
    };
  }, [file, volume, content, round]);

  const tree = useMemo(() => (diff ? diffTree(diff.entries, kinds) : null), [diff, kinds]);
  const rows = useMemo(() => (tree ? visibleRows(tree, collapsed) : []), [tree, collapsed]);
  const { first, last } = windowOf(rows.length, viewport.scrollTop, viewport.height, ROW);

  const flip = <T,>(set: ReadonlySet<T>, v: T): Set<T> => {
    const next = new Set(set);
    if (next.has(v)) next.delete(v);
    else next.add(v);
    return next;
  };

  return (
    <div className="bf-files">
      <div className="toolbar">
        {diff
          ? KINDS.map((k) => (
              <button
                key={k.kind}
                type="button"
                className={`btn btn-sm bf-kind ${kinds.has(k.kind) ? '' : 'bf-kind-off'}`}
                aria-pressed={kinds.has(k.kind)}
                onClick={() => setKinds((s) => flip(s, k.kind))}
              >
                <span className={`badge ${k.badge}`}>{formatCount(diff.counts[k.kind])}</span> {k.label}
              </button>
            ))
          : null}
        {diff ? <span className="small muted">{formatCount(diff.counts.same)} unchanged</span> : null}
        <div className="spacer" />
        <label className="plan-inline small" title="Also reads every file whose size and time agree, on both sides, and compares the bytes">
          <input type="checkbox" checked={content} onChange={(e) => setContent(e.target.checked)} disabled={loading} /> Check content too
        </label>
        <button type="button" className="btn btn-sm" onClick={() => setRound((n) => n + 1)} disabled={loading}>
          Compare again
        </button>
      </div>
      {error ? <ErrorNotice error={error} /> : null}
      <p className="small muted vol-m0" aria-live="polite">
        {loading
          ? content
            ? 'Comparing, reading every file on both sides…'
            : 'Comparing the backup with the volume (a helper lists the volume; nothing is changed)…'
          : diff && rows.length === 0
            ? 'No differences of the kinds shown.'
            : ''}
      </p>
      <div className="bf-table" role="tree" aria-label={`Differences between the backup and ${volume}`} {...viewport.scroller}>
        <div style={{ height: first * ROW }} aria-hidden="true" />
        {rows.slice(first, last).map((n) => (
          <DiffRow
            key={n.path}
            node={n}
            collapsed={collapsed.has(n.path)}
            onToggle={() => setCollapsed((s) => flip(s, n.path))}
            onRestore={() => useBackupFiles.getState().openRestore([n.path])}
          />
        ))}
        <div style={{ height: Math.max(0, (rows.length - last) * ROW) }} aria-hidden="true" />
      </div>
    </div>
  );
}

function DiffRow(props: { node: DiffNode; collapsed: boolean; onToggle: () => void; onRestore: () => void }) {
  const { node, collapsed } = props;
  const e = node.entry;
  const folder = node.children.length > 0;
  const counts = KINDS.filter((k) => node.counts[k.kind] > 0).map((k) => `${node.counts[k.kind]} ${k.kind}`);
  const restorable = e !== null && (e.kind === 'removed' || e.kind === 'changed') && e.backup !== null;
  return (
    <div
      role="treeitem"
      aria-level={node.depth + 1}
      aria-expanded={folder ? !collapsed : undefined}
      aria-label={node.path}
      className="bf-diff-row"
      style={{ paddingLeft: 8 + node.depth * 18 }}
    >
      {folder ? (
        <button
          type="button"
          className="btn btn-ghost btn-sm bf-twisty"
          aria-label={`${collapsed ? 'Expand' : 'Collapse'} ${node.path}`}
          onClick={props.onToggle}
        >
          {collapsed ? '▸' : '▾'}
        </button>
      ) : (
        <span className="bf-twisty" aria-hidden="true" />
      )}
      <span className={`vol-file-icon vol-file-${folder || (e?.backup ?? e?.volume)?.type === 'dir' ? 'dir' : 'file'}`} aria-hidden="true" />
      <span className="bf-diff-name">{node.name}</span>
      {e ? <span className={`badge ${KINDS.find((k) => k.kind === e.kind)?.badge ?? ''}`}>{e.kind}</span> : null}
      <span className="small muted bf-diff-why">
        {e ? diffWhy(e) : ''}
        {e?.reason === 'size' && e.backup && e.volume ? ` (${formatBytes(e.backup.size)} → ${formatBytes(e.volume.size)})` : ''}
        {folder && counts.length > 0 ? `${e ? ' · ' : ''}${counts.join(', ')} below` : ''}
      </span>
      <span className="spacer" />
      {restorable ? (
        <button type="button" className="btn btn-sm" onClick={props.onRestore} aria-label={`Restore ${node.path} from the backup`}>
          Restore
        </button>
      ) : null}
    </div>
  );
}
