import type { appMethods } from '../../../shared/contract/app';
import type { Handlers } from '../../../shared/contract';
import type { AppService } from './appService';

export function appHandlers(app: AppService): Pick<Handlers, keyof typeof appMethods> {
  return {
    getAppInfo: async () => app.info(),
    getSettings: async () => app.settings(),
    updateSettings: (patch) => app.updateSettings(patch),
  };
}
