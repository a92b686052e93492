import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { checkVolumeName, VOLUME_NAME_RULE } from '../../../shared/contract/validation';
import type { Readable, Writable } from 'node:stream';
import type { DockerStatus } from '../../../shared/contract/docker';
import type {
  CleanupResult,
  CopyFromVolumeOptions,
  CopyFromVolumeResult,
  CopyIntoVolumeOptions,
  CopyIntoVolumeResult,
  RemoveVolumeOptions,
  RemoveVolumeResult,
  VolumeContainerRef,
  VolumeDetails,
  VolumeFileListing,
  VolumeScsInfo,
  VolumeSizesPayload,
  VolumeSummary,
} from '../../../shared/contract/volumes';
import type { CoreServices } from '../core/context';
import { isConflict, isNotFound, isNotModified, toAppError } from '../docker/errors';
import { inspectVolume, volumeNotFound } from '../docker/volumes';
import type { CopyDeps } from './copyHelper';
import { copyIntoVolume, importTar, type ConflictChoice } from './copyIn';
import { copyFromVolume, streamFromVolume } from './copyOut';
import { diskUsageWhenFree, VolumeSizeCache, type DiskUsage } from './sizeCache';
import { listVolumeFiles } from './volumeFiles';
import { containersByVolume, describeContainers, isAnonymousVolume, toVolumeSummary, type RawVolume } from './volumeModel';
import { VolumeChangeWatcher } from './volumeWatcher';
import { assertRemovalConfirmed } from './removalGuard';
import { filesProbeDeps, probeScs } from './scsProbe';

function endpointKey(s: DockerStatus): string | null {
  return s.endpoint ? `${s.endpoint.context ?? ''} ${s.endpoint.url}` : null;
}

function containerDetails(list: VolumeContainerRef[]): Array<Record<string, unknown>> {
  return list.map((c) => ({ id: c.id, name: c.name, state: c.state, running: c.running, aiLab: c.aiLab, image: c.image }));
}

/**
 * The volumes domain: list, create, remove, inspect, files and sizes, on one engine. createCore makes
 * one per core (its size cache and event subscriptions exist once per process) and shuts it down with it.
 */
export class VolumeService {
  readonly sizes: VolumeSizeCache;
  /** Ids of our file-browser helpers, whose mount events are not changes a user made. */
  readonly helperIds = new Set<string>();

  constructor(private readonly core: CoreServices) {
    this.sizes = new VolumeSizeCache(
      () => diskUsageWhenFree(() => this.client().df() as Promise<DiskUsage>),
      (p) => core.bus.emit('volumeSizes', p),
    );
    // Volume changes reach the renderer through the Engine's event stream, not polling.
    const watcher = new VolumeChangeWatcher({
      isOwnHelper: (id) => this.helperIds.has(id),
      onSizesInvalid: () => this.sizes.invalidate(),
      emit: (reason) => core.bus.emit('volumesChanged', { reason }),
    });
    const offEvents = core.docker.onEngineEvent((e) => watcher.handleEngineEvent(e));
    // The connection reports "connected" again after Docker comes back; the list may be all new by then.
    let endpoint = endpointKey(core.docker.status());
    const offStatus = core.docker.onStatus((s) => {
      // Another engine (useDockerContext): sizes are keyed by name, and its volumes are others.
      const key = endpointKey(s);
      if (key !== null && key !== endpoint) this.sizes.reset();
      if (key !== null) endpoint = key;
      if (s.state === 'connected') watcher.handleConnected();
    });
    core.onShutdown(() => {
      offEvents();
      offStatus();
      watcher.dispose();
      this.dispose();
    });
  }

  private client(): Dockerode {
    return this.core.docker.client();
  }

  private async usersOf(name: string): Promise<VolumeContainerRef[]> {
    const containers = await this.client().listContainers({ all: true, filters: { volume: [name] } });
    return containersByVolume(containers).get(name) ?? [];
  }

  private async inspectRaw(name: string): Promise<RawVolume> {
    try {
      return (await this.client().getVolume(name).inspect()) as RawVolume;
    } catch (err) {
      throw toAppError(err, { notFound: () => volumeNotFound(name) });
    }
  }

