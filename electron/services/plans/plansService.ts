import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import { formatBytes } from '../../../shared/format';
import type { JobSummary, StartBackupOptions } from '../../../shared/contract/jobs';
import type { EventName, PayloadOf } from '../../../shared/contract';
import {
  planSchema,
  type Plan,
  type PlanCopy,
  type PlanList,
  type PlanRun,
  type PlanRunOutcome,
  type PlanStatus,
  type SftpHostCheck,
  type SftpTarget,
} from '../../../shared/contract/plans';
import { sftpUrl } from '../../../shared/sftpTarget';
import type { BackupsService } from '../backups/backupsService';
import { freeBackupName } from '../backups/catalogue';
import { policyIsEmpty } from '../backups/retention';
import { pruneRemote } from '../offsite/remoteRetention';
import { openSftp, probeHostKey, trustHostKey, type OffsiteConfig } from '../offsite/sftpSession';
import { checkSftpTarget, uploadBackup, type UploadOptions } from '../offsite/sftpUpload';
import { PlanStore, type RunRecord } from './planStore';
import { planHealth, planTiming } from './schedule';
import { acquireSchedulerLock, type SchedulerLock } from './schedulerLock';

/** Time as the scheduler sees it; tests pass a fake that jumps. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** What a plan run needs of the jobs domain: the backup job the UI and the CLI start, and its end. */
export interface PlanJobs {
  /** `createdAt`: the run's time, for the sidecar (so retention counts days by the scheduler's clock). */
  startBackup(opts: StartBackupOptions, createdAt: Date): Promise<JobSummary>;
  wait(jobId: string): Promise<JobSummary>;
  /** Cancels a running job (the scheduler stopping mid-run): the job removes what it wrote. */
  cancel?(jobId: string): void;
}

export interface PlansServiceDeps {
  dataDir: string;
  backups: BackupsService;
  jobs: PlanJobs;
  clock?: Clock;
  /** Bytes free for us in `dir`, or null when unknown (default: statfs). */
  freeBytes?: (dir: string) => Promise<number | null>;
  /** Where plansChanged and planRunFinished go (the core's event bus); none in the CLI's one-shot commands. */
  events?: { emit<E extends EventName>(name: E, payload: PayloadOf<E>): void };
  /** SFTP copies: known_hosts files, the agent, and (tests) the retry timing. */
  offsite?: { config: OffsiteConfig; upload?: UploadOptions; utc?: boolean };
  /** The Docker engine in use now (its context and address); absent or null: not told, plans run anywhere. */
  engineNow?: () => { context: string | null; url: string } | null;
}

/** Why a plan saved on one engine does not run on another, or null when it may run. */
export function engineMismatch(plan: Plan, now: { context: string | null; url: string } | null): string | null {
  const mine = plan.dockerEngine;
  if (!mine || !now || mine.url === now.url) return null;
  const name = (e: { context: string | null; url: string }) => (e.context ? `${e.context} (${e.url})` : e.url);
  return (
    `Not run: the plan backs up ${plan.volume} on the engine ${name(mine)}, and the app is on ${name(now)} now. ` +
    `Switch the Engine back to run it, or save the plan again to back up this engine's ${plan.volume} instead.`
  );
}

async function statfsFree(dir: string): Promise<number | null> {
  try {
    const st = await fs.statfs(dir);
    return st.bavail * st.bsize;
  } catch {
    return null;
  }
}

/** What the scheduler tells its caller as it goes (the CLI prints these). */
export type SchedulerEvent =
  | { event: 'started'; at: number; plans: number; lockFile: string }
  | { event: 'problem'; at: number; message: string }
  | { event: 'run-started'; at: number; volume: string; file: string }
  /** firstFailure: the run that began a failure (no failed run since the last success): the one worth telling about. */
  | { event: 'run-finished'; at: number; volume: string; run: PlanRun; decisions: number; firstFailure: boolean }
  | { event: 'clock-moved-back'; at: number; volume: string; recordedAt: number }
  | { event: 'lock-lost'; at: number; lockFile: string }
  | { event: 'idle'; at: number; nextRunAt: number | null };

/** The scheduler wakes at least this often: to pick up edited plans, refresh its lock, notice clock jumps. */
const MAX_SLEEP_MS = 60_000;

