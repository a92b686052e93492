import { useDeferredValue, useEffect, useMemo, useRef, type ReactNode } from 'react';
import { VolumeOpsDialogs } from '../volumeOps';
import { dockerProblemTitle } from '../../components/dockerProblem';
import { RetryDockerButton } from '../../components/RetryDockerButton';
import { useNavigation } from '../../shell/navigation';
import { useDockerStore } from '../../store/dockerStore';
import { CleanupDialog } from './CleanupDialog';
import { CreateVolumeDialog } from './CreateVolumeDialog';
import { cleanupCandidates, countByFilter, FILTERS, visibleVolumes, type SortKey } from './listView';
import { RemoveVolumesDialog } from './RemoveVolumesDialog';
import { VolumeDetails } from './VolumeDetails';
import { VolumeList } from './VolumeList';
import { subscribeVolumeEvents, useVolumeStore } from './volumeStore';
import './volumes.css';

function Toolbar(props: { shown: number; offline: boolean }) {
  const volumes = useVolumeStore((s) => s.volumes);
  const query = useVolumeStore((s) => s.query);
  const filter = useVolumeStore((s) => s.filter);
  const sort = useVolumeStore((s) => s.sort);
  const checked = useVolumeStore((s) => s.checked);
  const counts = useMemo(() => countByFilter(volumes ?? []), [volumes]);
  const cleanable = useMemo(() => cleanupCandidates(volumes ?? []).length, [volumes]);
  const store = useVolumeStore.getState;
  const total = volumes?.length ?? 0;

  return (
    <div className="vol-toolbar">
      <div className="toolbar">
        <input
          type="search"
          className="input vol-search"
          placeholder="Search name or label"
          aria-label="Search volumes by name or label"
          value={query}
          onChange={(e) => store().setQuery(e.target.value)}
        />
        <div className="vol-segmented" role="radiogroup" aria-label="Show">
          {FILTERS.map((f) => (
            <button
              key={f.id}
              role="radio"
              aria-checked={filter === f.id}
              className={`vol-seg${filter === f.id ? ' is-on' : ''}`}
              onClick={() => store().setFilter(f.id)}
              tabIndex={filter === f.id ? 0 : -1}
              onKeyDown={(e) => {
                const i = FILTERS.findIndex((x) => x.id === filter);
                const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
                if (!d) return;
                e.preventDefault();
                const next = FILTERS[(i + d + FILTERS.length) % FILTERS.length];
                if (next) {
                  store().setFilter(next.id);
                  (e.currentTarget.parentElement?.querySelector(`[data-filter="${next.id}"]`) as HTMLElement | null)?.focus();
                }
              }}
              data-filter={f.id}
            >
              {f.label} <span className="vol-count">{counts[f.id]}</span>
            </button>
          ))}
        </div>
        <label className="vol-sort-select">
          <span className="muted small">Sort</span>
          <select
            className="input"
            aria-label="Sort volumes by"
            value={`${sort.key}:${sort.dir}`}
            onChange={(e) => {
              const [key, dir] = e.target.value.split(':') as [SortKey, 'asc' | 'desc'];
              store().setSort({ key, dir });
            }}
          >
            <option value="name:asc">Name A–Z</option>
            <option value="name:desc">Name Z–A</option>
            <option value="created:desc">Newest first</option>
            <option value="created:asc">Oldest first</option>
            <option value="size:desc">Largest first</option>
            <option value="size:asc">Smallest first</option>
          </select>
        </label>
        <div className="spacer" />
        {checked.size > 0 ? (
          <button className="btn btn-danger" onClick={() => store().openDialog({ kind: 'remove', names: [...checked] })}>
            Remove {checked.size} selected…
          </button>
        ) : null}
        <button
          className="btn"
          onClick={() => store().openDialog({ kind: 'cleanup' })}
          disabled={cleanable === 0 || props.offline}
          title={cleanable === 0 ? 'No unused anonymous volumes' : 'Remove the unused anonymous volumes'}
        >
          Clean up{cleanable > 0 ? ` (${cleanable})` : ''}…
        </button>
        <button
          className="btn btn-primary"
          onClick={() => store().openDialog({ kind: 'create' })}
          disabled={props.offline}
          title={props.offline ? 'Docker is not reachable' : undefined}
        >
          New volume
        </button>
      </div>
      <div className="muted small" aria-live="polite">
        {volumes === null ? '' : props.shown === total ? `${total} volume${total === 1 ? '' : 's'}` : `Showing ${props.shown} of ${total} volumes`}
      </div>
    </div>
  );
}

function Centered(props: { children: ReactNode; label?: string; role?: 'status' | 'alert' }) {
  return (
    <div className="vol-state card" role={props.role} aria-label={props.label}>
      {props.children}
    </div>
  );
}

function DockerUnreachable() {
  const status = useDockerStore((s) => s.status);
  return (
    <Centered label={`Volumes unavailable: ${dockerProblemTitle(status?.error?.code)}`} role="status">
      <div className="vol-state-icon vol-state-danger" aria-hidden="true">
        !
      </div>
      <h2>{dockerProblemTitle(status?.error?.code)}</h2>
      <p className="vol-m0">{status?.error?.message ?? 'The app cannot talk to the Docker Engine.'}</p>
      <p className="muted vol-m0">{status?.error?.hint ?? 'Start Docker Desktop or the dockerd service.'}</p>
      <p className="muted small vol-m0">The list comes back by itself as soon as Docker answers.</p>
      <RetryDockerButton />
    </Centered>
  );
}