  async list(): Promise<VolumeSummary[]> {
    let raw: RawVolume[];
    let containers: Dockerode.ContainerInfo[];
    try {
      const [vols, cs] = await Promise.all([this.client().listVolumes(), this.client().listContainers({ all: true })]);
      raw = (vols.Volumes ?? []) as RawVolume[];
      containers = cs;
    } catch (err) {
      throw toAppError(err);
    }
    const users = containersByVolume(containers);
    const list = raw.map((v) => toVolumeSummary(v, users.get(v.Name) ?? [], this.sizes.get(v.Name)));
    // Sizes follow through the volumeSizes event; the list is answered now.
    this.sizes.refreshInBackground();
    return list.sort((a, b) => a.name.localeCompare(b.name));
  }

  async inspect(name: string): Promise<VolumeDetails> {
    const [raw, users] = await Promise.all([this.inspectRaw(name), this.usersOf(name).catch((e: unknown) => Promise.reject(toAppError(e)))]);
    return { ...toVolumeSummary(raw, users, this.sizes.get(name)), options: raw.Options ?? {}, status: raw.Status ?? null };
  }

  async computeSizes(): Promise<VolumeSizesPayload> {
    try {
      return await this.sizes.compute();
    } catch (err) {
      throw toAppError(err);
    }
  }

  async create(name: string, labels: Record<string, string> = {}): Promise<VolumeSummary> {
    const problem = checkVolumeName(name);
    if (problem) {
      throw new AppError('VOLUME_NAME_INVALID', problem.includes(VOLUME_NAME_RULE) ? problem : `${problem} ${VOLUME_NAME_RULE}`, {
        details: { rule: VOLUME_NAME_RULE },
      });
    }
    // Docker's create is idempotent: with a taken name it answers 201 and hands back the existing volume.
    if (await inspectVolume(this.client(), name)) {
      throw new AppError('VOLUME_EXISTS', `A volume named "${name}" already exists.`, {
        hint: 'Pick another name, or use the existing volume.',
        details: { volume: name },
      });
    }
    try {
      await this.client().createVolume({ Name: name, Labels: labels });
    } catch (err) {
      throw toAppError(err);
    }
    const raw = await this.inspectRaw(name);
    return toVolumeSummary(raw, [], null);
  }

  async remove(name: string, opts: RemoveVolumeOptions = {}): Promise<RemoveVolumeResult> {
    await this.inspectRaw(name);
    // Here, not in the UI or the CLI: the renderer is untrusted, and a script could call removeVolume directly.
    assertRemovalConfirmed(name, opts.confirmName);
    let users: VolumeContainerRef[];
    try {
      users = await this.usersOf(name);
    } catch (err) {
      throw toAppError(err);
    }
    const confirmed = new Set(opts.stopContainers ?? []);
    const isConfirmed = (c: VolumeContainerRef) => confirmed.has(c.id) || confirmed.has(c.name);
    const running = users.filter((c) => c.running);
    const stopped = users.filter((c) => !c.running);
    const runningUnconfirmed = running.filter((c) => !isConfirmed(c));
    if (runningUnconfirmed.length > 0 || (stopped.length > 0 && !opts.removeStoppedContainers)) {
      throw this.inUse(name, users, runningUnconfirmed.length > 0);
    }
    const stoppedNow: string[] = [];
    const removed: string[] = [];
    for (const c of running) {
      try {
        await this.client().getContainer(c.id).stop({ t: 10 });
        stoppedNow.push(c.name);
      } catch (err) {
        // 304: it stopped by itself in the meantime, which is what we wanted.
        if (!isNotModified(err)) throw toAppError(err);
      }
    }
    for (const c of [...running, ...stopped]) {
      try {
        // v: false keeps the container's other volumes: only the one the user chose goes.
        await this.client().getContainer(c.id).remove({ v: false });
        removed.push(c.name);
      } catch (err) {
        if (!isNotFound(err)) throw toAppError(err);
      }
    }
    try {
      await this.client().getVolume(name).remove();
    } catch (err) {
      if (isConflict(err)) throw this.inUse(name, await this.usersOf(name).catch(() => []), true);
      throw toAppError(err, { notFound: () => volumeNotFound(name) });
    }
    this.sizes.invalidate();
    return { volume: name, removedContainers: removed, stoppedContainers: stoppedNow };
  }

  private inUse(name: string, users: VolumeContainerRef[], anyRunning: boolean): AppError {
    const who = users.length > 0 ? describeContainers(users) : 'a container';
    const plural = users.length === 1 ? 'container' : 'containers';
    const hint = anyRunning
      ? 'Stop the running containers first, or confirm stopping each of them; a running container is never stopped without that.'
      : `Remove the stopped ${plural} first (in the app: "Remove the stopped containers"; in the CLI: --force).`;
    return new AppError('VOLUME_IN_USE', `Volume "${name}" is in use by ${plural} ${who}.`, {
      hint,
      details: { volume: name, containers: containerDetails(users) },
    });
  }