/**
 * Backup plans: the plans file, and the scheduler that runs them when due. One scheduler per data folder
 * (schedulerLock.ts); runs go one at a time, through the same backup job as "Back up" (so a manual job
 * on the same volume makes the run wait for its retry, recorded as skipped), then retention over the
 * plan's folder when the backup succeeded.
 */
export class PlansService {
  readonly store: PlanStore;
  private readonly clock: Clock;
  private readonly reported = new Set<string>();
  private readonly listeners = new Set<(e: SchedulerEvent) => void>();
  /** Volumes whose plan is running now, by the scheduler or "Back up now": never two runs of one plan. */
  private readonly running = new Set<string>();

  constructor(private readonly deps: PlansServiceDeps) {
    this.store = new PlanStore(deps.dataDir);
    this.clock = deps.clock ?? systemClock;
  }

  async list(): Promise<PlanList> {
    const { plans, problems } = await this.store.load();
    const runs = await this.store.runs();
    const now = this.clock.now();
    return { file: this.store.file, plans: plans.map((p) => this.status(p, runs[p.volume], now)), problems };
  }

  private status(plan: Plan, record: RunRecord | undefined, now: number): PlanStatus {
    const timing = planTiming(plan.schedule, record ? { at: record.last.startedAt, status: record.last.status } : null, now);
    const health = planHealth(plan.schedule, record?.last ?? null, record?.lastSuccessAt ?? null, now);
    return { plan, health, last: record?.last ?? null, lastSuccessAt: record?.lastSuccessAt ?? null, ...timing, running: this.running.has(plan.volume) };
  }

  /** Tells the pages (and the tray) the plans as they are now; a failure to read them is left to the next list. */
  private async announce(): Promise<void> {
    const events = this.deps.events;
    if (!events) return;
    const list = await this.list().catch(() => null);
    if (list) events.emit('plansChanged', list);
  }

  async set(raw: Plan): Promise<PlanList> {
    // The engine in use when it is saved is the one it backs up (see engineMismatch).
    const plan = { ...planSchema.parse(raw), dockerEngine: this.deps.engineNow?.() ?? null };
    const st = await fs.stat(plan.dir).catch(() => null);
    if (!st)
      throw new AppError('FILE_NOT_FOUND', `The folder ${plan.dir} does not exist.`, {
        hint: 'Create it first: a plan never creates folders, so a typo cannot fill a wrong disk.',
        details: { path: plan.dir },
      });
    if (!st.isDirectory())
      throw new AppError('INVALID_ARGUMENT', `${plan.dir} is not a folder.`, { hint: 'Give the folder the backups go to.', details: { path: plan.dir } });
    if (plan.sftp?.keyFile) {
      const key = await fs.stat(plan.sftp.keyFile).catch(() => null);
      if (!key?.isFile())
        throw new AppError('FILE_NOT_FOUND', `The SSH key file ${plan.sftp.keyFile} does not exist.`, {
          hint: 'Give the private key with --sftp-key FILE, or leave it out to use the SSH agent.',
          details: { path: plan.sftp.keyFile },
        });
    }
    // Now rather than at the first run: the login, the folder, and that a file can be written there.
    if (plan.sftp) await checkSftpTarget(plan.sftp, this.offsiteConfig());
    await this.store.set(plan);
    void this.announce();
    return this.list();
  }

  async remove(volume: string): Promise<PlanList> {
    if (!(await this.store.remove(volume))) {
      throw new AppError('FILE_NOT_FOUND', `${volume} has no plan.`, { hint: 'List the plans with `ailab plans`.', details: { volume } });
    }
    void this.announce();
    return this.list();
  }

