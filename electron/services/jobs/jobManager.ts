import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { AppError, type ApiErrorPayload } from '../../../shared/contract/errors';
import type {
  ContainerRef,
  JobDetail,
  JobEngine,
  JobHistoryEntry,
  JobDockerEngine,
  JobKind,
  JobPhase,
  JobProgress,
  JobResult,
  JobSummary,
  RestoreMode,
} from '../../../shared/contract/jobs';
import type { CoreServices } from '../core/context';
import { lockHolder, type FileLock } from '../core/fileLock';
import { isConflict, isNotFound, START_DOCKER_HINT, toAppError } from '../docker/errors';
import type { ContainerTracker } from './helperContainer';
import { JobHistory } from './history';
import type { JobContext } from './jobContext';
import { JobLog, LOG_TAIL_LINES, pruneJobLogs } from './jobLog';
import { removeLeftoverFifoFolders } from './fifoFeed';
import { removeLeftoverHelpers } from './leftovers';
import { createOwner, helperLabels, type Owner } from './owner';
import { ProgressTracker } from './progress';
import { acquireVolumeLock, conflictError, REFRESH_MS, volumeLockFile } from './volumeLock';
import { jobTitle, JOB_NOUN, resultCounts } from '../../../shared/jobKinds';
import { StoppedLedger } from './stoppedLedger';
import { startContainers } from './volumeContainers';

export interface JobManagerOptions {
  progressIntervalMs?: number;
  stallMs?: number;
  /** How often helper containers that could not be removed (Docker away) are tried again. */
  retryRemovalMs?: number;
}

interface Runtime {
  summary: JobSummary;
  abort: AbortController;
  /** The volume's lock in the data folder, seen by the other processes (volumeLock.ts). */
  fileLock: FileLock;
  log: JobLog;
  progress: ProgressTracker;
  containers: Set<string>;
  done: Promise<void>;
  notify: boolean;
  /** Every volume the job holds (its own first). */
  volumes: string[];
}

export interface LaunchSpec {
  kind: JobKind;
  volume: string;
  file: string;
  engine: JobEngine;
  mode: RestoreMode | null;
  /** clone/rename: the new volume; export/import: the image; transfer: `<context>:<volume>` (JobSummary.target). */
  target?: string | null;
  /**
   * Further volumes the job writes or must keep still (a clone's or rename's new name): locked like
   * `volume`, in this process and in the data folder, so no other job touches them meanwhile.
   */
  alsoLocks?: string[];
  /** False: no desktop notification when it ends (plan runs: the app tells a failing plan once). Default true. */
  notify?: boolean;
}

const KEEP_FINISHED = 50;

