import { create } from 'zustand';

/** A backup opened in the browser: the file, the name it is shown by, and the volume it is compared with and restored into. */
export interface OpenBackup {
  file: string;
  fileName: string;
  volume: string;
}

export type BrowserTab = 'files' | 'compare';

interface BackupFilesState {
  browsing: (OpenBackup & { tab: BrowserTab }) | null;
  /** The restore of chosen paths being confirmed, over the browser. */
  restoring: (OpenBackup & { only: string[] }) | null;
  openBrowser(backup: OpenBackup, tab?: BrowserTab): void;
  setTab(tab: BrowserTab): void;
  closeBrowser(): void;
  openRestore(only: string[]): void;
  closeRestore(): void;
}

export const useBackupFiles = create<BackupFilesState>((set, get) => ({
  browsing: null,
  restoring: null,
  openBrowser: (backup, tab = 'files') => set({ browsing: { ...backup, tab }, restoring: null }),
  setTab: (tab) => set((s) => (s.browsing ? { browsing: { ...s.browsing, tab } } : {})),
  closeBrowser: () => set({ browsing: null, restoring: null }),
  openRestore: (only) => {
    const b = get().browsing;
    if (b && only.length > 0) set({ restoring: { file: b.file, fileName: b.fileName, volume: b.volume, only } });
  },
  closeRestore: () => set({ restoring: null }),
}));
