import { create } from 'zustand';

export const TAB_IDS = ['volumes', 'ailab', 'jobs', 'settings'] as const;
export type TabId = (typeof TAB_IDS)[number];

/**
 * The tab is in the URL's hash (`#/jobs`): a reload keeps it, and in the browser mode back and forward
 * move between tabs. The hash never reaches the server, and the rest of the URL (the token) stays.
 */
export function tabFromHash(hash: string): TabId {
  const id = hash.replace(/^#\/?/, '');
  return (TAB_IDS as readonly string[]).includes(id) ? (id as TabId) : 'volumes';
}

interface Navigation {
  tab: TabId;
  /** A volume another page asked to show or preselect (e.g. "Launch AI-Lab with this volume"). */
  focusVolume: string | null;
  go: (tab: TabId, opts?: { volume?: string | null }) => void;
}

const hasWindow = typeof window !== 'undefined';

/** Which page is shown. Features switch pages through this rather than knowing about each other. */
export const useNavigation = create<Navigation>((set, get) => ({
  tab: hasWindow ? tabFromHash(window.location.hash) : 'volumes',
  focusVolume: null,
  go: (tab, opts) => {
    if (hasWindow && tab !== get().tab) window.history.pushState(null, '', `#/${tab}`);
    set({ tab, ...(opts && 'volume' in opts ? { focusVolume: opts.volume ?? null } : {}) });
  },
}));

if (hasWindow) {
  window.addEventListener('popstate', () => useNavigation.setState({ tab: tabFromHash(window.location.hash) }));
}