function newJobId(): string {
  return `job-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

const NOUN = JOB_NOUN;

/**
 * Owns every backup and restore job of this process: one job per volume, cancel that really stops,
 * progress and log events, the on-disk log and history, the helper containers and the containers a
 * job stopped. Jobs live here, not in a window, so a reloaded renderer re-attaches with getJob.
 */
export class JobManager {
  private readonly jobs = new Map<string, Runtime>();
  private readonly locks = new Map<string, string>();
  readonly history: JobHistory;
  private readonly ledger: StoppedLedger;
  private readonly owner: Owner;
  private readonly pendingRemoval = new Set<string>();
  private retryTimer: NodeJS.Timeout | null = null;
  private initPromise: Promise<void> | null = null;
  private disposed = false;
  private readonly offStatus: () => void;

  constructor(
    readonly core: CoreServices,
    private readonly opts: JobManagerOptions = {},
  ) {
    this.history = new JobHistory(path.join(this.jobsDir, 'history.json'));
    this.ledger = new StoppedLedger(path.join(this.jobsDir, 'stopped.json'));
    this.owner = createOwner();
    // Docker coming back is the moment to remove what could not be removed while it was away.
    this.offStatus = core.docker.onStatus((s) => {
      if (s.state === 'connected') {
        void this.retryRemovals();
        void this.init();
      }
    });
  }

  get jobsDir(): string {
    return path.join(this.core.dataDir, 'jobs');
  }

  get ownerId(): string {
    return this.owner.id;
  }

  docker(): Dockerode {
    return this.core.docker.client();
  }

  /** The engine jobs run on now, as the job records it (the connection's endpoint). */
  engineNow(): JobDockerEngine | null {
    const e = this.core.docker.status().endpoint;
    return e ? { context: e.context, url: e.url } : null;
  }

  /** Jobs running now (a switch of engine waits for them). */
  running(): JobSummary[] {
    return [...this.jobs.values()].filter((r) => r.summary.status === 'running').map((r) => this.snapshot(r));
  }

  /**
   * Crash cleanup: helper containers and FIFO folders of dead owners are removed, containers a dead
   * job stopped are started again. Runs once, in the background; a Docker that is away is tried again later.
   */
  init(): Promise<void> {
    if (!this.initPromise) {
      this.initPromise = this.cleanupAfterCrash().then(
        () => undefined,
        () => {
          // Docker is away: try again when it is back (or on the next call).
          this.initPromise = null;
        },
      );
    }
    return this.initPromise;
  }

  /** Logs of jobs the history no longer lists go (history.ts keeps the last 200). */
  async pruneLogs(): Promise<number> {
    const keep = new Set((await this.history.list()).map((h) => h.id));
    for (const id of this.jobs.keys()) keep.add(id);
    return pruneJobLogs(this.jobsDir, keep);
  }

  async cleanupAfterCrash(): Promise<{ removed: string[]; restarted: string[] }> {
    await this.pruneLogs();
    const docker = this.docker();
    const removed = await removeLeftoverHelpers(docker);
    await removeLeftoverFifoFolders();
    const restarted = await this.ledger.recover(docker);
    return { removed, restarted };
  }

  list(): JobSummary[] {
    return [...this.jobs.values()].map((r) => this.snapshot(r)).sort((a, b) => b.startedAt - a.startedAt);
  }

  runningJobFor(volume: string): string | null {
    return this.locks.get(volume) ?? null;
  }

  async get(id: string): Promise<JobDetail> {
    const r = this.jobs.get(id);
    if (r) return { ...this.snapshot(r), ...r.log.snapshot(), logFile: r.log.file };
    const past = (await this.history.list()).find((h) => h.id === id);
    if (!past) throw new AppError('JOB_NOT_FOUND', `There is no job ${id}.`, { hint: 'It may be older than the history keeps.' });
    const logFile = path.join(this.jobsDir, `${id}.log`);
    const tail = await readTail(logFile, LOG_TAIL_LINES);
    return { ...summaryFromHistory(past), log: tail.lines, logFrom: tail.from, logFile };
  }

  cancel(id: string): JobSummary {
    const r = this.jobs.get(id);
    if (!r) throw new AppError('JOB_NOT_FOUND', `There is no running job ${id}.`);
    if (r.summary.status === 'running' && !r.abort.signal.aborted) {
      r.log.line('Cancel requested: stopping…');
      r.abort.abort();
    }
    return this.snapshot(r);
  }

  /** Resolves when the job has finished (cleanup included). */
  async wait(id: string): Promise<JobSummary> {
    const r = this.jobs.get(id);
    if (!r) throw new AppError('JOB_NOT_FOUND', `There is no job ${id}.`);
    await r.done;
    return this.snapshot(r);
  }

  /** Files jobs of this session and the history know; the only ones List contents / Show in folder open. */
  async knownFiles(): Promise<Set<string>> {
    const files = new Set<string>();
    for (const r of this.jobs.values()) {
      files.add(r.summary.file);
      const result = r.summary.result;
      if (result && 'safetyBackup' in result && result.safetyBackup) files.add(result.safetyBackup);
    }
    for (const h of await this.history.list()) {
      files.add(h.file);
      if (h.safetyBackup) files.add(h.safetyBackup);
    }
    return files;
  }

  /** A tracker for helper containers made outside a job (planning a restore). */
  tracker(onAdd?: (id: string) => void): ContainerTracker {
    return {
      add: (id) => onAdd?.(id),
      remove: (id) => this.removeContainer(id),
    };
  }

  labels(jobId: string): Record<string, string> {
    return helperLabels(jobId, this.owner.id);
  }

  /** Refuses a second job on a volume, saying which job holds it. */
  assertFree(volume: string): void {
    const holder = this.locks.get(volume);
    if (!holder) return;
    const r = this.jobs.get(holder);
    const what = r
      ? `A ${NOUN[r.summary.kind]} of ${volume} is already running (started ${new Date(r.summary.startedAt).toLocaleTimeString()})`
      : `A job on ${volume} is already running`;
    throw new AppError('JOB_CONFLICT', `${what}; only one job per volume runs at a time.`, {
      hint: 'Wait for it to finish, or cancel it.',
      details: { jobId: holder, volume },
    });
  }

  /**
   * assertFree, and no other process on this data folder runs a job on the volume (volumeLock.ts). A
   * cheap early answer: launch() takes the lock itself, which is what really decides.
   */
  async assertFreeEverywhere(volume: string): Promise<void> {
    this.assertFree(volume);
    const file = volumeLockFile(this.core.dataDir, volume);
    const holder = await lockHolder(file).catch(() => null);
    if (holder !== null) throw conflictError(volume, holder === 'unknown' ? null : holder, file);
  }

  /**
   * Starts a job and returns once its locks are taken (this process's, and the volume's lock file that
   * the other processes see). `body` does the work with a JobContext; everything around it
   * (locks, events, log, history, cancel, restarting stopped containers, removing helpers) is here.
   */
  async launch(spec: LaunchSpec, body: (ctx: JobContext) => Promise<JobResult>): Promise<JobSummary> {
    if (this.disposed) throw new AppError('INTERNAL', 'The app is shutting down.');
    const volumes = [spec.volume, ...(spec.alsoLocks ?? []).filter((v) => v !== spec.volume)];
    for (const v of volumes) this.assertFree(v);
    const id = newJobId();
    // Held here at once, so a second call in this process is refused while the file lock is taken.
    for (const v of volumes) this.locks.set(v, id);
    const fileLocks: FileLock[] = [];
    try {
      // Other processes on this data folder (the app, a server, `ailab`): one job per volume among them too.
      for (const v of volumes) {
        fileLocks.push(
          await acquireVolumeLock(this.core.dataDir, v, {
            kind: spec.kind,
            jobId: id,
            role: this.core.role ?? (this.core.mode === 'electron' ? 'app' : 'server'),
          }),
        );
      }
    } catch (err) {
      for (const l of fileLocks) await l.release().catch(() => undefined);
      for (const v of volumes) this.locks.delete(v);
      throw err;
    }
    const fileLock = combinedLock(fileLocks);
    const startedAt = Date.now();
    const abort = new AbortController();
    const log = new JobLog(path.join(this.jobsDir, `${id}.log`), (from, lines) => this.core.bus.emit('jobLog', [{ jobId: id, from, lines }]));
    const progress = new ProgressTracker(id, (p) => this.onProgress(id, p), {
      intervalMs: this.opts.progressIntervalMs,
      stallMs: this.opts.stallMs,
    });
    const runtime: Runtime = {
      summary: {
        id,
        kind: spec.kind,
        engine: spec.engine,
        volume: spec.volume,
        file: spec.file,
        fileName: path.basename(spec.file),
        mode: spec.mode,
        target: spec.target ?? null,
        dockerEngine: this.engineNow(),
        status: 'running',
        startedAt,
        finishedAt: null,
        progress: progress.snapshot(),
        stoppedContainers: [],
        warnings: [],
        error: null,
        result: null,
      },
      abort,
      fileLock,
      log,
      progress,
      containers: new Set(),
      done: Promise.resolve(),
      notify: spec.notify !== false,
      volumes,
    };
    this.jobs.set(id, runtime);
    this.trimFinished();

    const ctx = this.contextFor(runtime);
    log.line(
      `${jobTitle(spec)}: job ${id} started ${new Date(startedAt).toISOString()}${runtime.summary.dockerEngine ? ` on ${engineWords(runtime.summary.dockerEngine)}` : ''}.`,
    );
    this.core.bus.emit('jobStarted', this.snapshot(runtime));
    runtime.done = this.run(runtime, ctx, body);
    return this.snapshot(runtime);
  }

  private contextFor(r: Runtime): JobContext {
    const id = r.summary.id;
    return {
      id,
      docker: this.docker(),
      signal: r.abort.signal,
      labels: this.labels(id),
      tracker: {
        add: (cid) => r.containers.add(cid),
        remove: async (cid) => {
          await this.removeContainer(cid);
          r.containers.delete(cid);
        },
      },
      progress: r.progress,
      dataDir: this.core.dataDir,
      helperImage: this.core.settings.get().helperImage,
      log: (line) => r.log.line(line),
      warn: (message) => {
        r.summary.warnings.push(message);
        r.log.line(`Warning: ${message}`);
      },
      phase: (phase, totals, opts) => {
        r.progress.setPhase(phase, totals, opts);
      },
      stopped: (ref: ContainerRef) => {
        r.summary.stoppedContainers.push(ref);
        void this.ledger.add(this.owner.id, id, ref).catch(() => undefined);
      },
      throwIfCancelled: () => {
        if (r.abort.signal.aborted) throw new AppError('CANCELLED', 'Cancelled.');
      },
    };
  }

  private async run(r: Runtime, ctx: JobContext, body: (ctx: JobContext) => Promise<JobResult>): Promise<void> {
    let finalPhase: 'done' | 'failed' | 'cancelled' = 'done';
    // A long job keeps its lock fresh, so the other processes never take it for abandoned.
    const keepFresh = setInterval(() => {
      void r.fileLock.refresh().then(
        (held) => {
          if (!held) r.log.line(`Warning: the lock ${r.fileLock.file} was taken by another process.`);
        },
        () => undefined,
      );
    }, REFRESH_MS);
    keepFresh.unref();
    try {
      r.summary.result = await body(ctx);
      r.summary.status = 'succeeded';
    } catch (err) {
      const e = await this.explain(err, r);
      r.summary.error = e.toPayload();
      r.summary.status = e.code === 'CANCELLED' ? 'cancelled' : 'failed';
      finalPhase = e.code === 'CANCELLED' ? 'cancelled' : 'failed';
      r.log.line(`${e.code === 'CANCELLED' ? 'Cancelled' : 'Failed'}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`);
    }
    try {
      await this.afterJob(r, ctx);
    } finally {
      r.summary.finishedAt = Date.now();
      const result = r.summary.result;
      if (finalPhase === 'done' && result) {
        const counts = resultCounts(result);
        r.progress.complete(counts.entries, counts.totalBytes);
      }
      r.summary.progress = r.progress.finish(finalPhase);
      r.log.line(`Finished: ${r.summary.status} after ${((r.summary.finishedAt - r.summary.startedAt) / 1000).toFixed(1)} s.`);
      clearInterval(keepFresh);
      await r.log.close().catch(() => undefined);
      // Released after the cleanup above: the next job on the volume finds its containers back and no helper left.
      await r.fileLock.release().catch(() => undefined);
      for (const v of r.volumes) this.locks.delete(v);
      const summary = this.snapshot(r);
      await this.history.add(historyEntry(summary)).catch(() => undefined);
      await this.pruneLogs();
      this.core.bus.emit('jobFinished', summary);
      if (r.notify) this.notifyDesktop(summary);
      else this.updateDesktopProgress();
    }
  }

  /** Start what we stopped, remove what we created: also after a failure or a cancel. */
  private async afterJob(r: Runtime, ctx: JobContext): Promise<void> {
    if (r.summary.stoppedContainers.length > 0) {
      r.progress.setPhase('restarting-containers');
      const failed = await startContainers(ctx.docker, r.summary.stoppedContainers, ctx.log);
      if (failed.length > 0) {
        ctx.warn(`Could not start ${failed.join(', ')} again; start ${failed.length === 1 ? 'it' : 'them'} yourself (docker start).`);
      } else {
        await this.ledger.clear(r.summary.id).catch(() => undefined);
      }
    }
    for (const cid of [...r.containers]) await this.removeContainer(cid);
    r.containers.clear();
  }

  private async explain(err: unknown, r: Runtime): Promise<AppError> {
    const what = NOUN[r.summary.kind];
    if (r.abort.signal.aborted) {
      const tail = r.summary.kind === 'backup' ? ' No file was written.' : '';
      return new AppError('CANCELLED', `The ${what} was cancelled.${tail}`);
    }
    let e = toAppError(err);
    if (e.code === 'INTERNAL' || e.code === 'DOCKER_ERROR' || e.code === 'DOCKER_UNREACHABLE') {
      if (!(await this.dockerAnswers())) {
        const tail = r.summary.kind === 'backup' ? ' No partial file was left.' : '';
        e = new AppError('DOCKER_UNREACHABLE', `Lost the connection to Docker during the ${what}.${tail}`, {
          hint: `${START_DOCKER_HINT} Then run the ${what} again.`,
          cause: err,
        });
      }
    }
    return e;
  }

  private async dockerAnswers(): Promise<boolean> {
    try {
      await Promise.race([this.docker().ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000).unref())]);
      return true;
    } catch {
      return false;
    }
  }

  private async removeContainer(id: string): Promise<void> {
    try {
      await this.docker().getContainer(id).remove({ force: true, v: true });
      this.pendingRemoval.delete(id);
    } catch (err) {
      // 404: gone already. 409: removal already in progress (the engine finishes it).
      if (isNotFound(err) || isConflict(err)) {
        this.pendingRemoval.delete(id);
        return;
      }
      this.pendingRemoval.add(id);
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.disposed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.retryRemovals();
    }, this.opts.retryRemovalMs ?? 5000);
    this.retryTimer.unref();
  }

  async retryRemovals(): Promise<void> {
    for (const id of [...this.pendingRemoval]) await this.removeContainer(id);
  }

  /** Helper containers this manager still has to remove (Docker was away). */
  pendingRemovals(): string[] {
    return [...this.pendingRemoval];
  }

  private onProgress(id: string, p: JobProgress): void {
    const r = this.jobs.get(id);
    if (r) r.summary.progress = p;
    this.core.bus.emit('jobProgress', [p]);
    this.updateDesktopProgress();
  }

  private updateDesktopProgress(): void {
    const desktop = this.core.desktop;
    if (!desktop) return;
    const running = [...this.jobs.values()].filter((r) => r.summary.status === 'running');
    if (running.length === 0) {
      desktop.setProgress(null);
      return;
    }
    const fractions = running.map((r) => (r.summary.progress.percent ?? 0) / 100);
    desktop.setProgress(fractions.reduce((a, b) => a + b, 0) / fractions.length);
  }

  private notifyDesktop(s: JobSummary): void {
    this.updateDesktopProgress();
    const desktop = this.core.desktop;
    if (!desktop) return;
    const what = jobTitle(s);
    const body = s.status === 'succeeded' ? s.fileName || (s.target ?? '') : (s.error?.message ?? s.status);
    desktop.notify(`${what} ${s.status === 'succeeded' ? 'finished' : s.status}`, body);
  }

  private snapshot(r: Runtime): JobSummary {
    return {
      ...r.summary,
      progress: r.summary.status === 'running' ? r.progress.snapshot() : r.summary.progress,
      stoppedContainers: [...r.summary.stoppedContainers],
      warnings: [...r.summary.warnings],
    };
  }

  private trimFinished(): void {
    const finished = [...this.jobs.values()].filter((r) => r.summary.status !== 'running').sort((a, b) => a.summary.startedAt - b.summary.startedAt);
    while (finished.length > KEEP_FINISHED) {
      const old = finished.shift();
      if (old) this.jobs.delete(old.summary.id);
    }
  }

  /** Cancels running jobs and waits for their cleanup (containers restarted, partial files removed). */
  async dispose(timeoutMs = 60_000): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.offStatus();
    const running = [...this.jobs.values()].filter((r) => r.summary.status === 'running');
    for (const r of running) r.abort.abort();
    await Promise.race([Promise.all(running.map((r) => r.done)), new Promise((res) => setTimeout(res, timeoutMs).unref())]);
    await this.retryRemovals();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.owner.release();
  }
}

/** Several volumes' locks as one: refreshed and released together (the first one's file named in warnings). */
function combinedLock(locks: FileLock[]): FileLock {
  const [first] = locks;
  if (!first) throw new AppError('INTERNAL', 'A job without a volume lock.');
  if (locks.length === 1) return first;
  return {
    file: first.file,
    token: first.token,
    refresh: async () => (await Promise.all(locks.map((l) => l.refresh()))).every(Boolean),
    release: async () => {
      for (const l of locks) await l.release().catch(() => undefined);
    },
  };
}

function engineWords(e: JobDockerEngine): string {
  return e.context ? `${e.context} (${e.url})` : e.url;
}

function historyEntry(s: JobSummary): JobHistoryEntry {
  const r = s.result;
  return {
    id: s.id,
    kind: s.kind,
    engine: s.engine,
    volume: s.volume,
    file: s.file,
    mode: s.mode,
    target: s.target,
    dockerEngine: s.dockerEngine,
    status: s.status === 'running' ? 'failed' : s.status,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt ?? Date.now(),
    durationMs: (s.finishedAt ?? Date.now()) - s.startedAt,
    entries: r ? resultCounts(r).entries : null,
    totalBytes: r ? resultCounts(r).totalBytes : null,
    compressedBytes: r && (r.kind === 'backup' || r.kind === 'restore') ? r.compressedBytes : null,
    sha256: r && (r.kind === 'backup' || r.kind === 'restore') ? r.sha256 : null,
    safetyBackup: r && 'safetyBackup' in r ? r.safetyBackup : null,
    error: s.error ? { code: s.error.code, message: s.error.message } : null,
  };
}

function summaryFromHistory(h: JobHistoryEntry): JobSummary {
  const phase: JobPhase = h.status === 'succeeded' ? 'done' : h.status;
  return {
    id: h.id,
    kind: h.kind,
    engine: h.engine,
    volume: h.volume,
    file: h.file,
    fileName: path.basename(h.file),
    mode: h.mode,
    target: h.target ?? null,
    dockerEngine: h.dockerEngine ?? null,
    status: h.status,
    startedAt: h.startedAt,
    finishedAt: h.finishedAt,
    progress: {
      jobId: h.id,
      phase,
      filesDone: h.entries ?? 0,
      filesTotal: h.entries,
      bytesDone: h.totalBytes ?? 0,
      bytesTotal: h.totalBytes,
      currentFile: null,
      throughput: 0,
      etaSeconds: null,
      stalled: false,
      elapsedMs: h.durationMs,
      percent: h.status === 'succeeded' ? 100 : null,
    },
    stoppedContainers: [],
    warnings: [],
    error: h.error ? ({ code: h.error.code, message: h.error.message } as ApiErrorPayload) : null,
    result: null,
  };
}

/** The last `n` lines of a log file without reading all of it. */
async function readTail(file: string, n: number): Promise<{ lines: string[]; from: number }> {
  try {
    const handle = await fs.open(file, 'r');
    try {
      const { size } = await handle.stat();
      const len = Math.min(size, 1024 * 1024);
      const buf = Buffer.alloc(len);
      await handle.read(buf, 0, len, size - len);
      const lines = buf.toString('utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      if (len < size) lines.shift();
      const tail = lines.slice(-n);
      // Line numbers are exact only when the whole file was read; -1 says "earlier lines exist".
      return { lines: tail, from: len === size ? lines.length - tail.length : -1 };
    } finally {
      await handle.close();
    }
  } catch {
    return { lines: [], from: 0 };
  }
}
