import path from 'node:path';
import pkg from '../../package.json';
import type { RunMode } from '../../shared/contract/app';
import { AppService } from './app/appService';
import { BackupsService } from './backups/backupsService';
import type { CoreServices, DesktopIntegration, ProcessRole } from './core/context';
import { EventBus } from './core/eventBus';
import { ensurePrivateDir } from './core/privateFiles';
import { createDockerConnection } from './docker/connection';
import { DockerService } from './docker/dockerService';
import { JobService } from './jobs/jobService';
import { LauncherService, type LauncherOptions } from './launcher/launcherService';
import { upgradeJobs } from './launcher/upgradeJobs';
import { defaultOffsiteConfig } from './offsite/sftpSession';
import { PlansService } from './plans/plansService';
import { settingsFile, userDataDir } from './settings/paths';
import { SettingsStore } from './settings/settingsStore';
import { TutorialsService } from './tutorials/tutorialsService';
import { VolumeOpsService } from './volumeOps/volumeOpsService';
import { VolumeService } from './volumes/volumeService';

export interface CreateCoreOptions {
  mode: RunMode;
  /** Which process this is (default: the app in electron mode, else the browser-mode server); the CLI says 'cli'. */
  role?: ProcessRole;
  openExternal: (url: string) => Promise<void>;
  desktop?: DesktopIntegration | null;
  env?: NodeJS.ProcessEnv;
  /** Follow the engine (retry loop, event stream). The CLI's one-shot commands leave it off. */
  watchDocker?: boolean;
  /** Test seams of the launcher (its readiness probe). */
  launcher?: LauncherOptions;
}

/**
 * The core and its domains. Each domain is one `<Domain>Service`, made here from the CoreServices and
 * reached as `core.<domain>`; the contract's handlers (services/handlers.ts) only map methods to them.
 * A domain is made when first used: the CLI's one-shot commands start only what they need.
 */
export interface Core extends CoreServices {
  readonly app: AppService;
  /** The docker domain: status and the choice of engine (docker context); `docker` is its connection. */
  readonly engines: DockerService;
  readonly volumes: VolumeService;
  readonly jobs: JobService;
  readonly launcher: LauncherService;
  /** The backup catalogue and retention (issue 14). */
  readonly backups: BackupsService;
  /** Backup plans and their scheduler (issue 14). */
  readonly plans: PlansService;
  /** Fresh tutorials: a volume against an image's notebook-defaults (issue 18). */
  readonly tutorials: TutorialsService;
  /** Clone, rename, empty, export/import as an image, transfer to another engine (issue 16); jobs of core.jobs. */
  readonly volumeOps: VolumeOpsService;
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
  const role = opts.role ?? (opts.mode === 'electron' ? 'app' : 'server');
  // The app's own choice of engine; the CLI goes by its environment and --context, like the docker CLI.
  const docker = createDockerConnection({ env, context: role === 'cli' ? null : settings.get().dockerContext || null });
  docker.onStatus((s) => bus.emit('dockerStatus', s));
  const cleanups: Array<() => Promise<void> | void> = [];
  const domains: {
    app?: AppService;
    engines?: DockerService;
    volumes?: VolumeService;
    jobs?: JobService;
    launcher?: LauncherService;
    backups?: BackupsService;
    plans?: PlansService;
    tutorials?: TutorialsService;
    volumeOps?: VolumeOpsService;
  } = {};
  const core: Core = {
    mode: opts.mode,
    role,
    version: pkg.version,
    bus,
    settings,
    docker,
    dataDir: path.resolve(dataDir),
    openExternal: opts.openExternal,
    desktop: opts.desktop ?? null,
    onShutdown(fn) {
      cleanups.push(fn);
    },
    get app() {
      return (domains.app ??= new AppService(core));
    },
    get engines() {
      return (domains.engines ??= new DockerService({
        connection: docker,
        env,
        settings,
        // Only a jobs domain that exists can have running jobs: asking must not create it.
        runningJobs: () => domains.jobs?.manager.list() ?? [],
        settingsChanged: (s) => bus.emit('settingsChanged', s),
        followsSetting: role !== 'cli',
      }));
    },
    get volumes() {
      return (domains.volumes ??= new VolumeService(core));
    },
    get jobs() {
      return (domains.jobs ??= new JobService(core));
    },
    get launcher() {
      return (domains.launcher ??= new LauncherService(core, {
        // An upgrade's backup and roll back are the jobs domain's own backup and replace restore.
        upgradeJobs: () =>
          upgradeJobs(
            core.jobs,
            () => settings.get().helperImage,
            () => settings.get().backupDir,
          ),
        ...opts.launcher,
      }));
    },
    get backups() {
      return (domains.backups ??= new BackupsService({
        settings,
        env,
        desktop: opts.desktop ?? null,
        dataDir: path.resolve(dataDir),
        docker: () => docker.client(),
      }));
    },
    get plans() {
      return (domains.plans ??= new PlansService({
        dataDir: path.resolve(dataDir),
        backups: core.backups,
        events: { emit: (name, payload) => bus.emit(name, payload) },
        // A plan run is the same backup job as "Back up", but leaves the remembered backup folder alone.
        // Its outcome is told once per failure episode by the app (the run's firstFailure, see electron/main/plansTray.ts), not per job.
        jobs: {
          startBackup: (o, createdAt) => core.jobs.startBackup(o, { rememberFolder: false, createdAt, notify: false }),
          wait: (id) => core.jobs.manager.wait(id),
          cancel: (id) => void core.jobs.manager.cancel(id),
        },
        offsite: { config: defaultOffsiteConfig(path.resolve(dataDir), env) },
        engineNow: () => {
          const e = docker.status().endpoint;
          return e ? { context: e.context, url: e.url } : null;
        },
      }));
    },
    get tutorials() {
      return (domains.tutorials ??= new TutorialsService(core));
    },
    get volumeOps() {
      return (domains.volumeOps ??= new VolumeOpsService(core, core.jobs, env));
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
