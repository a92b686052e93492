import net from 'node:net';
import { isAiLabImage, LABELS, splitImageRef } from '../../../shared/ailab';
import type { Handlers } from '../../../shared/contract';
import { AppError } from '../../../shared/contract/errors';
import type { AiLabContainer, AiLabImageOption, launcherMethods } from '../../../shared/contract/launcher';
import { checkVolumeName } from '../../../shared/contract/validation';
import type { CoreServices } from '../core/context';
import { toAppError } from '../docker/errors';
import type { EngineEvent } from '../docker/types';
import { demuxBuffer } from './containerLog';
import { inspectContainer, listAiLabContainers, noteStop, requireAiLabContainer, summariseContainer } from './containers';
import { imageFacts } from './imageFacts';
import { launchAiLab, type LaunchDeps } from './launch';
import { LogFollows } from './logFollows';
import { checkPort } from './portCheck';
import { collectWarnings, volumeExists } from './preflight';
import { buildAiLabUrl } from './url';

/** What `docker stop` waits for a container to end on SIGTERM before it sends SIGKILL. */
export const STOP_GRACE_SECONDS = 10;

export interface LauncherOptions {
  /** GET /api probe; unit tests replace it. */
  probe?: LaunchDeps['probe'];
}

/** How long the launch keeps showing the log after Jupyter is ready. */
const LINGER_MS = 4000;

const CONTAINER_ACTIONS = new Set(['create', 'start', 'restart', 'stop', 'die', 'kill', 'destroy', 'rename', 'pause', 'unpause', 'update']);

