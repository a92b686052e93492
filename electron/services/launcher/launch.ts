import type Dockerode from 'dockerode';
import { LABELS } from '../../../shared/ailab';
import type { DockerEndpoint } from '../../../shared/contract/docker';
import { AppError } from '../../../shared/contract/errors';
import type {
  AiLabContainer,
  AiLabImageFacts,
  LaunchOptionsParsed,
  LaunchOutcome,
  LaunchState,
  LaunchStateEvent,
  LaunchWarning,
  LogLine,
  PullProgressEvent,
} from '../../../shared/contract/launcher';
import { engineMessage, toAppError } from '../docker/errors';
import { volumeNotFound } from '../docker/volumes';
import { followContainerLog, type LogFollower } from './containerLog';
import { inspectContainer, LAUNCH_LABELS, listAiLabContainers, requireAiLabContainer, summariseContainer, type ContainerInspectLike } from './containers';
import { factsFromInspect, inspectImage, loginHint } from './imageFacts';
import { checkPort } from './portCheck';
import { collectWarnings, containerExistsHint, containerExistsMessage, createVolume, portInUseMessage, volumeExists } from './preflight';
import { pullImage } from './pull';
import { probeApi, READY_LINE, waitForReady } from './readiness';
import { browserHost, buildAiLabUrl } from './url';

export interface LaunchDeps {
  docker: Dockerode;
  endpoint: DockerEndpoint | null;
  emitState: (e: LaunchStateEvent) => void;
  emitPull: (e: PullProgressEvent) => void;
  emitLog: (lines: LogLine[]) => void;
  openExternal: (url: string) => Promise<void>;
  /** GET /api; replaceable in unit tests. */
  probe?: (host: string, port: number) => Promise<boolean>;
  /**
   * Keep streaming the log for a moment after Jupyter is ready (its URL lines and the "started
   * successfully" banner follow the ready line); `stop` must run by then or at shutdown.
   */
  linger?: (stop: () => void) => void;
}

const LAST_LINES = 40;

/**
 * One launch, from the checks to a Jupyter that answers. Every step is announced as a launchState
 * event, so the panel and the CLI show the same progress; failures are AppErrors that say what to
 * look at.
 */
