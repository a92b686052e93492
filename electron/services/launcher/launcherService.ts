import net from 'node:net';
import type Dockerode from 'dockerode';
import { isAiLabImage, LABELS, splitImageRef } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type {
  AiLabContainer,
  AiLabImageList,
  AiLabImageOption,
  AiLabImageFacts,
  LaunchDraft,
  PendingUpgrade,
  UpgradeFinished,
  UpgradeOptions,
  UpgradeOutcome,
  UpgradePlan,
  LaunchOptions,
  LaunchOutcome,
  LaunchPreflight,
  LogLine,
  PortCheck,
} from '../../../shared/contract/launcher';
import { checkContainerName, checkVolumeName } from '../../../shared/contract/validation';
import type { CoreServices } from '../core/context';
import { isNotModified, toAppError } from '../docker/errors';
import type { EngineEvent } from '../docker/types';
import { demuxBuffer } from './containerLog';
import { inspectContainer, listAiLabContainers, noteStop, requireAiLabContainer, summariseContainer } from './containers';
import { imageFacts, inspectImage } from './imageFacts';
import { launchAiLab, type LaunchDeps } from './launch';
import { LogFollows } from './logFollows';
import { checkPort } from './portCheck';
import { collectWarnings, volumeExists } from './preflight';
import { UpgradeLedger, toPending, type LedgerEntry } from './upgradeLedger';
import { assessUpgrade, keepEntry, rollBackEntry, runUpgrade, type UpgradeDeps } from './upgrade';
import type { UpgradeJobs } from './upgradeJobs';
import { aiLabLayout, checkVersion, compareVersions } from './upgradePlan';
import { buildAiLabUrl } from './url';

/** What `docker stop` waits for a container to end on SIGTERM before it sends SIGKILL. */
export const STOP_GRACE_SECONDS = 10;

export interface LauncherOptions {
  /** GET /api probe; unit tests replace it. */
  probe?: LaunchDeps['probe'];
  /** The jobs an upgrade runs (backup, restore, volume looks); createCore wires the jobs domain, tests may fake the disk. */
  upgradeJobs?: () => UpgradeJobs;
}

/** How long the launch keeps showing the log after Jupyter is ready. */
const LINGER_MS = 4000;

/** A burst of engine events (create + start) costs one container list. */
const REFRESH_DEBOUNCE_MS = 150;

const CONTAINER_ACTIONS = new Set(['create', 'start', 'restart', 'stop', 'die', 'kill', 'destroy', 'rename', 'pause', 'unpause', 'update']);

/**
 * The launcher domain: AI-Lab images, the launch and its preflight check, the AI-Lab containers and
 * their logs. It holds the running launches, the log follows, the lingering logs after a launch, and
 * keeps the containers panel current from the Engine's event stream. createCore makes one per core.
 */
export class LauncherService {
  private readonly launches = new Map<string, AbortController>();
  private readonly follows: LogFollows;
  private readonly lingering = new Map<() => void, NodeJS.Timeout>();
  /** Ids of the AI-Lab containers last listed: their events count even when their labels are gone. */
  private readonly known = new Set<string>();
  private pendingRefresh: NodeJS.Timeout | null = null;
  private readonly ledger: UpgradeLedger;
  /** Upgrades and roll backs running in this process, by container name: one at a time per container. */
  private readonly upgrading = new Map<string, AbortController>();

  constructor(
    private readonly core: CoreServices,
    private readonly options: LauncherOptions = {},
  ) {
    this.follows = new LogFollows((lines) => core.bus.emit('launcherLog', lines));
    this.ledger = UpgradeLedger.in(core.dataDir);
    core.docker.onEngineEvent((e) => {
      if (this.relevant(e)) this.refresh();
    });
    core.docker.onStatus((s) => {
      if (s.state === 'connected') this.refresh();
    });
    core.onShutdown(() => this.dispose());
  }

  private docker(): Dockerode {
    return this.core.docker.client();
  }

  private endpoint() {
    return this.core.docker.status().endpoint;
  }

  private linger(stop: () => void): void {
    const timer = setTimeout(() => {
      this.lingering.delete(stop);
      stop();
    }, LINGER_MS);
    timer.unref();
    this.lingering.set(stop, timer);
  }

  private refresh(): void {
    this.pendingRefresh ??= setTimeout(() => {
      this.pendingRefresh = null;
      listAiLabContainers(this.docker(), this.endpoint()).then(
        (containers) => {
          this.known.clear();
          for (const c of containers) this.known.add(c.id);
          this.core.bus.emit('aiLabContainersChanged', { containers });
        },
        () => undefined,
      );
    }, REFRESH_DEBOUNCE_MS);
  }

