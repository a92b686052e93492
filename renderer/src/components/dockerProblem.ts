/**
 * The heading over a Docker connection error. An ssh:// engine whose host key is refused is reachable
 * but not trusted: "Docker is not reachable" would send the user looking for a stopped daemon.
 */
export function dockerProblemTitle(code: string | undefined): string {
  if (code === 'HOST_KEY_UNKNOWN') return "The Docker engine's SSH host key is not trusted yet";
  if (code === 'HOST_KEY_CHANGED') return "The Docker engine's SSH host key has changed";
  return 'Docker is not reachable';
}
