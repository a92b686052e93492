import type { appMethods } from '../../../shared/contract/app';
import type { Handlers } from '../../../shared/contract';
import type { CoreServices } from '../core/context';

export function appHandlers(core: CoreServices): Pick<Handlers, keyof typeof appMethods> {
  return {
    async getAppInfo() {
      return {
        name: 'AI-Lab Desktop',
        version: core.version,
        mode: core.mode,
        platform: process.platform,
        settingsFile: core.settings.file,
        settingsWarning: core.settings.getWarning(),
      };
    },
    async getSettings() {
      return core.settings.get();
    },
    async updateSettings(patch) {
      const next = await core.settings.update(patch);
      core.bus.emit('settingsChanged', next);
      return next;
    },
  };
}
