import type { AppInfo } from '../../../shared/contract/app';
import type { Settings, SettingsPatch } from '../../../shared/contract/settings';
import type { CoreServices } from '../core/context';

/** The app domain: what the app is and runs as, and its settings (a change is announced to every window). */
export class AppService {
  constructor(private readonly core: CoreServices) {}

  info(): AppInfo {
    const core = this.core;
    return {
      name: 'AI-Lab Desktop',
      version: core.version,
      mode: core.mode,
      platform: process.platform,
      settingsFile: core.settings.file,
      settingsWarning: core.settings.getWarning(),
    };
  }

  settings(): Settings {
    return this.core.settings.get();
  }

  async updateSettings(patch: SettingsPatch): Promise<Settings> {
    const next = await this.core.settings.update(patch);
    this.core.bus.emit('settingsChanged', next);
    return next;
  }
}