  private relevant(e: EngineEvent): boolean {
    if (e.Type !== 'container' || !CONTAINER_ACTIONS.has(e.Action)) return false;
    const attrs = e.Actor.Attributes ?? {};
    return this.known.has(e.Actor.ID) || Boolean(attrs[LABELS.launched]) || (attrs.image !== undefined && isAiLabImage(attrs.image));
  }

  private deps(): LaunchDeps {
    const bus = this.core.bus;
    return {
      docker: this.docker(),
      endpoint: this.endpoint(),
      emitState: (e) => bus.emit('launchState', e),
      emitPull: (e) => bus.emit('launchPullProgress', e),
      emitLog: (lines) => bus.emit('launcherLog', lines),
      openExternal: (url) => this.core.openExternal(url),
      linger: (stop) => this.linger(stop),
      ...(this.options.probe ? { probe: this.options.probe } : {}),
    };
  }

  // The image of the last launch becomes the settings' image and version (the guide's $VERSION), so
  // the panel offers it again after a reload or a restart, as the backup folder is remembered.
  private async rememberImage(image: string): Promise<void> {
    if (image.includes('@')) return;
    const { repository, tag } = splitImageRef(image);
    const settings = this.core.settings.get();
    if (settings.aiLabImage === repository && settings.aiLabVersion === tag) return;
    const next = await this.core.settings.update({ aiLabImage: repository, aiLabVersion: tag }).catch(() => null);
    if (next) this.core.bus.emit('settingsChanged', next);
  }

  private async summary(ref: string): Promise<AiLabContainer> {
    return summariseContainer(await requireAiLabContainer(this.docker(), ref), this.endpoint());
  }

