import type { Handlers } from '../../shared/contract';
import { appHandlers } from './app/handlers';
import { backupHandlers } from './backups/handlers';
import type { Core } from './createCore';
import { dockerHandlers } from './docker/handlers';
import { jobHandlers } from './jobs/handlers';
import { launcherHandlers } from './launcher/handlers';
import { planHandlers } from './plans/handlers';
import { tutorialHandlers } from './tutorials/handlers';
import { volumeOpHandlers } from './volumeOps/handlers';
import { volumeHandlers } from './volumes/handlers';

/**
 * Every contract method, implemented once, as a call into its domain's service. The Electron IPC glue,
 * the browser-mode server and the CLI all call these through invokeHandler(), so validation and error
 * messages are the same everywhere. Every domain starts here (jobs clean up after a crash, volumes
 * and the launcher follow the engine's events), as a long-running process needs.
 */
export function createHandlers(core: Core): Handlers {
  return {
    ...appHandlers(core.app),
    ...dockerHandlers(core.engines),
    ...volumeHandlers(core.volumes),
    ...jobHandlers(core.jobs),
    ...launcherHandlers(core.launcher),
    ...backupHandlers(core.backups),
    ...planHandlers(core.plans),
    ...tutorialHandlers(core.tutorials),
    ...volumeOpHandlers(core.volumeOps),
  } satisfies Handlers;
}
