import { useDockerStore } from '../store/dockerStore';

/** Which engine the app talks to, always visible: users with several contexts must know which one. */
export function DockerStatusPill() {
  const status = useDockerStore((s) => s.status);
  if (!status) {
    return (
      <span className="status-pill" role="status">
        <span className="spinner" aria-hidden="true" /> Connecting to Docker…
      </span>
    );
  }
  const ep = status.endpoint;
  const where = ep ? `${ep.url}${ep.context ? ` (context ${ep.context})` : ''}` : 'no endpoint';
  const title = ep
    ? `Endpoint ${ep.url}, from ${ep.source}${status.engineVersion ? `; Docker Engine ${status.engineVersion}, API ${status.apiVersion}` : ''}`
    : undefined;
  const dot = status.state === 'connected' ? 'dot-ok' : status.state === 'unreachable' ? 'dot-danger' : 'dot-warning';
  const label = status.state === 'connected' ? `Docker ${status.engineVersion ?? ''}` : status.state === 'unreachable' ? 'Docker unreachable' : 'Connecting';
  return (
    <span className="status-pill" role="status" aria-label={`${label} at ${where}`} title={title} data-state={status.state}>
      <span className={`dot ${dot}`} aria-hidden="true" />
      <span>{label}</span>
      <span className="mono">· {where}</span>
    </span>
  );
}