/** The Volumes page: the list, search, create, remove, details and file browser. */
export function VolumesPage(): ReactNode {
  const volumes = useVolumeStore((s) => s.volumes);
  const error = useVolumeStore((s) => s.error);
  const loading = useVolumeStore((s) => s.loading);
  const query = useVolumeStore((s) => s.query);
  const filter = useVolumeStore((s) => s.filter);
  const sort = useVolumeStore((s) => s.sort);
  const sizes = useVolumeStore((s) => s.sizes);
  const selected = useVolumeStore((s) => s.selected);
  const dialog = useVolumeStore((s) => s.dialog);
  const filesOpen = useVolumeStore((s) => s.filesOpen);
  const dockerState = useDockerStore((s) => s.status?.state ?? null);
  const focusVolume = useNavigation((s) => s.focusVolume);

  useEffect(() => {
    const off = subscribeVolumeEvents();
    void useVolumeStore.getState().load();
    return off;
  }, []);

  // Docker came back (or connected for the first time): read the list again.
  const previous = useRef(dockerState);
  useEffect(() => {
    if (dockerState === 'connected' && previous.current !== 'connected') void useVolumeStore.getState().load();
    previous.current = dockerState;
  }, [dockerState]);

  // Another page asked to show a volume.
  useEffect(() => {
    if (!focusVolume) return;
    useVolumeStore.getState().select(focusVolume, { reveal: true });
    useNavigation.setState({ focusVolume: null });
  }, [focusVolume]);

  // Typing stays responsive with many volumes: the list catches up a frame later.
  const deferredQuery = useDeferredValue(query);
  // Sizes only matter to the order when sorting by size; otherwise they must not re-sort the list.
  const sizesForSort = sort.key === 'size' ? sizes : null;
  const items = useMemo(
    () => (volumes ? visibleVolumes(volumes, { query: deferredQuery, filter, sort, sizes: sizesForSort ?? {} }) : []),
    [volumes, deferredQuery, filter, sort, sizesForSort],
  );
  const selectedVolume = useMemo(() => (selected && volumes ? (volumes.find((v) => v.name === selected) ?? null) : null), [selected, volumes]);

  const unreachable = dockerState === 'unreachable' || error?.code === 'DOCKER_UNREACHABLE' || error?.code === 'DOCKER_PERMISSION_DENIED';

  let body: ReactNode;
  if (unreachable && dockerState !== 'connected') {
    body = <DockerUnreachable />;
  } else if (volumes === null && error) {
    body = (
      <Centered role="alert">
        <h2>Could not list the volumes</h2>
        <p className="vol-m0">{error.message}</p>
        {error.hint ? <p className="muted vol-m0">{error.hint}</p> : null}
        <button className="btn" onClick={() => void useVolumeStore.getState().load()}>
          Try again
        </button>
      </Centered>
    );
  } else if (volumes === null) {
    body = (
      <Centered role="status" label="Loading volumes">
        <span className="spinner vol-spinner-lg" aria-hidden="true" />
        <p className="muted vol-m0">{loading || dockerState === 'connected' ? 'Loading volumes…' : 'Connecting to Docker…'}</p>
      </Centered>
    );
  } else if (volumes.length === 0) {
    body = (
      <Centered>
        <h2>No volumes yet</h2>
        <p className="muted vol-m0 vol-narrow">
          A Docker volume keeps your AI-Lab notebooks when the container is removed or updated. Create one, then launch AI-Lab with it.
        </p>
        <button className="btn btn-primary" onClick={() => useVolumeStore.getState().openDialog({ kind: 'create' })}>
          Create a volume
        </button>
      </Centered>
    );
  } else {
    body = (
      <div className={`vol-split${selectedVolume ? ' has-details' : ''}${selectedVolume && filesOpen ? ' files-open' : ''}`}>
        <div className="vol-list-area card">
          {items.length === 0 ? (
            <div className="vol-nomatch">
              <p className="vol-m0">
                No volume matches{query ? ` “${query}”` : ''}
                {filter !== 'all' ? ` in “${FILTERS.find((f) => f.id === filter)?.label}”` : ''}.
              </p>
              <button
                className="btn btn-sm"
                onClick={() => {
                  const s = useVolumeStore.getState();
                  s.setQuery('');
                  s.setFilter('all');
                }}
              >
                Show all volumes
              </button>
            </div>
          ) : (
            <VolumeList items={items} total={volumes.length} />
          )}
        </div>
        {selectedVolume ? <VolumeDetails volume={selectedVolume} /> : null}
      </div>
    );
  }

  return (
    <div className="page vol-page">
      <Toolbar shown={items.length} offline={unreachable && dockerState !== 'connected'} />
      {body}
      {dialog?.kind === 'create' ? <CreateVolumeDialog /> : null}
      {dialog?.kind === 'remove' ? <RemoveVolumesDialog names={dialog.names} /> : null}
      {dialog?.kind === 'cleanup' ? <CleanupDialog /> : null}
      <VolumeOpsDialogs />
    </div>
  );
}
