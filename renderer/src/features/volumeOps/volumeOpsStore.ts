import { create } from 'zustand';

/** Which volume-operation dialog is open (issue 16), and for which volume. */
export type VolumeOpDialog =
  | { kind: 'clone'; volume: string }
  | { kind: 'rename'; volume: string }
  | { kind: 'empty'; volume: string }
  | { kind: 'export'; volume: string }
  | { kind: 'import'; volume: string | null }
  | { kind: 'transfer'; volume: string }
  | null;

interface VolumeOpsState {
  dialog: VolumeOpDialog;
  open: (d: VolumeOpDialog) => void;
  close: () => void;
}

export const useVolumeOps = create<VolumeOpsState>((set) => ({
  dialog: null,
  open: (dialog) => set({ dialog }),
  close: () => set({ dialog: null }),
}));
