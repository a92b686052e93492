import fs from 'node:fs/promises';
import path from 'node:path';
import { EXASOL_DB_STOP_WHY, isExasolDbVolume } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type {
  ArchiveListingPage,
  BackupPlan,
  ImagePullProgress,
  JobDetail,
  JobHistoryEntry,
  JobSummary,
  RestorePlan,
  RestoreSelection,
  RestoreSource,
  SafetyBackup,
  StartBackupOptions,
  StartRestoreOptions,
} from '../../../shared/contract/jobs';
import { startBackupSchema, startRestoreSchema } from '../../../shared/contract/jobs';
import { readManifest } from '../archive/manifest';
import { scanArchive } from '../archive/scanArchive';
import type { CoreServices } from '../core/context';
import { removeUpload, resolveUpload } from '../core/uploads';
import { toAppError } from '../docker/errors';
import { inspectVolume, requireVolume, volumeNotFound } from '../docker/volumes';
import { runBackup } from './backupJob';
import { checkBackupTarget } from './backupTarget';
import { imagePresent, requireRunnableImage, withDefaultTag } from './images';
import { InspectionCache } from './inspectionCache';
import { JobManager, type JobManagerOptions } from './jobManager';
import { checkReadableFile, defaultBackupDir, defaultBackupName, resolveBackupDir } from './paths';
import { buildRestorePlan } from './restorePlan';
import { runRestore, safetyDir } from './restoreJob';
import { chosenRoots, selectionKey } from './selectionPaths';
import { selectionNeedsMerge } from './selectiveRestore';
import { containersUsingVolume } from './volumeContainers';

/**
 * The jobs domain as the contract sees it: checks that answer at once (before a job exists) and the
 * jobs themselves (kept by its JobManager). createCore makes one per core and shuts it down with it:
 * running jobs are cancelled cleanly. Handlers, tests and the CLI all come through here.
 */
export class JobService {
  readonly cache = new InspectionCache();
  readonly manager: JobManager;

  constructor(
    private readonly core: CoreServices,
    opts: JobManagerOptions = {},
  ) {
    this.manager = new JobManager(core, opts);
    core.onShutdown(() => this.manager.dispose());
    void this.manager.init();
  }

  list(): JobSummary[] {
    return this.manager.list();
  }

  get(id: string): Promise<JobDetail> {
    return this.manager.get(id);
  }

  cancel(id: string): JobSummary {
    return this.manager.cancel(id);
  }

  history(): Promise<JobHistoryEntry[]> {
    return this.manager.history.list();
  }

  /** Empties the history; answers the (now empty) list, as the contract's other list-changing calls do. */
  async clearHistory(): Promise<JobHistoryEntry[]> {
    await this.manager.history.clear();
    return [];
  }

  async prepareBackup(volume: string): Promise<BackupPlan> {
    const docker = this.manager.docker();
    await requireVolume(docker, volume);
    const settings = this.core.settings.get();
    const containers = await containersUsingVolume(docker, volume);
    return {
      volume,
      containers,
      defaultDir: settings.backupDir.trim() || defaultBackupDir(),
      defaultFileName: defaultBackupName(volume),
      engine: settings.backupEngine,
      helperImage: settings.helperImage,
      helperImagePresent: await imagePresent(docker, settings.helperImage),
      canChooseFolder: this.core.desktop !== null,
      canShowInFolder: this.core.desktop !== null,
      runningJobId: this.manager.runningJobFor(volume),
      stopFirst: isExasolDbVolume(volume) ? { why: EXASOL_DB_STOP_WHY, containers: containers.map((c) => c.name) } : null,
    };
  }

  /**
   * `how` is for plan runs (not in the contract): `rememberFolder: false` leaves the remembered backup
   * folder alone (the plan's is not the user's latest choice); `createdAt` is the run's time; `notify:
   * false` shows no desktop notification when the job ends (the plan's failure notices do that).
   */
  async startBackup(raw: StartBackupOptions, how: { rememberFolder?: boolean; createdAt?: Date; notify?: boolean } = {}): Promise<JobSummary> {
    const opts = startBackupSchema.parse(raw);
    const docker = this.manager.docker();
    await requireVolume(docker, opts.volume);
    await this.manager.assertFreeEverywhere(opts.volume);
    const settings = this.core.settings.get();
    const dir = await resolveBackupDir(opts.dir, settings.backupDir);
    const fileName = opts.fileName ?? defaultBackupName(opts.volume);
    const file = path.join(dir, fileName);
    await checkBackupTarget(file, opts.overwrite);
    const engine = opts.engine ?? settings.backupEngine;
    if (engine === 'tar') await requireRunnableImage(docker, settings.helperImage);
    if (how.rememberFolder !== false && opts.dir?.trim() && settings.backupDir !== dir && dir !== defaultBackupDir()) {
      const next = await this.core.settings.update({ backupDir: dir });
      this.core.bus.emit('settingsChanged', next);
    }
    return this.manager.launch({ kind: 'backup', volume: opts.volume, file, engine, mode: null, notify: how.notify }, (ctx) =>
      runBackup(ctx, {
        volume: opts.volume,
        file,
        engine,
        stopContainers: opts.stopContainers,
        overwrite: opts.overwrite,
        appVersion: this.core.version,
        createdAt: how.createdAt,
      }),
    );
  }