export async function launchAiLab(deps: LaunchDeps, launchId: string, opts: LaunchOptionsParsed, signal: AbortSignal): Promise<LaunchOutcome> {
  const { docker } = deps;
  let containerId: string | null = null;
  let url: string | null = null;
  let hint: string | null = null;
  const state = (s: LaunchState, message: string, error: AppError | null = null) =>
    deps.emitState({
      launchId,
      state: s,
      message,
      containerName: opts.name,
      containerId,
      url,
      loginHint: hint,
      error: error?.toPayload() ?? null,
      at: Date.now(),
    });
  const throwIfCancelled = () => {
    if (signal.aborted) throw new AppError('CANCELLED', 'The launch was cancelled before the container was created.');
  };

  try {
    state('checking', `Checking image ${opts.image}, volume ${opts.volume}, port ${opts.hostPort} and the name "${opts.name}"…`);
    const existing = await inspectContainer(docker, opts.name);
    if (existing) {
      if (!opts.startExisting) {
        const summary = summariseContainer(existing, deps.endpoint);
        throw new AppError('CONTAINER_EXISTS', containerExistsMessage(opts.name, summary, opts.image), {
          hint: containerExistsHint(opts.name),
          details: { container: summary },
        });
      }
      return await startExisting(
        deps,
        launchId,
        opts,
        signal,
        existing,
        (id, u, h) => {
          containerId = id;
          url = u;
          hint = h;
        },
        state,
      );
    }

    let inspect = await inspectImage(docker, opts.image);
    let pulled = false;
    if (!inspect) {
      if (!opts.pull) {
        throw new AppError('IMAGE_NOT_FOUND', `The image ${opts.image} is not on the Docker host.`, {
          hint: 'Pull it (`docker pull`) or allow the launch to pull it.',
        });
      }
      state('pulling', `Pulling ${opts.image}…`);
      let lastEmit = 0;
      await pullImage(
        docker,
        opts.image,
        (p) => {
          const now = Date.now();
          if (now - lastEmit < 150) return;
          lastEmit = now;
          deps.emitPull({ launchId, image: opts.image, layers: p.layers, status: p.status, done: false });
        },
        signal,
      );
      deps.emitPull({ launchId, image: opts.image, layers: [], status: 'Pull complete', done: true });
      pulled = true;
      inspect = await inspectImage(docker, opts.image);
      if (!inspect) throw new AppError('IMAGE_PULL_FAILED', `Docker reported ${opts.image} as pulled, but it is not there.`);
    }
    const facts = factsFromInspect(opts.image, inspect);
    if (opts.password !== undefined && !facts.supportsPasswordEnv) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `${opts.image} does not read JUPYTER_PASSWORD (that arrived with AI-Lab 5.0.0), so the password would be ignored.`,
        {
          hint: facts.defaultPassword
            ? `Launch without a password and log in with "${facts.defaultPassword}", or use AI-Lab 5.0.0 or later.`
            : 'Launch without a password, or use AI-Lab 5.0.0 or later.',
        },
      );
    }

    const exists = await volumeExists(docker, opts.volume);
    let volumeCreated = false;
    if (exists === false) {
      if (!opts.createVolume) {
        throw volumeNotFound(opts.volume, 'launch');
      }
    }
    const port = await checkPort({ docker, local: deps.endpoint?.local ?? true }, opts.hostPort, opts.listenIp);
    if (!port.free) {
      throw new AppError('PORT_IN_USE', portInUseMessage(port), {
        hint:
          port.suggestion !== null
            ? `Use port ${port.suggestion}, or stop what holds port ${opts.hostPort}.`
            : `Choose another port, or stop what holds port ${opts.hostPort}.`,
        details: { port: opts.hostPort, listenIp: opts.listenIp, holder: port.holder, suggestion: port.suggestion },
      });
    }
    const running = (await listAiLabContainers(docker, deps.endpoint)).filter((c) => c.state === 'running' && c.volume === opts.volume);
    const warnings = collectWarnings({
      facts,
      listenIp: opts.listenIp,
      hostPort: opts.hostPort,
      dockerSocket: opts.dockerSocket,
      endpoint: deps.endpoint,
      volume: opts.volume,
      volumeExists: exists,
      volumeUsedBy: running,
      port: null,
      existing: null,
      name: opts.name,
    }).filter((w) => w.code !== 'IMAGE_MISSING' && w.code !== 'VOLUME_MISSING');

    throwIfCancelled();
    if (exists === false) {
      await createVolume(docker, opts.volume);
      volumeCreated = true;
    }
    hint = loginHint(facts.defaultPassword, opts.password !== undefined);
    state(
      'creating',
      `Creating container "${opts.name}" from ${opts.image}: volume ${opts.volume} → ${facts.notebooksPath}, ${opts.listenIp}:${opts.hostPort} → ${facts.containerPort}…`,
    );
    const container = await createContainer(docker, opts, facts);
    containerId = container.id;

    state('starting', `Starting "${opts.name}"…`);
    try {
      await container.start();
    } catch (err) {
      // Never started, so nothing of the user's is in it: do not leave it behind.
      await container.remove({ force: true }).catch(() => undefined);
      containerId = null;
      throw startError(err, opts);
    }
    const started = await requireAiLabContainer(docker, container.id);
    const outcome = await waitUntilReady(
      deps,
      launchId,
      opts.timeoutSeconds,
      signal,
      started,
      facts.image,
      (u) => {
        url = u;
      },
      state,
    );
    const base: LaunchOutcome = {
      launchId,
      containerId: container.id,
      containerName: opts.name,
      image: opts.image,
      volume: opts.volume,
      notebooksPath: facts.notebooksPath,
      hostPort: outcome.hostPort,
      listenIp: opts.listenIp,
      url: outcome.url,
      loginHint: hint,
      reused: false,
      pulled,
      volumeCreated,
      readyBy: outcome.readyBy,
      warnings,
    };
    await finishReady(deps, opts, base, state);
    return base;
  } catch (err) {
    const e = toAppError(err);
    state(e.code === 'CANCELLED' ? 'cancelled' : 'failed', e.message, e);
    throw e;
  }
}

async function finishReady(deps: LaunchDeps, opts: LaunchOptionsParsed, outcome: LaunchOutcome, state: (s: LaunchState, m: string) => void) {
  state('ready', `Jupyter is ready at ${outcome.url}. ${outcome.loginHint}`);
  if (!opts.open) return;
  try {
    await deps.openExternal(outcome.url);
  } catch (err) {
    // Jupyter runs either way; the user can open the URL by hand.
    outcome.warnings.push({
      code: 'OPEN_FAILED',
      blocking: false,
      message: `Could not open the browser (${(err as Error).message}); open ${outcome.url} yourself.`,
    });
  }
}

