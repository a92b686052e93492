import type { Handlers } from '../../../shared/contract';
import type { jobMethods } from '../../../shared/contract/jobs';
import type { CoreServices } from '../core/context';

export function jobHandlers(_core: CoreServices): Pick<Handlers, keyof typeof jobMethods> {
  return {};
}
