import { memo, useCallback, useEffect, useRef, type KeyboardEvent, type MouseEvent } from 'react';
import type { VolumeSummary } from '../../../../shared/contract/volumes';
import { formatAgo, formatBytes, formatDate } from '../../../../shared/format';
import { useScrollViewport, windowOf } from '../../components/virtualRows';
import { VolumeDropTarget, VolumeJobActions, VolumeJobBadge } from '../jobs';
import { ProtectionCell } from '../plans';
import { displayLabels, type SortKey, type SortOrder } from './listView';
import { useVolumeStore } from './volumeStore';

export const ROW_HEIGHT = 44;
/** The header row sticks to the top of the same scroller as the rows (one width for both, so the row dividers reach the card's edge). */
const HEAD_HEIGHT = 35; // the 34 px header row and its border
const OVERSCAN = 6;

interface RowProps {
  v: VolumeSummary;
  index: number;
  /** undefined: not computed yet; null: the engine cannot tell. */
  size: number | null | undefined;
  selected: boolean;
  checked: boolean;
  focusable: boolean;
  onRowClick: (name: string, index: number, e: MouseEvent) => void;
  onToggle: (name: string, on: boolean) => void;
}

function UsedBy({ v }: { v: VolumeSummary }) {
  const first = v.containers[0];
  if (!first) return <span className="muted">unused</span>;
  const more = v.containers.length - 1;
  return (
    <span className="vol-usedby" title={v.containers.map((c) => `${c.name} (${c.state})`).join(', ')}>
      <span className={`dot ${first.running ? 'dot-ok' : ''}`} aria-hidden="true" />
      {/* The green dot says "running"; only another state takes room from the name. */}
      <span className="vol-ellipsis">{first.name}</span>
      {first.running ? <span className="sr-only">(running)</span> : <span className="muted">({first.state})</span>}
      {more > 0 ? <span className="muted">+{more}</span> : null}
    </span>
  );
}

/** One row; memoised so that a sizes update or a selection change re-renders only the rows it touches. */
const Row = memo(function Row({ v, index, size, selected, checked, focusable, onRowClick, onToggle }: RowProps) {
  const labels = displayLabels(v);
  return (
    <VolumeDropTarget volumeName={v.name}>
      <div
        role="row"
        className="vol-row"
        aria-rowindex={index + 2}
        aria-selected={selected}
        tabIndex={focusable ? 0 : -1}
        data-index={index}
        data-name={v.name}
        onClick={(e) => onRowClick(v.name, index, e)}
      >
        <div role="gridcell" className="c-check">
          <input
            type="checkbox"
            aria-label={`Select ${v.name}`}
            checked={checked}
            tabIndex={-1}
            onClick={(e) => e.stopPropagation()}
            onChange={(e) => onToggle(v.name, e.target.checked)}
          />
        </div>
        <div role="gridcell" className="c-name">
          <div className="vol-name-line">
            <span className={`vol-name${v.anonymous ? ' mono' : ''}`} title={v.name}>
              {v.name}
            </span>
            {v.containers.some((c) => c.aiLab) ? <span className="badge badge-accent">AI-Lab</span> : null}
            <VolumeJobBadge volumeName={v.name} />
          </div>
          {v.exasolDb ? (
            <div className="vol-sub" title="AI-Lab's Exasol Docker-DB keeps its database in this volume">
              {/* Below the name, not beside it: the fixed name is long enough to squeeze a badge to "Ex…". */}
              <span className="badge badge-danger">{v.exasolDb.label}</span>{' '}
              {v.exasolDb.containers.length > 0 ? (
                <>
                  DB container <strong>{v.exasolDb.containers.join(', ')}</strong>
                </>
              ) : (
                <span className="muted">no DB container now</span>
              )}
            </div>
          ) : v.compose ? (
            <div className="vol-sub" title="Docker Compose put the project in front of the volume's name">
              Compose <strong>{v.compose.project}</strong> / <strong>{v.compose.volume}</strong>
            </div>
          ) : v.anonymous ? (
            <div className="vol-sub">
              <span className="vol-anon">anonymous</span>
              {v.createdBy ? ` · made for ${v.createdBy.name}` : ''}
            </div>
          ) : null}
        </div>
        <div role="gridcell" className="c-used">
          <UsedBy v={v} />
        </div>
        <div role="gridcell" className="c-prot">
          <ProtectionCell volume={v.name} tabIndex={focusable ? 0 : -1} />
        </div>
        <div role="gridcell" className="c-size num">
          {size === undefined ? (
            <span className="vol-pending" title="Computing sizes…">
              …
            </span>
          ) : size === null ? (
            <span className="muted" title="The driver does not report a size">
              —
            </span>
          ) : (
            formatBytes(size)
          )}
        </div>
        <div role="gridcell" className="c-created" title={formatDate(v.createdAt)}>
          {formatAgo(v.createdAt)}
        </div>
        <div role="gridcell" className="c-driver">
          {v.driver}
        </div>
        <div role="gridcell" className="c-labels">
          {labels.slice(0, 2).map(([k, val]) => (
            <span key={k} className="vol-chip" title={`${k}=${val}`}>
              {k}
              {val !== '' ? `=${val}` : ''}
            </span>
          ))}
          {labels.length > 2 ? <span className="muted small">+{labels.length - 2}</span> : null}
        </div>
        {/* The main actions, inline on a hovered, focused or selected row (as Docker Desktop shows them). */}
        <div role="gridcell" className="c-actions" onClick={(e) => e.stopPropagation()}>
          <VolumeJobActions volume={v} compact tabIndex={focusable ? 0 : -1} />
          <button
            className="btn btn-sm btn-danger"
            tabIndex={focusable ? 0 : -1}
            aria-label={`Remove ${v.name}`}
            onClick={() => useVolumeStore.getState().openDialog({ kind: 'remove', names: [v.name] })}
          >
            Remove
          </button>
        </div>
      </div>
    </VolumeDropTarget>
  );
});

