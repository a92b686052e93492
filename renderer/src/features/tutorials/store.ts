import { create } from 'zustand';

interface TutorialsState {
  /** The volume whose tutorials dialog is open; null when it is closed. */
  volume: string | null;
  open(volume: string): void;
  close(): void;
}

export const useTutorials = create<TutorialsState>((set) => ({
  volume: null,
  open: (volume) => set({ volume }),
  close: () => set({ volume: null }),
}));
