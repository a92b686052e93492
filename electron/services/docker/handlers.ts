import type { dockerMethods } from '../../../shared/contract/docker';
import type { Handlers } from '../../../shared/contract';
import type { DockerConnection } from './types';

/** The docker domain's service is the connection itself (createDockerConnection, made by createCore). */
export function dockerHandlers(docker: DockerConnection): Pick<Handlers, keyof typeof dockerMethods> {
  return {
    getDockerStatus: async () => docker.status(),
    retryDockerConnection: () => docker.retryNow(),
  };
}