function SortHeader({ label, k, sort, className }: { label: string; k: SortKey; sort: SortOrder; className: string }) {
  const active = sort.key === k;
  const next: SortOrder = { key: k, dir: active && sort.dir === 'asc' ? 'desc' : active ? 'asc' : k === 'name' ? 'asc' : 'desc' };
  return (
    <div role="columnheader" className={className} aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button className="vol-sort" onClick={() => useVolumeStore.getState().setSort(next)} aria-label={`Sort by ${label.toLowerCase()}`}>
        {label}
        <span aria-hidden="true" className="vol-sort-arrow">
          {active ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </div>
  );
}

/**
 * The volume list as an ARIA grid of fixed-height rows, virtualised: only the rows in view (plus a
 * few) are in the DOM, so 1,000 volumes cost the same to render and filter as 30.
 * Keys: ↑/↓/Home/End/PageUp/PageDown move the selection, Space ticks, Delete removes.
 */
export function VolumeList(props: { items: VolumeSummary[]; total: number }) {
  const { items } = props;
  const sizes = useVolumeStore((s) => s.sizes);
  const selected = useVolumeStore((s) => s.selected);
  const checked = useVolumeStore((s) => s.checked);
  const sort = useVolumeStore((s) => s.sort);
  const revealToken = useVolumeStore((s) => s.revealToken);

  const viewport = useScrollViewport(600);
  const { height } = viewport;
  const scroller = viewport.scroller.ref;
  const focusAfterRender = useRef<number | null>(null);

  const selectedIndex = selected === null ? -1 : items.findIndex((v) => v.name === selected);
  const focusIndex = selectedIndex >= 0 ? selectedIndex : 0;
  const scrollIntoView = (index: number) => viewport.scrollToRow(index, ROW_HEIGHT, HEAD_HEIGHT);

  // Asked to show the selected row (after create, or from another page).
  useEffect(() => {
    if (revealToken > 0 && selectedIndex >= 0) scrollIntoView(selectedIndex);
    // Only a new token should scroll, not every change of the list.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [revealToken]);

  useEffect(() => {
    const i = focusAfterRender.current;
    if (i === null) return;
    focusAfterRender.current = null;
    scroller.current?.querySelector<HTMLElement>(`[data-index="${i}"]`)?.focus();
  });

  const onRowClick = useCallback((name: string, _index: number, e: MouseEvent) => {
    const store = useVolumeStore.getState();
    if (e.ctrlKey || e.metaKey) store.toggleChecked(name);
    else store.select(name);
  }, []);
  const onToggle = useCallback((name: string, on: boolean) => useVolumeStore.getState().toggleChecked(name, on), []);

  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (target.getAttribute('role') !== 'row') return;
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const current = Number(target.dataset.index ?? focusIndex);
    let next = -1;
    if (e.key === 'ArrowDown') next = Math.min(items.length - 1, current + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, current - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else if (e.key === 'PageDown') next = Math.min(items.length - 1, current + page);
    else if (e.key === 'PageUp') next = Math.max(0, current - page);
    else if (e.key === ' ') {
      e.preventDefault();
      const name = target.dataset.name;
      if (name) useVolumeStore.getState().toggleChecked(name);
      return;
    } else if (e.key === 'Delete' || e.key === 'Backspace') {
      e.preventDefault();
      const store = useVolumeStore.getState();
      const names = store.checked.size > 0 ? [...store.checked] : target.dataset.name ? [target.dataset.name] : [];
      if (names.length > 0) store.openDialog({ kind: 'remove', names });
      return;
    } else if (e.key === 'Escape') {
      useVolumeStore.getState().select(null);
      return;
    }
    const nextVolume = items[next];
    if (!nextVolume) return;
    e.preventDefault();
    useVolumeStore.getState().select(nextVolume.name);
    focusAfterRender.current = next;
    scrollIntoView(next);
  };

  const { first, last } = windowOf(items.length, viewport.scrollTop, height - HEAD_HEIGHT, ROW_HEIGHT, OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const v = items[i];
    if (!v) continue;
    const known = sizes[v.name] ?? v.size;
    rows.push(
      <Row
        key={v.name}
        v={v}
        index={i}
        size={known ? known.size : undefined}
        selected={v.name === selected}
        checked={checked.has(v.name)}
        focusable={i === focusIndex}
        onRowClick={onRowClick}
        onToggle={onToggle}
      />,
    );
  }

  const allChecked = items.length > 0 && items.every((v) => checked.has(v.name));
  const someChecked = !allChecked && items.some((v) => checked.has(v.name));

  return (
    <div className="vol-grid" role="grid" aria-label="Volumes" aria-rowcount={items.length + 1} onKeyDown={onKeyDown} {...viewport.scroller}>
      <div role="rowgroup" className="vol-head">
        <div role="row" className="vol-row vol-head-row" aria-rowindex={1}>
          <div role="columnheader" className="c-check">
            <input
              type="checkbox"
              aria-label={allChecked ? 'Untick all shown volumes' : 'Tick all shown volumes'}
              checked={allChecked}
              ref={(el) => {
                if (el) el.indeterminate = someChecked;
              }}
              onChange={(e) => {
                const store = useVolumeStore.getState();
                const next = new Set(store.checked);
                for (const v of items) {
                  if (e.target.checked) next.add(v.name);
                  else next.delete(v.name);
                }
                store.setChecked(next);
              }}
            />
          </div>
          <SortHeader label="Name" k="name" sort={sort} className="c-name" />
          <div role="columnheader" className="c-used">
            Used by
          </div>
          <div role="columnheader" className="c-prot">
            Protection
          </div>
          <SortHeader label="Size" k="size" sort={sort} className="c-size num" />
          <SortHeader label="Created" k="created" sort={sort} className="c-created" />
          <div role="columnheader" className="c-driver">
            Driver
          </div>
          <div role="columnheader" className="c-labels">
            Labels
          </div>
        </div>
      </div>
      <div role="rowgroup" className="vol-body">
        <div style={{ height: first * ROW_HEIGHT }} aria-hidden="true" />
        {rows}
        <div style={{ height: Math.max(0, (items.length - last) * ROW_HEIGHT) }} aria-hidden="true" />
      </div>
    </div>
  );
}
