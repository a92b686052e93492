import type { EngineEvent } from '../docker/types';
import { isFilesHelper } from './volumeModel';

const VOLUME_ACTIONS = new Set(['create', 'destroy', 'mount', 'unmount']);
const CONTAINER_ACTIONS = new Set(['create', 'start', 'die', 'destroy', 'rename', 'pause', 'unpause']);
/** After these, a volume's size may differ (a container that wrote into it stopped, a volume came or went). */
const SIZE_ACTIONS = new Set(['volume:create', 'volume:destroy', 'volume:unmount', 'container:die', 'container:destroy']);

export interface WatcherDeps {
  isOwnHelper: (containerId: string) => boolean;
  onSizesInvalid: () => void;
  emit: (reason: string) => void;
  debounceMs?: number;
}

/**
 * Turns the Engine's event stream into "the volume list changed" notices: only the events that change
 * what the list shows, coalesced (a `docker compose up` fires dozens), and without the events of our
 * own file-browser helpers (browsing a folder must not make the list reload).
 */
export class VolumeChangeWatcher {
  private timer: NodeJS.Timeout | null = null;
  private reasons = new Set<string>();

  constructor(private readonly deps: WatcherDeps) {}

  /** Returns whether the event was one the list cares about. */
  handleEngineEvent(e: EngineEvent): boolean {
    const attrs = e.Actor?.Attributes ?? {};
    if (e.Type === 'volume') {
      if (!VOLUME_ACTIONS.has(e.Action)) return false;
      if ((e.Action === 'mount' || e.Action === 'unmount') && attrs.container && this.deps.isOwnHelper(attrs.container)) return false;
    } else if (e.Type === 'container') {
      if (!CONTAINER_ACTIONS.has(e.Action)) return false;
      if (isFilesHelper(attrs) || this.deps.isOwnHelper(e.Actor.ID)) return false;
    } else {
      return false;
    }
    if (SIZE_ACTIONS.has(`${e.Type}:${e.Action}`)) this.deps.onSizesInvalid();
    this.changed(`${e.Type} ${e.Action}`);
    return true;
  }

  handleConnected(): void {
    this.deps.onSizesInvalid();
    this.changed('docker connected');
  }

  changed(reason: string): void {
    this.reasons.add(reason);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const reason = [...this.reasons].join(', ');
      this.reasons.clear();
      this.deps.emit(reason);
    }, this.deps.debounceMs ?? 100);
    this.timer.unref?.();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