async function createContainer(docker: Dockerode, opts: LaunchOptionsParsed, facts: AiLabImageFacts): Promise<Dockerode.Container> {
  const portKey = `${facts.containerPort}/tcp`;
  const mounts: Array<{ Type: 'volume' | 'bind'; Source: string; Target: string }> = [{ Type: 'volume', Source: opts.volume, Target: facts.notebooksPath }];
  if (opts.dockerSocket) mounts.push({ Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' });
  const labels: Record<string, string> = {
    ...(opts.labels ?? {}),
    [LABELS.managed]: 'true',
    [LABELS.launched]: 'true',
    [LAUNCH_LABELS.containerPort]: String(facts.containerPort),
    [LAUNCH_LABELS.notebooks]: facts.notebooksPath,
    [LAUNCH_LABELS.passwordSet]: String(opts.password !== undefined),
  };
  if (facts.defaultPassword) labels[LAUNCH_LABELS.defaultPassword] = facts.defaultPassword;
  try {
    return await docker.createContainer({
      name: opts.name,
      Image: opts.image,
      Labels: labels,
      Env: opts.password !== undefined ? [`JUPYTER_PASSWORD=${opts.password}`] : [],
      ExposedPorts: { [portKey]: {} },
      HostConfig: {
        Mounts: mounts,
        PortBindings: { [portKey]: [{ HostIp: opts.listenIp, HostPort: String(opts.hostPort) }] },
        RestartPolicy: { Name: 'no' },
      },
    });
  } catch (err) {
    throw toAppError(err, {
      conflict: () => new AppError('CONTAINER_EXISTS', `A container named "${opts.name}" was created meanwhile.`, { hint: containerExistsHint(opts.name) }),
      notFound: () => new AppError('IMAGE_NOT_FOUND', `The image ${opts.image} disappeared from the Docker host.`, { hint: 'Launch again to pull it.' }),
    });
  }
}

function startError(err: unknown, opts: LaunchOptionsParsed): AppError {
  const msg = engineMessage(err);
  if (/port is already allocated|address already in use|bind for/i.test(msg)) {
    return new AppError('PORT_IN_USE', `Docker could not publish ${opts.listenIp}:${opts.hostPort}: ${msg}`, {
      hint: 'Something took the port after the check; choose another port and launch again.',
      details: { port: opts.hostPort, listenIp: opts.listenIp },
    });
  }
  if (/cannot assign requested address/i.test(msg)) {
    return new AppError('INVALID_ARGUMENT', `${opts.listenIp} is not an address of the Docker host: ${msg}`, {
      hint: 'Use 127.0.0.1 (this computer only) or 0.0.0.0 (all interfaces).',
    });
  }
  return toAppError(err);
}

type StateFn = (s: LaunchState, message: string, error?: AppError | null) => void;

/** `startExisting`: start the named container (keeping its %pip extras) and wait for Jupyter as a launch would. */
async function startExisting(
  deps: LaunchDeps,
  launchId: string,
  opts: LaunchOptionsParsed,
  signal: AbortSignal,
  existing: ContainerInspectLike,
  remember: (id: string, url: string | null, hint: string) => void,
  state: StateFn,
): Promise<LaunchOutcome> {
  const { docker } = deps;
  const c = await requireAiLabContainer(docker, existing.Id);
  let summary = summariseContainer(c, deps.endpoint);
  remember(c.Id, summary.url, summary.loginHint);
  if (!c.State.Running) {
    if (summary.hostPort !== null && summary.listenIp !== null) {
      const port = await checkPort({ docker, local: deps.endpoint?.local ?? true, exceptContainerId: c.Id }, summary.hostPort, summary.listenIp);
      if (!port.free) {
        throw new AppError('PORT_IN_USE', `${portInUseMessage(port)} Container "${summary.name}" publishes that port, so it cannot start.`, {
          hint: `Stop what holds port ${summary.hostPort}, or launch a new container on port ${port.suggestion ?? 'another port'} (a new container starts without this one's %pip extras).`,
          details: { port: summary.hostPort, holder: port.holder, suggestion: port.suggestion },
        });
      }
    }
    state('starting', `Starting the existing container "${summary.name}"…`);
    try {
      await docker.getContainer(c.Id).start();
    } catch (err) {
      throw startError(err, { ...opts, hostPort: summary.hostPort ?? opts.hostPort, listenIp: summary.listenIp ?? opts.listenIp });
    }
  }
  const started = await requireAiLabContainer(docker, c.Id);
  summary = summariseContainer(started, deps.endpoint);
  const outcome = await waitUntilReady(deps, launchId, opts.timeoutSeconds, signal, started, summary.image, (u) => remember(c.Id, u, summary.loginHint), state);
  const result: LaunchOutcome = {
    launchId,
    containerId: c.Id,
    containerName: summary.name,
    image: summary.image,
    volume: summary.volume,
    notebooksPath: summary.notebooksPath ?? '',
    hostPort: outcome.hostPort,
    listenIp: summary.listenIp ?? opts.listenIp,
    url: outcome.url,
    loginHint: summary.loginHint,
    reused: true,
    pulled: false,
    volumeCreated: false,
    readyBy: outcome.readyBy,
    warnings: [] as LaunchWarning[],
  };
  await finishReady(deps, opts, result, state);
  return result;
}

/**
 * Follow the log from this start on and race the ready line, GET /api, the container exiting, the
 * timeout and a cancel. The container is never removed here: when it does not get ready, its log is
 * what the user needs to see.
 */
async function waitUntilReady(
  deps: LaunchDeps,
  launchId: string,
  timeoutSeconds: number,
  signal: AbortSignal,
  c: ContainerInspectLike,
  image: string,
  setUrl: (url: string) => void,
  state: StateFn,
): Promise<{ url: string; hostPort: number; readyBy: 'log' | 'api' }> {
  const { docker } = deps;
  const summary: AiLabContainer = summariseContainer(c, deps.endpoint);
  if (summary.hostPort === null || summary.listenIp === null || summary.url === null) {
    throw new AppError('DOCKER_ERROR', `Container "${summary.name}" publishes no port, so Jupyter cannot be reached.`, {
      hint: 'Remove it and launch a new one with a host port.',
    });
  }
  const url = summary.url;
  const hostPort = summary.hostPort;
  setUrl(url);
  state('waiting', `Waiting for Jupyter in "${summary.name}" to answer on ${url}…`);

  const last: string[] = [];
  let markReady: () => void = () => undefined;
  const logReady = new Promise<void>((r) => (markReady = r));
  // Only this run's lines: a restarted container's log still holds the last run's ready line.
  const startedAt = c.State.StartedAt ? Date.parse(c.State.StartedAt) / 1000 : undefined;
  let follower: LogFollower | null = null;
  try {
    follower = await followContainerLog(
      docker,
      docker.getContainer(c.Id),
      Boolean(c.Config.Tty),
      // Fractional seconds: the engine reads "s.mmm", and whole seconds would let in a ready line printed
      // by the previous run in the same second as this start.
      { follow: true, since: startedAt !== undefined && Number.isFinite(startedAt) ? startedAt : undefined },
      (lines) => {
        const at = Date.now();
        deps.emitLog(lines.map((l) => ({ source: launchId, containerId: c.Id, stream: l.stream, line: l.line, at })));
        for (const l of lines) {
          last.push(l.line);
          if (READY_LINE.test(l.line)) markReady();
        }
        if (last.length > LAST_LINES) last.splice(0, last.length - LAST_LINES);
      },
    );
  } catch (err) {
    throw toAppError(err);
  }
  const probe = deps.probe ?? probeApi;
  const host = browserHost(deps.endpoint, summary.listenIp);
  const exited = follower.done.then(async () => {
    // The follow also ends when we stop it; only a container that is no longer running counts.
    const now = await inspectContainer(docker, c.Id).catch(() => null);
    if (now && now.State.Running) return new Promise<void>(() => undefined);
  });
  const outcome = await waitForReady({
    logReady,
    exited,
    probe: () => probe(host, hostPort),
    timeoutMs: timeoutSeconds * 1000,
    signal,
  });
  if ((outcome === 'log' || outcome === 'api') && deps.linger) {
    const f = follower;
    deps.linger(() => f.stop());
  } else {
    follower.stop();
  }
  if (outcome === 'log' || outcome === 'api') return { url: buildAiLabUrl(deps.endpoint, summary.listenIp, hostPort), hostPort, readyBy: outcome };

  const tail = last.slice(-15);
  if (outcome === 'cancelled') {
    throw new AppError('CANCELLED', `Stopped waiting for Jupyter. Container "${summary.name}" was left as it is (still running).`, {
      hint: `Open it later from the AI-Lab containers panel or \`ailab status\`; stop it with \`ailab stop ${summary.name}\`.`,
      details: { containerId: c.Id, url },
    });
  }
  if (outcome === 'exited') {
    const now = await inspectContainer(docker, c.Id).catch(() => null);
    const code = now?.State.ExitCode ?? null;
    throw new AppError('DOCKER_ERROR', `Container "${summary.name}" stopped${code !== null ? ` with exit code ${code}` : ''} before Jupyter was ready.`, {
      hint: `Look at the container log${tail.length ? ` (last line: "${tail[tail.length - 1]}")` : ''}; check that ${image} is an AI-Lab image.`,
      details: { containerId: c.Id, exitCode: code, lastLogLines: tail },
    });
  }
  throw new AppError('TIMEOUT', `Jupyter in container "${summary.name}" did not become ready within ${timeoutSeconds} s.`, {
    hint:
      `Look at the container log for errors${tail.length ? ` (last line: "${tail[tail.length - 1]}")` : ' (it printed nothing)'}; ` +
      `check that port ${hostPort} answers (${url}api) and that nothing else intercepts it; ` +
      `check that ${image} is an AI-Lab image that prints "Jupyter Server … is running at:". ` +
      `The container is still running: open it later, or stop or remove it in the AI-Lab containers panel.`,
    details: { containerId: c.Id, url, lastLogLines: tail },
  });
}
