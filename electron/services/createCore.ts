import path from 'node:path';
import pkg from '../../package.json';
import type { RunMode } from '../../shared/contract/app';
import { BackupsService } from './backups/backupsService';
import type { CoreServices, DesktopIntegration } from './core/context';
import { EventBus } from './core/eventBus';
import { ensurePrivateDir } from './core/privateFiles';
import { createDockerConnection } from './docker/connection';
import { jobServiceFor } from './jobs/handlers';
import { PlansService } from './plans/plansService';
import { settingsFile, userDataDir } from './settings/paths';
import { SettingsStore } from './settings/settingsStore';

export interface CreateCoreOptions {
  mode: RunMode;
  openExternal: (url: string) => Promise<void>;
  desktop?: DesktopIntegration | null;
  env?: NodeJS.ProcessEnv;
  /** Follow the engine (retry loop, event stream). The CLI's one-shot commands leave it off. */
  watchDocker?: boolean;
}

export interface Core extends CoreServices {
  shutdown(): Promise<void>;
}

/** The composition root shared by the Electron main process, the browser-mode server and the CLI. */
export async function createCore(opts: CreateCoreOptions): Promise<Core> {
  const env = opts.env ?? process.env;
  const dataDir = userDataDir(env);
  // Job logs, safety backups and settings live here: the user's alone (earlier versions made it 0755).
  await ensurePrivateDir(dataDir);
  const bus = new EventBus();
  const settings = new SettingsStore(settingsFile(env));
  await settings.load();
  const docker = createDockerConnection({ env });
  docker.onStatus((s) => bus.emit('dockerStatus', s));
  const cleanups: Array<() => Promise<void> | void> = [];
  const backups = new BackupsService({ settings, env });
  const core: Core = {
    mode: opts.mode,
    version: pkg.version,
    bus,
    settings,
    docker,
    dataDir: path.resolve(dataDir),
    openExternal: opts.openExternal,
    desktop: opts.desktop ?? null,
    backups,
    plans: new PlansService({
      dataDir: path.resolve(dataDir),
      backups,
      // A plan run is the same backup job as "Back up", but leaves the remembered backup folder alone.
      jobs: { startBackup: (o, createdAt) => jobServiceFor(core).startBackup(o, { rememberFolder: false, createdAt }), wait: (id) => jobServiceFor(core).manager.wait(id) },
    }),
    onShutdown(fn) {
      cleanups.push(fn);
    },
    async shutdown() {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch {
          // Shutdown goes on: one failing cleanup must not leave the others undone.
        }
      }
      await docker.stop();
    },
  };
  if (opts.watchDocker !== false) docker.start();
  return core;
}
