import { useDockerStore } from '../store/dockerStore';

/** "Try again now" for an unreachable Docker: asks main to reconnect at once instead of at its next retry. */
export function RetryDockerButton() {
  const retrying = useDockerStore((s) => s.retrying);
  return (
    <button className="btn" onClick={() => void useDockerStore.getState().retry()} disabled={retrying}>
      {retrying ? 'Trying…' : 'Try again now'}
    </button>
  );
}