  async listImages(): Promise<AiLabImageList> {
    const settings = this.core.settings.get();
    const defaultImage = `${settings.aiLabImage}:${settings.aiLabVersion}`;
    let images: AiLabImageOption[] = [];
    const local = new Set<string>();
    try {
      const list = await this.docker().listImages();
      for (const img of list) {
        for (const ref of img.RepoTags ?? []) {
          local.add(ref);
          const { repository, tag } = splitImageRef(ref);
          if (!isAiLabImage(ref)) continue;
          images.push({
            ref,
            repository,
            tag,
            present: true,
            sizeBytes: img.Size ?? null,
            created: img.Created ? new Date(img.Created * 1000).toISOString() : null,
          });
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
  }

  inspectImage(image: string): Promise<AiLabImageFacts> {
    return imageFacts(this.docker(), image);
  }

  checkPort(port: number, listenIp: string): Promise<PortCheck> {
    return checkPort({ docker: this.docker(), local: this.endpoint()?.local ?? true }, port, listenIp);
  }

  /** The launch form's preflight: everything a launch with this draft would meet, without starting anything. */
  async checkLaunch(draft: LaunchDraft): Promise<LaunchPreflight> {
    const d = this.docker();
    const ep = this.endpoint();
    const facts = await imageFacts(d, draft.image);
    const ipOk = net.isIP(draft.listenIp) !== 0;
    const port = ipOk ? await checkPort({ docker: d, local: ep?.local ?? true }, draft.hostPort, draft.listenIp) : null;
    const nameOk = checkContainerName(draft.name) === null;
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
  }

  async launch(launchId: string, opts: LaunchOptions): Promise<LaunchOutcome> {
    if (this.launches.has(launchId)) throw new AppError('JOB_CONFLICT', `Launch ${launchId} is already running.`);
    const controller = new AbortController();
    this.launches.set(launchId, controller);
    try {
      const outcome = await launchAiLab(this.deps(), launchId, opts, controller.signal);
      await this.rememberImage(outcome.image);
      return outcome;
    } finally {
      this.launches.delete(launchId);
      this.refresh();
    }
  }

  cancelLaunch(launchId: string): { cancelled: boolean } {
    const c = this.launches.get(launchId);
    if (!c) return { cancelled: false };
    c.abort();
    return { cancelled: true };
  }

  async listContainers(): Promise<AiLabContainer[]> {
    const list = await listAiLabContainers(this.docker(), this.endpoint());
    for (const c of list) this.known.add(c.id);
    return list;
  }

  /** Starts a stopped AI-Lab container, after checking that its port is still free. */
  async startContainer(ref: string): Promise<AiLabContainer> {
    const c = await requireAiLabContainer(this.docker(), ref);
    if (!c.State.Running) {
      const s = summariseContainer(c, this.endpoint());
      if (s.hostPort !== null && s.listenIp !== null) {
        const port = await checkPort({ docker: this.docker(), local: this.endpoint()?.local ?? true, exceptContainerId: c.Id }, s.hostPort, s.listenIp);
        if (!port.free) {
          throw new AppError('PORT_IN_USE', `Container "${s.name}" cannot start: port ${s.hostPort} is taken.`, {
            hint: 'Stop what holds the port, then start it again.',
            details: { port: s.hostPort, holder: port.holder, suggestion: port.suggestion },
          });
        }
      }
      await this.docker()
        .getContainer(c.Id)
        .start()
        .catch((err: unknown) => {
          if (!isNotModified(err)) throw toAppError(err);
        });
    }
    return this.summary(c.Id);
  }

  async stopContainer(ref: string): Promise<AiLabContainer> {
    const c = await requireAiLabContainer(this.docker(), ref);
    const started = Date.now();
    await this.docker()
      .getContainer(c.Id)
      .stop({ t: STOP_GRACE_SECONDS })
      .catch((err: unknown) => {
        if (!isNotModified(err)) throw toAppError(err);
      });
    const after = await requireAiLabContainer(this.docker(), c.Id);
    noteStop(after, STOP_GRACE_SECONDS, Date.now() - started);
    return summariseContainer(after, this.endpoint());
  }

  async restartContainer(ref: string): Promise<AiLabContainer> {
    const c = await requireAiLabContainer(this.docker(), ref);
    await this.docker()
      .getContainer(c.Id)
      .restart({ t: STOP_GRACE_SECONDS })
      .catch((err: unknown) => {
        throw toAppError(err);
      });
    return this.summary(c.Id);
  }

  async removeContainer(ref: string, opts: { force: boolean }): Promise<{ removed: string }> {
    const c = await requireAiLabContainer(this.docker(), ref);
    const name = c.Name.replace(/^\//, '');
    if (c.State.Running && !opts.force) {
      throw new AppError('CONTAINER_RUNNING', `Container "${name}" is running.`, {
        hint: 'Stop it first, or confirm removing it while it runs. Removing loses the packages installed with %pip in it; the notebooks in its volume are kept.',
      });
    }
    try {
      // v: false: the volume holds the user's notebooks; removing a container never touches it.
      await this.docker().getContainer(c.Id).remove({ force: opts.force, v: false });
    } catch (err) {
      throw toAppError(err);
    }
    return { removed: name };
  }

  async open(ref: string): Promise<{ url: string }> {
    const s = await this.summary(ref);
    if (s.state !== 'running' || s.url === null) {
      throw new AppError('CONTAINER_RUNNING', `Container "${s.name}" is not running, so there is nothing to open.`, { hint: 'Start it first.' });
    }
    await this.core.openExternal(s.url);
    return { url: s.url };
  }

  async logs(ref: string, opts: { tail: number }): Promise<LogLine[]> {
    const c = await requireAiLabContainer(this.docker(), ref);
    try {
      const buf = (await this.docker().getContainer(c.Id).logs({ stdout: true, stderr: true, follow: false, tail: opts.tail })) as unknown as Buffer;
      const at = Date.now();
      return demuxBuffer(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)), Boolean(c.Config.Tty)).map((l) => ({
        source: 'tail',
        containerId: c.Id,
        stream: l.stream,
        line: l.line,
        at,
      }));
    } catch (err) {
      throw toAppError(err);
    }
  }

  async followLogs(followId: string, ref: string, opts: { tail: number }): Promise<{ followId: string; containerId: string }> {
    const c = await requireAiLabContainer(this.docker(), ref);
    try {
      await this.follows.start(this.docker(), followId, c, opts.tail);
    } catch (err) {
      throw toAppError(err);
    }
    return { followId, containerId: c.Id };
  }

  stopFollowingLogs(followId: string): { stopped: boolean } {
    return { stopped: this.follows.stop(followId) };
  }

  private upgradeJobs(): UpgradeJobs {
    if (!this.options.upgradeJobs) throw new AppError('INTERNAL', 'Upgrades need the jobs domain, which this core was made without.');
    return this.options.upgradeJobs();
  }

  private upgradeDeps(signal: AbortSignal): UpgradeDeps {
    const bus = this.core.bus;
    return {
      docker: this.docker(),
      endpoint: this.endpoint(),
      jobs: this.upgradeJobs(),
      ledger: this.ledger,
      launch: async (launchId, opts, onWaiting) => {
        const off = bus.on('launchState', (e) => {
          if (e.launchId === launchId && e.state === 'waiting') onWaiting(e.message);
        });
        try {
          return await this.launch(launchId, opts);
        } finally {
          off();
        }
      },
      emitProgress: (e) => bus.emit('aiLabUpgradeProgress', e),
      emitPull: (e) => bus.emit('launchPullProgress', e),
      signal,
    };
  }

  /** One upgrade or roll back per container at a time in this process; the ledger guards across processes. */
  private async exclusive<T>(name: string, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.upgrading.has(name)) {
      throw new AppError('JOB_CONFLICT', `An upgrade of "${name}" is already running.`, { hint: 'Wait for it to finish.' });
    }
    const c = new AbortController();
    this.upgrading.set(name, c);
    try {
      return await body(c.signal);
    } finally {
      this.upgrading.delete(name);
      this.refresh();
      void this.announceUpgrades();
    }
  }

  private async announceUpgrades(): Promise<void> {
    const pending = await this.listPendingUpgrades().catch(() => null);
    if (pending) this.core.bus.emit('aiLabUpgradesChanged', { pending });
  }

  /** Local images newer than the container's (by version; a tag that is not a version counts when its image differs). */
  async listUpgradeImages(ref: string): Promise<AiLabImageOption[]> {
    const c = await requireAiLabContainer(this.docker(), ref);
    const from = c.Config.Image;
    const fromRepo = splitImageRef(from).repository;
    const fromId = ((await this.docker().getContainer(c.Id).inspect()) as unknown as { Image?: string }).Image ?? null;
    let list: Dockerode.ImageInfo[];
    try {
      list = await this.docker().listImages();
    } catch (err) {
      throw toAppError(err);
    }
    const out: AiLabImageOption[] = [];
    for (const img of list) {
      for (const tagRef of img.RepoTags ?? []) {
        const { repository, tag } = splitImageRef(tagRef);
        if (repository !== fromRepo && !isAiLabImage(tagRef)) continue;
        const verdict = checkVersion(from, tagRef, fromId, img.Id).verdict;
        if (verdict !== 'newer' && verdict !== 'unknown') continue;
        const inspect = await inspectImage(this.docker(), tagRef);
        if (!inspect || !aiLabLayout(tagRef, inspect).isAiLab) continue;
        out.push({
          ref: tagRef,
          repository,
          tag,
          present: true,
          sizeBytes: img.Size ?? null,
          created: img.Created ? new Date(img.Created * 1000).toISOString() : null,
        });
      }
    }
    return out.sort((a, b) => (compareVersions(b.tag, a.tag) ?? (compareVersions(a.tag, '0') === null ? 1 : -1)) || a.ref.localeCompare(b.ref));
  }

  async planUpgrade(ref: string, image: string): Promise<UpgradePlan> {
    const a = await assessUpgrade({ docker: this.docker(), endpoint: this.endpoint(), jobs: this.upgradeJobs(), ledger: this.ledger }, ref, image, {
      measure: true,
    });
    return a.plan;
  }

  async upgrade(upgradeId: string, opts: UpgradeOptions): Promise<UpgradeOutcome> {
    const c = await requireAiLabContainer(this.docker(), opts.container);
    const name = c.Name.replace(/^\//, '');
    return this.exclusive(name, async (signal) => {
      const outcome = await runUpgrade(this.upgradeDeps(signal), upgradeId, opts);
      await this.rememberImage(opts.image);
      return outcome;
    });
  }

  async listPendingUpgrades(): Promise<PendingUpgrade[]> {
    return (await this.ledger.list()).map(toPending);
  }

  private async pendingFor(ref: string): Promise<LedgerEntry> {
    const entry = await this.ledger.find(ref);
    if (!entry) {
      const pending = await this.ledger.list();
      throw new AppError('CONTAINER_NOT_FOUND', `No upgrade of "${ref}" is waiting for Keep or Roll back.`, {
        hint: pending.length ? `Waiting: ${pending.map((p) => p.name).join(', ')}.` : 'There are no pending upgrades (`ailab upgrade --pending` lists them).',
      });
    }
    return entry;
  }

  async keepUpgrade(ref: string): Promise<UpgradeFinished> {
    const entry = await this.pendingFor(ref);
    return this.exclusive(entry.name, (signal) => keepEntry(this.upgradeDeps(signal), entry));
  }

  async rollBackUpgrade(id: string, ref: string, keepScs = false): Promise<UpgradeFinished> {
    const entry = await this.pendingFor(ref);
    return this.exclusive(entry.name, (signal) => rollBackEntry(this.upgradeDeps(signal), id, entry, { keepScs }));
  }

  private dispose(): void {
    for (const c of this.upgrading.values()) c.abort();
    for (const c of this.launches.values()) c.abort();
    this.follows.stopAll();
    for (const [stop, timer] of this.lingering) {
      clearTimeout(timer);
      stop();
    }
    this.lingering.clear();
    if (this.pendingRefresh) clearTimeout(this.pendingRefresh);
  }
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
