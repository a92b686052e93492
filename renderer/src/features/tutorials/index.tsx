// What the tutorials feature (issue 18) offers the rest of the UI: a "Tutorials…" button for a volume,
// and the dialog it opens, hosted once by TutorialsHost.
import type { ReactNode } from 'react';
import { TutorialsDialog } from './TutorialsDialog';
import { useTutorials } from './store';
import './tutorials.css';

export function openTutorials(volume: string): void {
  useTutorials.getState().open(volume);
}

export function TutorialsButton(props: { volume: string }): ReactNode {
  return (
    <button type="button" className="btn" title="Compare with an AI-Lab image's tutorials and copy new ones in" onClick={() => openTutorials(props.volume)}>
      Tutorials…
    </button>
  );
}

export function TutorialsHost(): ReactNode {
  const volume = useTutorials((s) => s.volume);
  return volume ? <TutorialsDialog key={volume} volume={volume} /> : null;
}
