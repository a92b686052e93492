import { create } from 'zustand';
import type { TabId } from './Tabs';

interface Navigation {
  tab: TabId;
  /** A volume another page asked to show or preselect (e.g. "Launch AI-Lab with this volume"). */
  focusVolume: string | null;
  go: (tab: TabId, opts?: { volume?: string | null }) => void;
}

/** Which page is shown. Features switch pages through this rather than knowing about each other. */
export const useNavigation = create<Navigation>((set) => ({
  tab: 'volumes',
  focusVolume: null,
  go: (tab, opts) => set({ tab, ...(opts && 'volume' in opts ? { focusVolume: opts.volume ?? null } : {}) }),
}));
