import type { Handlers } from '../../shared/contract';
import { appHandlers } from './app/handlers';
import { backupHandlers } from './backups/handlers';
import type { CoreServices } from './core/context';
import { dockerHandlers } from './docker/handlers';
import { jobHandlers } from './jobs/handlers';
import { launcherHandlers } from './launcher/handlers';
import { planHandlers } from './plans/handlers';
import { volumeHandlers } from './volumes/handlers';

/**
 * Every contract method, implemented once. The Electron IPC glue, the browser-mode server and the CLI
 * all call these through invokeHandler(), so validation and error messages are the same everywhere.
 */
export function createHandlers(core: CoreServices): Handlers {
  return {
    ...appHandlers(core),
    ...dockerHandlers(core),
    ...volumeHandlers(core),
    ...jobHandlers(core),
    ...launcherHandlers(core),
    ...backupHandlers(core.backups),
    ...planHandlers(core.plans),
  } satisfies Handlers;
}
