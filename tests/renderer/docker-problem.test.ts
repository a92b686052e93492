import { describe, expect, it } from 'vitest';
import { dockerProblemTitle } from '../../renderer/src/components/dockerProblem';

describe('dockerProblemTitle', () => {
  it('names a refused ssh host key as such, not as an engine that is down', () => {
    expect(dockerProblemTitle('HOST_KEY_UNKNOWN')).toBe("The Docker engine's SSH host key is not trusted yet");
    expect(dockerProblemTitle('HOST_KEY_CHANGED')).toBe("The Docker engine's SSH host key has changed");
    expect(dockerProblemTitle('DOCKER_UNREACHABLE')).toBe('Docker is not reachable');
    expect(dockerProblemTitle(undefined)).toBe('Docker is not reachable');
  });
});