  /**
   * Every run's start and end, whoever started it (the scheduler, runNow): for the desktop app's tray
   * and notifications. Returns the unsubscribe function.
   */
  onRun(listener: (e: SchedulerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * "Back up now": the volume's plan, run at once through runPlan (the scheduler's path), whatever its
   * schedule says. The run counts as the plan's last attempt, so the next scheduled one follows from it.
   */
  async runNow(volume: string): Promise<PlanRunOutcome> {
    const { plans } = await this.store.load();
    const plan = plans.find((p) => p.volume === volume);
    if (!plan)
      throw new AppError('FILE_NOT_FOUND', `${volume} has no plan.`, { hint: 'Set a plan first (Protect…, or `ailab plans set`).', details: { volume } });
    if (this.running.has(volume))
      throw new AppError('JOB_CONFLICT', `The plan of ${volume} is running now.`, {
        hint: 'Wait for it to finish; its result shows on the volume.',
        details: { volume },
      });
    const run = await this.runPlan(plan);
    return { run, plans: await this.list() };
  }

  /**
   * Runs one plan now: backup, then (only when it succeeded) retention. The outcome is the record; it
   * throws only JOB_CONFLICT, when that plan is running already. `signal` (the scheduler stopping)
   * cancels a running backup; the run is then `skipped`.
   */
  async runPlan(plan: Plan, emitTo: (e: SchedulerEvent) => void = () => undefined, signal?: AbortSignal): Promise<PlanRun> {
    if (this.running.has(plan.volume)) throw new AppError('JOB_CONFLICT', `The plan of ${plan.volume} is running now.`, { details: { volume: plan.volume } });
    this.running.add(plan.volume);
    try {
      void this.announce();
      return await this.runPlanOnce(plan, emitTo, signal);
    } finally {
      this.running.delete(plan.volume);
      void this.announce();
    }
  }

  private async runPlanOnce(plan: Plan, emitTo: (e: SchedulerEvent) => void, signal?: AbortSignal): Promise<PlanRun> {
    const emit = (e: SchedulerEvent) => {
      emitTo(e);
      for (const listener of this.listeners) {
        try {
          listener(e);
        } catch {
          // A listener's failure is not the run's.
        }
      }
    };
    const startedAt = this.clock.now();
    const fileName = await freeBackupName(plan.dir, plan.volume, new Date(startedAt));
    const finish = async (run: Omit<PlanRun, 'startedAt' | 'finishedAt'>, decisions = 0): Promise<PlanRun> => {
      const done: PlanRun = { startedAt, finishedAt: this.clock.now(), ...run };
      // Once per failure: runs that fail again before a success (a retry, the next slot, after a restart:
      // plan-runs.json remembers) belong to the failure the first of them began.
      const { failureBegins: firstFailure } = await this.store.recordRun(plan.volume, done);
      emit({ event: 'run-finished', at: done.finishedAt, volume: plan.volume, run: done, decisions, firstFailure });
      this.deps.events?.emit('planRunFinished', { volume: plan.volume, run: done, firstFailure });
      return done;
    };
    let job: JobSummary;
    try {
      emit({ event: 'run-started', at: startedAt, volume: plan.volume, file: `${plan.dir}/${fileName}` });
      const elsewhere = engineMismatch(plan, this.deps.engineNow?.() ?? null);
      if (elsewhere) return finish({ status: 'failed', message: elsewhere, file: null, jobId: null, deleted: [] });
      const short = await this.spaceShortfall(plan);
      if (short) return finish({ status: 'failed', message: short, file: null, jobId: null, deleted: [] });
      job = await this.deps.jobs.startBackup(
        { volume: plan.volume, dir: plan.dir, fileName, engine: plan.engine ?? undefined, stopContainers: plan.stopContainers, overwrite: false },
        new Date(startedAt),
      );
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('INTERNAL', (err as Error).message);
      if (e.code === 'JOB_CONFLICT') return finish({ status: 'skipped', message: `Skipped: ${e.message}`, file: null, jobId: null, deleted: [] });
      return finish({ status: 'failed', message: e.message, file: null, jobId: null, deleted: [] });
    }
    const cancel = () => {
      try {
        this.deps.jobs.cancel?.(job.id);
      } catch {
        // Ended meanwhile.
      }
    };
    const waiting = this.deps.jobs.wait(job.id);
    signal?.addEventListener('abort', cancel, { once: true });
    if (signal?.aborted) cancel();
    const end = await waiting.finally(() => signal?.removeEventListener('abort', cancel));
    if (end.status === 'cancelled' && signal?.aborted) {
      return finish({
        status: 'skipped',
        message:
          'Skipped: the scheduler stopped (the app quit) during the backup, which was cancelled; no file was written. It runs again when the scheduler next starts.',
        file: null,
        jobId: job.id,
        deleted: [],
      });
    }
    if (end.status !== 'succeeded' || end.result?.kind !== 'backup') {
      // A failed run deletes nothing: the backups already there may be all that is left.
      return finish({
        status: 'failed',
        message: `${end.error?.message ?? `The backup ended ${end.status}.`} Nothing was deleted.`,
        file: null,
        jobId: job.id,
        deleted: [],
      });
    }
    const file = end.result.file;
    let local: { message: string; deleted: string[]; decisions: number };
    if (policyIsEmpty(plan.retention)) local = { message: `Backed up to ${file}.`, deleted: [], decisions: 0 };
    else {
      try {
        const pruned = await this.deps.backups.prune({ dir: plan.dir, volume: plan.volume, policy: plan.retention });
        const failures = pruned.failures.map((f) => ` ${f.file} was not deleted: ${f.message}.`).join('');
        local = {
          message: `Backed up to ${file}; retention deleted ${pruned.deleted.length}.${failures}`,
          deleted: pruned.deleted,
          decisions: pruned.decisions.length,
        };
      } catch (err) {
        local = { message: `Backed up to ${file}; retention failed: ${(err as Error).message}`, deleted: [], decisions: 0 };
      }
    }
    if (!plan.sftp) return finish({ status: 'succeeded', message: local.message, file, jobId: job.id, deleted: local.deleted }, local.decisions);
    const copy = await this.copyOff(plan, plan.sftp, file);
    return finish(
      {
        status: copy.status,
        message:
          copy.status === 'succeeded'
            ? `${local.message} ${copy.message}`
            : `${copy.message} ${local.message.replace(/^Backed up/, 'The local backup is kept: backed up')}`,
        file,
        jobId: job.id,
        deleted: local.deleted,
        copy,
      },
      local.decisions,
    );
  }

  private offsiteConfig(): OffsiteConfig {
    const config = this.deps.offsite?.config;
    if (!config) throw new AppError('INTERNAL', 'SFTP copies are not set up in this process.');
    return config;
  }

  /**
   * The run's copy off the machine: upload (retried on a dropped connection), then, only when it got
   * there, the plan's retention in the SFTP folder. Never throws.
   */
  private async copyOff(plan: Plan, target: SftpTarget, file: string): Promise<PlanCopy> {
    let attempts = 1;
    try {
      const config = this.offsiteConfig();
      const up = await uploadBackup(target, config, file, plan.volume, {
        ...this.deps.offsite?.upload,
        onRetry: (n, err, wait) => {
          attempts = n + 1;
          this.deps.offsite?.upload?.onRetry?.(n, err, wait);
        },
      });
      attempts = up.attempts;
      const remoteFile = sftpUrl(target, path.posix.basename(up.remoteFile));
      const dropped =
        up.attempts > 1
          ? ` (${up.attempts} connections; the connection dropped and the upload ${up.resumedFrom > 0 ? `resumed at ${formatBytes(up.resumedFrom)}` : 'restarted'})`
          : '';
      if (policyIsEmpty(plan.retention)) return { status: 'succeeded', message: `Copied to ${remoteFile}${dropped}.`, remoteFile, deleted: [], attempts };
      try {
        const session = await openSftp(target, config);
        try {
          const pruned = await pruneRemote(session.sftp, target.path, plan.volume, plan.retention, { utc: this.deps.offsite?.utc });
          const failures = pruned.failures.map((f) => ` ${f.file} was not deleted there: ${f.message}.`).join('');
          return {
            status: 'succeeded',
            message: `Copied to ${remoteFile}${dropped}; retention there deleted ${pruned.deleted.length}.${failures}`,
            remoteFile,
            deleted: pruned.deleted,
            attempts,
          };
        } finally {
          session.end();
        }
      } catch (err) {
        return {
          status: 'succeeded',
          message: `Copied to ${remoteFile}${dropped}; retention there failed: ${(err as Error).message}`,
          remoteFile,
          deleted: [],
          attempts,
        };
      }
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('INTERNAL', (err as Error).message);
      const hint = e.hint ? ` ${e.hint}` : '';
      return {
        status: 'failed',
        message: `The copy to ${sftpUrl(target)} failed: ${e.message}${hint}`,
        remoteFile: null,
        deleted: [],
        attempts: typeof e.details?.attempts === 'number' ? e.details.attempts : attempts,
      };
    }
  }

  /** The SFTP server's host key against known_hosts, without logging in. */
  async checkSftpHost(target: SftpTarget): Promise<SftpHostCheck> {
    return (await probeHostKey(target, this.offsiteConfig())).check;
  }

  /** Adds the server's host key to the app's known_hosts, when it still shows the fingerprint the user accepted. */
  async trustSftpHost(target: SftpTarget, fingerprint: string): Promise<SftpHostCheck> {
    return trustHostKey(target, fingerprint, this.offsiteConfig());
  }

  /**
   * Null, or why the run cannot fit: the folder's disk has less free than the volume's newest backup
   * there took. Retention never makes room (it runs only after a good backup), so the run fails and says
   * how much it needs rather than filling the disk and failing halfway.
   */
  private async spaceShortfall(plan: Plan): Promise<string | null> {
    const free = await (this.deps.freeBytes ?? statfsFree)(plan.dir);
    if (free === null) return null;
    const last = (await this.deps.backups.list({ dir: plan.dir, volume: plan.volume }).catch(() => null))?.backups.find((b) => b.status === 'verified');
    if (!last || free >= last.compressedBytes) return null;
    return `The disk holding ${plan.dir} has ${formatBytes(free)} free; the last backup of ${plan.volume} there took ${formatBytes(last.compressedBytes)}, so this one needs about that much. Nothing was deleted to make room: free space on that disk or choose another folder.`;
  }

  /**
   * One turn of the scheduler: the plans as the file says now, each due one run in turn. Returns when
   * the next plan is due (null: no plans).
   */
  async tick(emit: (e: SchedulerEvent) => void = () => undefined, signal?: AbortSignal): Promise<number | null> {
    const { plans, problems } = await this.store.load();
    for (const message of problems) {
      // Once per distinct problem, not every minute.
      if (this.reported.has(message)) continue;
      this.reported.add(message);
      emit({ event: 'problem', at: this.clock.now(), message });
    }
    let runs = await this.store.runs();
    for (const plan of plans) {
      const now = this.clock.now();
      const record = runs[plan.volume];
      if (record && record.last.startedAt > now + 60_000) {
        // Recorded by a clock that was ahead: count it as made now, so the plan resumes at its next slot.
        emit({ event: 'clock-moved-back', at: now, volume: plan.volume, recordedAt: record.last.startedAt });
        runs[plan.volume] = (
          await this.store.recordRun(plan.volume, { ...record.last, startedAt: now, finishedAt: Math.min(record.last.finishedAt, now) })
        ).record;
      }
      if (signal?.aborted) break;
      // A "Back up now" of this plan is going: that run is this turn's.
      if (this.running.has(plan.volume)) continue;
      if (this.status(plan, runs[plan.volume], now).due) {
        await this.runPlan(plan, emit, signal);
        runs = await this.store.runs();
      }
    }
    const now = this.clock.now();
    const next = plans.map((p) => this.status(p, runs[p.volume], now).nextRunAt);
    return next.length > 0 ? Math.min(...next) : null;
  }

  /**
   * The scheduler: takes the data folder's lock, then runs due plans until `signal` aborts (or once,
   * for cron). A missed run runs once at the start; the loop sleeps until the next plan is due, waking
   * at least every minute.
   */
  async run(opts: { once?: boolean; signal?: AbortSignal; emit?: (e: SchedulerEvent) => void } = {}): Promise<void> {
    const emit = opts.emit ?? (() => undefined);
    const lock: SchedulerLock = await acquireSchedulerLock(this.deps.dataDir, () => this.clock.now());
    // Also during a long backup, so that the lock never looks abandoned while its holder is busy.
    const keepFresh = setInterval(() => void lock.refresh().catch(() => undefined), MAX_SLEEP_MS);
    keepFresh.unref();
    try {
      const { plans } = await this.store.load();
      emit({ event: 'started', at: this.clock.now(), plans: plans.length, lockFile: lock.file });
      while (!opts.signal?.aborted) {
        if (!(await lock.refresh())) {
          emit({ event: 'lock-lost', at: this.clock.now(), lockFile: lock.file });
          return;
        }
        const next = await this.tick(emit, opts.signal);
        if (opts.once) return;
        emit({ event: 'idle', at: this.clock.now(), nextRunAt: next });
        const wait = next === null ? MAX_SLEEP_MS : Math.max(1000, Math.min(MAX_SLEEP_MS, next - this.clock.now()));
        await this.clock.sleep(wait, opts.signal);
      }
    } finally {
      clearInterval(keepFresh);
      await lock.release();
    }
  }
}