  async cleanupCandidates(): Promise<VolumeSummary[]> {
    return (await this.list()).filter((v) => v.anonymous && v.containers.length === 0);
  }

  /** Removes only the volumes named (what the user saw and confirmed), re-checking each one first. */
  async cleanup(names: string[]): Promise<CleanupResult> {
    const result: CleanupResult = { removed: [], skipped: [] };
    for (const name of [...new Set(names)]) {
      try {
        const raw = await this.inspectRaw(name);
        if (!isAnonymousVolume(raw.Name, raw.Labels ?? {})) {
          result.skipped.push({ name, reason: 'not an anonymous volume' });
          continue;
        }
        const users = await this.usersOf(name);
        if (users.length > 0) {
          result.skipped.push({ name, reason: `in use by ${describeContainers(users)}` });
          continue;
        }
        await this.client().getVolume(name).remove();
        result.removed.push(name);
      } catch (err) {
        const e = toAppError(err, { notFound: () => volumeNotFound(name), conflict: () => new AppError('VOLUME_IN_USE', 'in use by a container') });
        if (e.code === 'DOCKER_UNREACHABLE' || e.code === 'DOCKER_PERMISSION_DENIED') throw e;
        result.skipped.push({ name, reason: e.code === 'VOLUME_NOT_FOUND' ? 'already removed' : e.message });
      }
    }
    if (result.removed.length > 0) this.sizes.invalidate();
    return result;
  }

  private helperDeps(): CopyDeps {
    return {
      client: this.client(),
      helperImage: this.core.settings.get().helperImage,
      dataDir: this.core.dataDir,
      onHelper: (id, phase) => {
        if (phase === 'created') this.helperIds.add(id);
        // Keep it a little longer: its destroy/unmount events may arrive after remove() returns.
        else setTimeout(() => this.helperIds.delete(id), 10_000).unref?.();
      },
    };
  }

  /** The SCS at the volume's root (scsProbe.ts): a stat without running anything, the content only when hashed. */
  async scs(name: string, withHash: boolean): Promise<VolumeScsInfo> {
    await this.inspectRaw(name);
    return probeScs(filesProbeDeps(this.helperDeps()), name, { withHash });
  }

  async files(name: string, path: string | undefined): Promise<VolumeFileListing> {
    return listVolumeFiles(this.helperDeps(), name, path);
  }

  /** A file or folder of a volume into a host folder (copyOut.ts: rules, atomicity, modes). */
  async copyOut(opts: CopyFromVolumeOptions): Promise<CopyFromVolumeResult> {
    await this.inspectRaw(opts.volume);
    return copyFromVolume(this.helperDeps(), { ...opts, as: opts.as ?? 'folder' });
  }

  /** Host files or folders into a folder of a volume (copyIn.ts: conflicts, owners, staging). */
  async copyIn(opts: CopyIntoVolumeOptions): Promise<CopyIntoVolumeResult> {
    await this.inspectRaw(opts.volume);
    const result = await copyIntoVolume(this.helperDeps(), { ...opts, owner: opts.owner ?? 'auto' });
    if (result.copied.length > 0) this.sizes.invalidate();
    return result;
  }

  /** The CLI's `cp VOL:PATH -`: the raw tar stream of a file or folder, like `docker cp`'s. */
  async exportTar(volume: string, path: string, out: Writable): Promise<{ entries: number; bytes: number }> {
    await this.inspectRaw(volume);
    return streamFromVolume(this.helperDeps(), volume, path, out);
  }

  /** The CLI's `cp - VOL:PATH`: a tar stream into a folder, with the same conflict and owner rules. */
  async importTar(
    volume: string,
    folder: string,
    input: Readable,
    opts: { conflict?: ConflictChoice; owner: 'auto' | { uid: number; gid: number } },
  ): Promise<CopyIntoVolumeResult> {
    await this.inspectRaw(volume);
    const result = await importTar(this.helperDeps(), { volume, folder, input, ...opts });
    if (result.copied.length > 0) this.sizes.invalidate();
    return result;
  }

  dispose(): void {
    this.sizes.dispose();
  }
}
