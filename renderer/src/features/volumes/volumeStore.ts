import { create } from 'zustand';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { VolumeSize, VolumeSummary } from '../../../../shared/contract/volumes';
import type { DockerStatus } from '../../../../shared/contract/docker';
import { api } from '../../api/bridge';
import { useDockerStore } from '../../store/dockerStore';
import type { SortOrder, VolumeFilter } from './listView';

export type Dialog = { kind: 'create' } | { kind: 'remove'; names: string[] } | { kind: 'cleanup' } | null;

interface VolumesState {
  /** null until the first list arrives. */
  volumes: VolumeSummary[] | null;
  sizes: Record<string, VolumeSize>;
  sizesAt: number | null;
  loading: boolean;
  error: ApiErrorPayload | null;
  selected: string | null;
  checked: ReadonlySet<string>;
  query: string;
  filter: VolumeFilter;
  sort: SortOrder;
  dialog: Dialog;
  /** The file browser stays open from one volume to the next once the user opened it. */
  filesOpen: boolean;
  /** Bumped to ask the list to scroll the selected row into view (after create, from other pages). */
  revealToken: number;

  load: () => Promise<void>;
  select: (name: string | null, opts?: { reveal?: boolean }) => void;
  toggleChecked: (name: string, on?: boolean) => void;
  setChecked: (names: Iterable<string>) => void;
  setQuery: (q: string) => void;
  setFilter: (f: VolumeFilter) => void;
  setSort: (s: SortOrder) => void;
  openDialog: (d: Dialog) => void;
  setFilesOpen: (open: boolean) => void;
}

let inFlight: Promise<void> | null = null;
let again = false;

export const useVolumeStore = create<VolumesState>((set, get) => ({
  volumes: null,
  sizes: {},
  sizesAt: null,
  loading: false,
  error: null,
  selected: null,
  checked: new Set(),
  query: '',
  filter: 'all',
  sort: { key: 'name', dir: 'asc' },
  dialog: null,
  filesOpen: false,
  revealToken: 0,

  // Reloads coalesce: a burst of change events while one list is on its way causes one more, not many.
  load: () => {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    set({ loading: true });
    inFlight = (async () => {
      try {
        do {
          again = false;
          const r = await api.listVolumes();
          if (r.ok) {
            const names = new Set(r.value.map((v) => v.name));
            const { checked, selected } = get();
            const keptChecked = [...checked].filter((n) => names.has(n));
            set({
              volumes: r.value,
              error: null,
              ...(keptChecked.length !== checked.size ? { checked: new Set(keptChecked) } : {}),
              ...(selected !== null && !names.has(selected) ? { selected: null } : {}),
            });
          } else {
            set({ error: r.error });
          }
        } while (again);
      } finally {
        inFlight = null;
        set({ loading: false });
      }
    })();
    return inFlight;
  },
  select: (name, opts) => set((s) => ({ selected: name, ...(opts?.reveal ? { revealToken: s.revealToken + 1 } : {}) })),
  toggleChecked: (name, on) =>
    set((s) => {
      const next = new Set(s.checked);
      if (on ?? !next.has(name)) next.add(name);
      else next.delete(name);
      return { checked: next };
    }),
  setChecked: (names) => set({ checked: new Set(names) }),
  setQuery: (query) => set({ query }),
  setFilter: (filter) => set({ filter }),
  setSort: (sort) => set({ sort }),
  openDialog: (dialog) => set({ dialog }),
  setFilesOpen: (filesOpen) => set({ filesOpen }),
}));

/** Main's events → the store, for as long as the page is shown. Returns the unsubscribe. */
export function subscribeVolumeEvents(): () => void {
  const store = useVolumeStore;
  const endpointOf = (st: DockerStatus | null) => (st?.endpoint ? `${st.endpoint.context ?? ''} ${st.endpoint.url}` : null);
  let endpoint = endpointOf(useDockerStore.getState().status);
  const offs = [
    // Another engine (the Engine picker): its volumes are others, and sizes are by name.
    api.onDockerStatus((st) => {
      const key = endpointOf(st);
      if (key === null || key === endpoint) return;
      const switched = endpoint !== null;
      endpoint = key;
      if (!switched) return;
      store.setState({ sizes: {}, sizesAt: null });
      void store.getState().load();
    }),
    api.onVolumesChanged(() => void store.getState().load()),
    api.onVolumeSizes((p) => store.setState({ sizes: p.sizes, sizesAt: p.computedAt })),
    // The browser mode's socket may have dropped events while it was away.
    api.onTransportState?.((s) => {
      if (s === 'open') void store.getState().load();
    }),
  ];
  return () => {
    for (const off of offs) off?.();
  };
}
