import fs from 'node:fs/promises';
import { AppError } from '../../../shared/contract/errors';
import { defaultSettings, settingsPatchSchema, settingsSchema, type Settings, type SettingsPatch } from '../../../shared/contract/settings';
import { writeFileAtomic } from '../core/atomicWrite';

/**
 * Settings persisted as JSON. A file that cannot be read or fails the schema is moved aside (never
 * overwritten: the user may want what was in it) and defaults are used, with a warning to show.
 */
export class SettingsStore {
  private current: Settings = defaultSettings();
  private warning: string | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly file: string) {}

  async load(): Promise<Settings> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.current = defaultSettings();
        return this.current;
      }
      this.warning = `Could not read the settings file ${this.file} (${(err as Error).message}); using defaults.`;
      this.current = defaultSettings();
      return this.current;
    }
    try {
      this.current = settingsSchema.parse(JSON.parse(text));
    } catch (err) {
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await fs.rename(this.file, aside).catch(() => undefined);
      const why = err instanceof SyntaxError ? 'it is not valid JSON' : 'it does not match the expected settings';
      this.warning = `The settings file was unusable (${why}). It was kept as ${aside}; defaults are in use.`;
      this.current = defaultSettings();
    }
    return this.current;
  }

  get(): Settings {
    return this.current;
  }

  getWarning(): string | null {
    return this.warning;
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    const parsed = settingsPatchSchema.safeParse(patch);
    if (!parsed.success) {
      throw new AppError('SETTINGS_INVALID', parsed.error.issues[0]?.message ?? 'Invalid settings.');
    }
    const next = settingsSchema.parse({ ...this.current, ...parsed.data });
    this.current = next;
    // Serialise writes so a quick succession of updates lands in order.
    this.writing = this.writing.then(() => writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`));
    await this.writing;
    this.warning = null;
    return next;
  }
}
