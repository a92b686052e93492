import type { DockerContextList, DockerStatus } from '../../../shared/contract/docker';
import { AppError } from '../../../shared/contract/errors';
import type { JobSummary } from '../../../shared/contract/jobs';
import type { Settings, SettingsPatch } from '../../../shared/contract/settings';
import { currentContextName, envForContext, knownContextNames, listDockerContexts, type ListContextsOptions } from './contexts';
import type { DockerConnection } from './types';

export interface DockerServiceDeps {
  connection: DockerConnection;
  /** The process's environment (before the app's own choice is applied). */
  env: NodeJS.ProcessEnv;
  settings: { get(): Settings; update(patch: SettingsPatch): Promise<Settings> };
  /** Jobs running in this process: each holds a client of the engine it started on. */
  runningJobs: () => JobSummary[];
  /** Tells every window the settings changed (the dockerContext setting). */
  settingsChanged?: (s: Settings) => void;
  /** false in the CLI: it goes by its environment (and --context) like the docker CLI, not by the app's choice. */
  followsSetting?: boolean;
  /** Test seams for reading the docker config. */
  contextsIo?: ListContextsOptions;
}

/**
 * The docker domain: the connection's status and the choice of engine among the user's docker contexts.
 * The choice is the dockerContext setting, applied as `docker --context` would (it wins over DOCKER_HOST).
 */
export class DockerService {
  constructor(private readonly deps: DockerServiceDeps) {}

  status(): DockerStatus {
    return this.deps.connection.status();
  }

  retry(): Promise<DockerStatus> {
    return this.deps.connection.retryNow();
  }

  listContexts(): DockerContextList {
    const { env, contextsIo } = this.deps;
    const selected = this.deps.followsSetting === false ? null : this.deps.settings.get().dockerContext || null;
    const dockerHost = env.DOCKER_HOST?.trim() || null;
    return {
      contexts: listDockerContexts(env, contextsIo),
      selected,
      active: currentContextName(selected ? envForContext(env, selected) : env, contextsIo),
      dockerHostOverride: dockerHost,
    };
  }

  /**
   * Switches the app to context `name` (null: as the environment says), remembers it, and resolves with
   * the first connection attempt's status. Refused while a job runs (JOB_CONFLICT) and for a name that
   * is not among the contexts (INVALID_ARGUMENT).
   */
  async useContext(name: string | null): Promise<DockerStatus> {
    const running = this.deps.runningJobs().filter((j) => j.status === 'running');
    if (running.length > 0) {
      const ep = this.deps.connection.status().endpoint;
      const engine = ep ? `${ep.context ?? 'default'} (${ep.url})` : 'the current engine';
      const jobs = running.map((j) => `${j.kind} of ${j.volume}`).join(', ');
      throw new AppError('JOB_CONFLICT', `Finish or cancel the running job first: it runs on ${engine}.`, {
        hint: `Running: ${jobs}. Switch the engine when it has ended.`,
        details: { jobs: running.map((j) => j.id) },
      });
    }
    if (name !== null) {
      const known = knownContextNames(this.deps.env, this.deps.contextsIo);
      if (!known.includes(name)) {
        throw new AppError('INVALID_ARGUMENT', `There is no docker context "${name}". Known contexts: ${known.join(', ')}.`, {
          hint: 'Create it with `docker context create`, or pick one of the known contexts.',
          details: { known },
        });
      }
    }
    const next = await this.deps.settings.update({ dockerContext: name ?? '' });
    this.deps.settingsChanged?.(next);
    return this.deps.connection.useContext(name);
  }
}
