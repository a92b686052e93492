import type { dockerMethods } from '../../../shared/contract/docker';
import type { Handlers } from '../../../shared/contract';
import type { CoreServices } from '../core/context';

export function dockerHandlers(core: CoreServices): Pick<Handlers, keyof typeof dockerMethods> {
  return {
    async getDockerStatus() {
      return core.docker.status();
    },
    async retryDockerConnection() {
      return core.docker.retryNow();
    },
  };
}
