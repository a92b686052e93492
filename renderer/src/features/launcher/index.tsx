// Integration points the launcher feature offers to the rest of the UI.
import { useEffect, useState, type ReactNode } from 'react';
import { useNavigation } from '../../shell/navigation';
import { ContainersPanel } from './ContainersPanel';
import { LaunchPanel } from './LaunchPanel';
import { startLauncherSync, useLauncherStore } from './launcherStore';
import './launcher.css';

/** "Launch AI-Lab" with this volume mounted (volume details panel): opens the launch panel with it chosen. */
export function LaunchWithVolumeButton(props: { volumeName: string }): ReactNode {
  const go = useNavigation((s) => s.go);
  const running = useLauncherStore((s) => s.containers.find((c) => c.state === 'running' && c.volume === props.volumeName));
  return (
    <button
      type="button"
      className="btn"
      onClick={() => go('ailab', { volume: props.volumeName })}
      title={running ? `Already mounted by the running AI-Lab container "${running.name}"` : undefined}
    >
      Launch AI-Lab with this volume
    </button>
  );
}

/** The AI-Lab page: launch panel and AI-Lab containers. */
export function AiLabPage(): ReactNode {
  // Taken once: the volume another page asked to preselect; cleared so a later visit starts afresh.
  const [initialVolume] = useState(() => useNavigation.getState().focusVolume);
  useEffect(() => {
    startLauncherSync();
    if (useNavigation.getState().focusVolume !== null) useNavigation.setState({ focusVolume: null });
  }, []);
  return (
    <div className="page al-page">
      <LaunchPanel initialVolume={initialVolume} />
      <ContainersPanel />
    </div>
  );
}