export function launcherHandlers(core: CoreServices, options: LauncherOptions = {}): Pick<Handlers, keyof typeof launcherMethods> {
  const docker = () => core.docker.client();
  const endpoint = () => core.docker.status().endpoint;
  const launches = new Map<string, AbortController>();
  const follows = new LogFollows((lines) => core.bus.emit('launcherLog', lines));
  const lingering = new Map<() => void, NodeJS.Timeout>();
  const linger = (stop: () => void) => {
    const timer = setTimeout(() => {
      lingering.delete(stop);
      stop();
    }, LINGER_MS);
    timer.unref();
    lingering.set(stop, timer);
  };
  core.onShutdown(() => {
    for (const c of launches.values()) c.abort();
    follows.stopAll();
    for (const [stop, timer] of lingering) {
      clearTimeout(timer);
      stop();
    }
    lingering.clear();
  });

  // The panel stays current from the Engine's event stream; a burst (create+start) costs one list.
  const known = new Set<string>();
  let pending: NodeJS.Timeout | null = null;
  const refresh = () => {
    pending ??= setTimeout(() => {
      pending = null;
      listAiLabContainers(docker(), endpoint()).then(
        (containers) => {
          known.clear();
          for (const c of containers) known.add(c.id);
          core.bus.emit('aiLabContainersChanged', { containers });
        },
        () => undefined,
      );
    }, 150);
  };
  const relevant = (e: EngineEvent) => {
    if (e.Type !== 'container' || !CONTAINER_ACTIONS.has(e.Action)) return false;
    const attrs = e.Actor.Attributes ?? {};
    return known.has(e.Actor.ID) || Boolean(attrs[LABELS.launched]) || (attrs.image !== undefined && isAiLabImage(attrs.image));
  };
  core.docker.onEngineEvent((e) => {
    if (relevant(e)) refresh();
  });
  core.docker.onStatus((s) => {
    if (s.state === 'connected') refresh();
  });
  core.onShutdown(() => {
    if (pending) clearTimeout(pending);
  });

  const deps = (): LaunchDeps => ({
    docker: docker(),
    endpoint: endpoint(),
    emitState: (e) => core.bus.emit('launchState', e),
    emitPull: (e) => core.bus.emit('launchPullProgress', e),
    emitLog: (lines) => core.bus.emit('launcherLog', lines),
    openExternal: (url) => core.openExternal(url),
    linger,
    ...(options.probe ? { probe: options.probe } : {}),
  });

  // The image of the last launch becomes the settings' image and version (the guide's $VERSION), so
  // the panel offers it again after a reload or a restart, as the backup folder is remembered.
  const rememberImage = async (image: string): Promise<void> => {
    if (image.includes('@')) return;
    const { repository, tag } = splitImageRef(image);
    const settings = core.settings.get();
    if (settings.aiLabImage === repository && settings.aiLabVersion === tag) return;
    const next = await core.settings.update({ aiLabImage: repository, aiLabVersion: tag }).catch(() => null);
    if (next) core.bus.emit('settingsChanged', next);
  };

  const summary = async (ref: string): Promise<AiLabContainer> => summariseContainer(await requireAiLabContainer(docker(), ref), endpoint());

  return {
    async listAiLabImages() {
      const settings = core.settings.get();
      const defaultImage = `${settings.aiLabImage}:${settings.aiLabVersion}`;
      let images: AiLabImageOption[] = [];
      const local = new Set<string>();
      try {
        const list = await docker().listImages();
        for (const img of list) {
          for (const ref of img.RepoTags ?? []) {
            local.add(ref);
            const { repository, tag } = splitImageRef(ref);
            if (!isAiLabImage(ref)) continue;
            images.push({ ref, repository, tag, present: true, sizeBytes: img.Size ?? null, created: img.Created ? new Date(img.Created * 1000).toISOString() : null });
          }
        }
      } catch (err) {
        throw toAppError(err);
      }
      images = images.sort((a, b) => a.repository.localeCompare(b.repository) || compareTags(b.tag, a.tag));
      if (!images.some((i) => i.ref === defaultImage)) {
        const { repository, tag } = splitImageRef(defaultImage);
        // The settings' image may be one of the user's own (remembered from a launch), not an AI-Lab repository.
        images.unshift({ ref: defaultImage, repository, tag, present: local.has(defaultImage), sizeBytes: null, created: null });
      }
      return { defaultImage, images };
    },

    async inspectAiLabImage(image) {
      return imageFacts(docker(), image);
    },

    async checkAiLabPort(port, listenIp) {
      return checkPort({ docker: docker(), local: endpoint()?.local ?? true }, port, listenIp);
    },

    async checkAiLabLaunch(draft) {
      const d = docker();
      const ep = endpoint();
      const facts = await imageFacts(d, draft.image);
      const ipOk = net.isIP(draft.listenIp) !== 0;
      const port = ipOk ? await checkPort({ docker: d, local: ep?.local ?? true }, draft.hostPort, draft.listenIp) : null;
      const nameOk = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/.test(draft.name);
      const existingRaw = nameOk ? await inspectContainer(d, draft.name) : null;
      const existing = existingRaw ? summariseContainer(existingRaw, ep) : null;
      const volOk = draft.volume !== '' && checkVolumeName(draft.volume) === null;
      const exists = volOk ? await volumeExists(d, draft.volume) : null;
      const all = volOk ? await listAiLabContainers(d, ep) : [];
      const volumeUsedBy = all.filter((c) => c.state === 'running' && c.volume === draft.volume);
      return {
        image: facts,
        port,
        existingContainer: existing,
        volumeExists: exists,
        volumeUsedBy,
        url: ipOk ? buildAiLabUrl(ep, draft.listenIp, draft.hostPort) : null,
        warnings: collectWarnings({
          facts,
          listenIp: draft.listenIp,
          hostPort: draft.hostPort,
          dockerSocket: draft.dockerSocket,
          endpoint: ep,
          volume: draft.volume,
          volumeExists: exists,
          volumeUsedBy,
          port,
          existing,
          name: draft.name,
        }),
      };
    },

    async launchAiLab(launchId, opts) {
      if (launches.has(launchId)) throw new AppError('JOB_CONFLICT', `Launch ${launchId} is already running.`);
      const controller = new AbortController();
      launches.set(launchId, controller);
      try {
        const outcome = await launchAiLab(deps(), launchId, opts, controller.signal);
        await rememberImage(outcome.image);
        return outcome;
      } finally {
        launches.delete(launchId);
        refresh();
      }
    },

    async cancelAiLabLaunch(launchId) {
      const c = launches.get(launchId);
      if (!c) return { cancelled: false };
      c.abort();
      return { cancelled: true };
    },

    async listAiLabContainers() {
      const list = await listAiLabContainers(docker(), endpoint());
      for (const c of list) known.add(c.id);
      return list;
    },

    async startAiLabContainer(ref) {
      const c = await requireAiLabContainer(docker(), ref);
      if (!c.State.Running) {
        const s = summariseContainer(c, endpoint());
        if (s.hostPort !== null && s.listenIp !== null) {
          const port = await checkPort({ docker: docker(), local: endpoint()?.local ?? true, exceptContainerId: c.Id }, s.hostPort, s.listenIp);
          if (!port.free) {
            throw new AppError('PORT_IN_USE', `Container "${s.name}" cannot start: port ${s.hostPort} is taken.`, {
              hint: 'Stop what holds the port, then start it again.',
              details: { port: s.hostPort, holder: port.holder, suggestion: port.suggestion },
            });
          }
        }
        await docker().getContainer(c.Id).start().catch((err: unknown) => {
          if ((err as { statusCode?: number }).statusCode !== 304) throw toAppError(err);
        });
      }
      return summary(c.Id);
    },

    async stopAiLabContainer(ref) {
      const c = await requireAiLabContainer(docker(), ref);
      const started = Date.now();
      await docker().getContainer(c.Id).stop({ t: STOP_GRACE_SECONDS }).catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 304) throw toAppError(err);
      });
      const after = await requireAiLabContainer(docker(), c.Id);
      noteStop(after, STOP_GRACE_SECONDS, Date.now() - started);
      return summariseContainer(after, endpoint());
    },

    async restartAiLabContainer(ref) {
      const c = await requireAiLabContainer(docker(), ref);
      await docker().getContainer(c.Id).restart({ t: STOP_GRACE_SECONDS }).catch((err: unknown) => {
        throw toAppError(err);
      });
      return summary(c.Id);
    },

    async removeAiLabContainer(ref, opts) {
      const c = await requireAiLabContainer(docker(), ref);
      const name = c.Name.replace(/^\//, '');
      if (c.State.Running && !opts.force) {
        throw new AppError('CONTAINER_RUNNING', `Container "${name}" is running.`, {
          hint: 'Stop it first, or confirm removing it while it runs. Removing loses the packages installed with %pip in it; the notebooks in its volume are kept.',
        });
      }
      try {
        // v: false: the volume holds the user's notebooks; removing a container never touches it.
        await docker().getContainer(c.Id).remove({ force: opts.force, v: false });
      } catch (err) {
        throw toAppError(err);
      }
      return { removed: name };
    },

    async openAiLab(ref) {
      const s = await summary(ref);
      if (s.state !== 'running' || s.url === null) {
        throw new AppError('CONTAINER_RUNNING', `Container "${s.name}" is not running, so there is nothing to open.`, { hint: 'Start it first.' });
      }
      await core.openExternal(s.url);
      return { url: s.url };
    },

    async getAiLabLogs(ref, opts) {
      const c = await requireAiLabContainer(docker(), ref);
      try {
        const buf = (await docker().getContainer(c.Id).logs({ stdout: true, stderr: true, follow: false, tail: opts.tail })) as unknown as Buffer;
        const at = Date.now();
        return demuxBuffer(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)), Boolean(c.Config.Tty)).map((l) => ({ source: 'tail', containerId: c.Id, stream: l.stream, line: l.line, at }));
      } catch (err) {
        throw toAppError(err);
      }
    },

    async followAiLabLogs(followId, ref, opts) {
      const c = await requireAiLabContainer(docker(), ref);
      try {
        await follows.start(docker(), followId, c, opts.tail);
      } catch (err) {
        throw toAppError(err);
      }
      return { followId, containerId: c.Id };
    },

    async stopFollowingAiLabLogs(followId) {
      return { stopped: follows.stop(followId) };
    },
  };
}

/** Newest first: 6.1.0 before 5.0.0 before 0.1.0; `latest` on top. */
function compareTags(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'latest') return 1;
  if (b === 'latest') return -1;
  const pa = a.split(/[.-]/).map((x) => Number(x));
  const pb = b.split(/[.-]/).map((x) => Number(x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (Number.isNaN(x) || Number.isNaN(y)) return a.localeCompare(b);
    if (x !== y) return x - y;
  }
  return 0;
}
