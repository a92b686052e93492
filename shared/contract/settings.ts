import { z } from 'zod';
import { imageReferenceSchema, volumeNameSchema } from './validation';

/**
 * User settings. They hold the seed's shell variables (VOLUME, DIR, LISTEN_IP, PORT, VERSION) and the
 * helper image, so the app starts where the user's guide left off.
 */
export const settingsSchema = z.object({
  /** The seed's $VOLUME. */
  defaultVolume: z.union([volumeNameSchema, z.literal('')]).default(''),
  /** The seed's $DIR: where backups go. Empty = the user's Documents/home folder, decided in main. */
  backupDir: z.string().max(4096).default(''),
  /** The seed's $LISTEN_IP. Upstream recommends loopback for local use. */
  listenIp: z.string().ip().default('127.0.0.1'),
  /** The seed's $PORT on the host. */
  hostPort: z.number().int().min(1).max(65535).default(49494),
  aiLabImage: z.string().min(1).max(255).default('exasol/ai-lab'),
  /** The seed's $VERSION. */
  aiLabVersion: z.string().min(1).max(128).default('latest'),
  /**
   * Image used by the tar engine for backup and restore (the seed's `ubuntu`). A real image reference:
   * it is handed to the Engine's create, inspect and pull calls.
   */
  helperImage: imageReferenceSchema.default('ubuntu'),
  backupEngine: z.enum(['fast', 'tar']).default('fast'),
  openBrowserWhenReady: z.boolean().default(true),
  /**
   * The desktop app starts at login, hidden (tray only), so backup plans run without opening it.
   * Opt-in; applied by the Electron app only (the browser mode and the CLI ignore it).
   */
  startAtLogin: z.boolean().default(false),
  /**
   * The docker context the app uses ('' = as the environment says: DOCKER_HOST, DOCKER_CONTEXT, the
   * current context). Set by useDockerContext, which also switches the connection; the CLI ignores it.
   */
  dockerContext: z.string().max(200).default(''),
  /** Folders the backup catalogue also lists, besides each plan's folder (added in a volume's Backups panel). */
  catalogueFolders: z.array(z.string().min(1).max(4096)).max(50).default([]),
});

export type Settings = z.infer<typeof settingsSchema>;

export const settingsPatchSchema = settingsSchema.partial().strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}