  /** A dropped or picked archive: a path re-checked here, or a browser-mode upload's stored copy. */
  async resolveSource(source: RestoreSource): Promise<string> {
    if ('uploadId' in source) return resolveUpload(this.core.dataDir, source.uploadId);
    return checkReadableFile(source.archivePath);
  }

  async planRestore(args: {
    source: RestoreSource;
    volume: string | null;
    stripTopFolder?: boolean;
    selection?: RestoreSelection;
    keepScs?: boolean;
  }): Promise<RestorePlan> {
    const archivePath = await this.resolveSource(args.source);
    const key = 'uploadId' in args.source ? args.source.uploadId : args.source.archivePath;
    const settings = this.core.settings.get();
    const planId = `job-plan-${Date.now().toString(36)}`;
    return buildRestorePlan(
      {
        docker: this.manager.docker(),
        cache: this.cache,
        helperImage: settings.helperImage,
        defaultEngine: settings.backupEngine,
        labels: this.manager.labels(planId),
        tracker: this.manager.tracker(),
        onProgress: (bytesDone, bytesTotal) => this.core.bus.emit('restorePlanProgress', { key, bytesDone, bytesTotal }),
      },
      { source: args.source, archivePath, volume: args.volume, stripTopFolder: args.stripTopFolder, selection: args.selection, keepScs: args.keepScs },
    );
  }

  async startRestore(raw: StartRestoreOptions): Promise<JobSummary> {
    const opts = startRestoreSchema.parse(raw);
    if (opts.selection) {
      if (opts.mode !== 'merge') throw selectionNeedsMerge(opts.mode);
      // Bad paths answer at once, before a job exists.
      chosenRoots(opts.selection.only);
      if (opts.selection.into !== undefined) selectionKey(opts.selection.into, 'into');
    }
    const archivePath = await this.resolveSource(opts.source);
    const docker = this.manager.docker();
    await this.manager.assertFreeEverywhere(opts.volume);
    const existing = await inspectVolume(docker, opts.volume);
    if (opts.mode === 'new' && existing) {
      throw new AppError('VOLUME_EXISTS', `A volume named ${opts.volume} already exists.`, {
        hint: 'Restore into it with replace (its contents are backed up first) or merge, or choose another name.',
        details: { volume: opts.volume },
      });
    }
    if (opts.mode !== 'new' && !existing) throw volumeNotFound(opts.volume, 'restore');
    const settings = this.core.settings.get();
    const engine = opts.engine ?? settings.backupEngine;
    // Chosen paths go through tar (either engine), never the Engine's archive API.
    if (engine === 'tar' || opts.mode === 'replace' || opts.selection) await requireRunnableImage(docker, settings.helperImage);
    const manifest = await readManifest(archivePath);
    return this.manager.launch({ kind: 'restore', volume: opts.volume, file: archivePath, engine, mode: opts.mode }, async (ctx) => {
      const result = await runRestore(ctx, {
        archivePath,
        volume: opts.volume,
        mode: opts.mode,
        engine,
        stripTopFolder: opts.stripTopFolder,
        stopContainers: opts.stopContainers,
        keepSetuid: opts.keepSetuid,
        keepScs: opts.keepScs === true,
        selection: opts.selection,
        manifest,
        cache: this.cache,
        appVersion: this.core.version,
      });
      if ('uploadId' in opts.source) {
        // The upload was only a means to this restore; keeping it would fill the disk with copies.
        await removeUpload(this.core.dataDir, opts.source.uploadId).catch(() => undefined);
        return { ...result, archiveRemoved: true };
      }
      return result;
    });
  }

  private async assertKnownFile(file: string): Promise<string> {
    const p = path.resolve(file);
    const known = await this.manager.knownFiles();
    const inSafety = path.dirname(p) === safetyDir(this.core.dataDir);
    if (!known.has(p) && !inSafety && !this.cache.has(p)) {
      throw new AppError('INVALID_ARGUMENT', `${p} is not an archive a job wrote or read.`, { hint: 'Open archives from the job list.' });
    }
    return p;
  }

