// Integration points the launcher feature offers to the rest of the UI.
import type { ReactNode } from 'react';

/** "Launch AI-Lab" with this volume mounted (volume details panel). */
export function LaunchWithVolumeButton(_props: { volumeName: string }): ReactNode {
  return null;
}

/** The AI-Lab page: launch panel and AI-Lab containers. */
export function AiLabPage(): ReactNode {
  return null;
}
