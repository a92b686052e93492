import { create } from 'zustand';
import type { DockerStatus } from '../../../shared/contract';
import { api } from '../api/bridge';

interface DockerState {
  status: DockerStatus | null;
  retrying: boolean;
  retry: () => Promise<void>;
}

/** The Docker connection as main sees it; kept current by the dockerStatus event. */
export const useDockerStore = create<DockerState>((set) => ({
  status: null,
  retrying: false,
  retry: async () => {
    set({ retrying: true });
    const r = await api.retryDockerConnection();
    set({ retrying: false, ...(r.ok ? { status: r.value } : {}) });
  },
}));

let started = false;
/** Subscribe once for the app's lifetime; the store is read by any component. */
export function startDockerStatusSync(): void {
  if (started) return;
  started = true;
  api.onDockerStatus((status) => useDockerStore.setState({ status }));
  void api.getDockerStatus().then((r) => {
    if (r.ok) useDockerStore.setState({ status: r.value });
  });
  // After the browser mode's socket reconnects, re-read what we may have missed.
  api.onTransportState?.((s) => {
    if (s === 'open') {
      void api.getDockerStatus().then((r) => {
        if (r.ok) useDockerStore.setState({ status: r.value });
      });
    }
  });
}

export const selectConnected = (s: DockerState): boolean => s.status?.state === 'connected';
