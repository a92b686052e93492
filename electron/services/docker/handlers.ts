import type { dockerMethods } from '../../../shared/contract/docker';
import type { Handlers } from '../../../shared/contract';
import type { DockerService } from './dockerService';

export function dockerHandlers(docker: DockerService): Pick<Handlers, keyof typeof dockerMethods> {
  return {
    getDockerStatus: async () => docker.status(),
    retryDockerConnection: () => docker.retry(),
    listDockerContexts: async () => docker.listContexts(),
    useDockerContext: (name) => docker.useContext(name),
  };
}