  async listArchiveEntries(file: string, offset: number, limit: number): Promise<ArchiveListingPage> {
    const p = await this.assertKnownFile(file);
    const entries: ArchiveListingPage['entries'] = [];
    let seen = 0;
    let more = false;
    const stop = new AbortController();
    try {
      await scanArchive(p, {
        signal: stop.signal,
        onEntry: ({ info }) => {
          if (more) return;
          if (seen++ < offset) return;
          if (entries.length >= limit) {
            more = true;
            stop.abort();
            return;
          }
          entries.push({ path: info.path, type: info.type, size: info.size, linkTarget: info.linkTarget });
        },
      });
    } catch (err) {
      if (!more) throw err;
    }
    return { entries, offset, more };
  }

  async showInFolder(file: string): Promise<void> {
    const desktop = this.core.desktop;
    if (!desktop) throw new AppError('INVALID_ARGUMENT', 'Show in folder is available in the desktop app only.');
    const p = await this.assertKnownFile(file);
    desktop.showItemInFolder(p);
  }

  async chooseBackupFolder(defaultPath?: string): Promise<string | null> {
    const desktop = this.core.desktop;
    if (!desktop) throw new AppError('INVALID_ARGUMENT', 'Folder pickers are available in the desktop app only; type the folder instead.');
    return desktop.chooseFolder({ title: 'Choose the backup folder', defaultPath: defaultPath || this.core.settings.get().backupDir || defaultBackupDir() });
  }

  async chooseArchiveFile(): Promise<string | null> {
    const desktop = this.core.desktop;
    if (!desktop) throw new AppError('INVALID_ARGUMENT', 'File pickers are available in the desktop app only; drop the file onto the window instead.');
    return desktop.chooseOpenFile({
      title: 'Choose a backup to restore',
      defaultPath: this.core.settings.get().backupDir || defaultBackupDir(),
      filters: [
        { name: 'Backups (.tgz, .tar.gz, .tar)', extensions: ['tgz', 'gz', 'tar'] },
        { name: 'All files', extensions: ['*'] },
      ],
    });
  }

  async listSafetyBackups(): Promise<SafetyBackup[]> {
    const dir = safetyDir(this.core.dataDir);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return [];
    }
    const out: SafetyBackup[] = [];
    for (const name of names.filter((n) => n.endsWith('.tgz'))) {
      const file = path.join(dir, name);
      const st = await fs.stat(file).catch(() => null);
      if (!st?.isFile()) continue;
      const manifest = await readManifest(file);
      out.push({
        file,
        volume: manifest?.volume ?? name.replace(/-\d{8}-\d{6}\.tgz$/, ''),
        createdAt: st.mtimeMs,
        compressedBytes: st.size,
      });
    }
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  async deleteSafetyBackup(file: string): Promise<SafetyBackup[]> {
    const p = path.resolve(file);
    if (path.dirname(p) !== safetyDir(this.core.dataDir) || !p.endsWith('.tgz')) {
      throw new AppError('INVALID_ARGUMENT', `${p} is not a safety backup.`);
    }
    await fs.rm(p, { force: true });
    await fs.rm(`${p}.json`, { force: true });
    return this.listSafetyBackups();
  }

  /**
   * `docker pull` of the helper image. The pull call resolves when the download starts; the end and
   * any error come through followProgress (errors arrive inside progress objects).
   */
  async pullHelperImage(image?: string): Promise<void> {
    const ref = withDefaultTag(image ?? this.core.settings.get().helperImage);
    const docker = this.manager.docker();
    const emit = (p: Omit<ImagePullProgress, 'image'>) => this.core.bus.emit('imagePullProgress', { image: ref, ...p });
    const fail = (message: string, cause?: unknown) => {
      emit({ status: 'failed', current: null, total: null, done: true, error: message });
      return new AppError('IMAGE_PULL_FAILED', `Could not pull ${ref}: ${message}`, {
        hint: 'Check the internet connection and the image name, or pull it yourself (docker pull).',
        details: { image: ref },
        cause,
      });
    };
    let stream: NodeJS.ReadableStream;
    try {
      stream = await docker.pull(ref);
    } catch (err) {
      const e = toAppError(err);
      if (e.code === 'DOCKER_UNREACHABLE') throw e;
      throw fail(e.message, err);
    }
    await new Promise<void>((resolve, reject) => {
      let failure: string | null = null;
      docker.modem.followProgress(
        stream,
        (err: Error | null) => {
          if (err || failure) reject(fail(failure ?? err?.message ?? 'unknown error', err));
          else {
            emit({ status: 'done', current: null, total: null, done: true, error: null });
            resolve();
          }
        },
        (event: { status?: string; error?: string; errorDetail?: { message?: string }; progressDetail?: { current?: number; total?: number } }) => {
          if (event.error || event.errorDetail?.message) {
            failure = event.errorDetail?.message ?? event.error ?? 'unknown error';
            return;
          }
          emit({
            status: event.status ?? '',
            current: event.progressDetail?.current ?? null,
            total: event.progressDetail?.total ?? null,
            done: false,
            error: null,
          });
        },
      );
    });
  }
}
