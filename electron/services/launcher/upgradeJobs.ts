import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/contract/errors';
import type { BackupResult, JobSummary, RestoreResult } from '../../../shared/contract/jobs';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { hostDisk } from '../jobs/freeSpace';
import { runHelper } from '../jobs/helperContainer';
import { requireRunnableImage } from '../jobs/images';
import type { JobService } from '../jobs/jobService';
import { measureWithFind } from '../jobs/measure';
import { resolveBackupDir } from '../jobs/paths';

/**
 * What an upgrade asks of the jobs domain: the same verified backup and replace restore the Backup and
 * Restore dialogs run (with their locks, history, progress and safety backup), plus two read-only looks
 * at the volume. An interface, so the unit tests can fake the disk.
 */
export interface UpgradeJobs {
  /** The folder the backup goes to (created when it is the default one). */
  backupDir(dir: string | undefined): Promise<string>;
  /** Free bytes of the disk holding `dir`; null when it cannot be told. */
  freeBytes(dir: string): Promise<number | null>;
  measure(volume: string): Promise<{ bytes: number; entries: number } | null>;
  /** A digest of the volume's metadata, to tell whether the new version changed it. */
  fingerprint(volume: string): Promise<string>;
  assertFree(volume: string): Promise<void>;
  backup(volume: string, dir: string, fileName: string, onJob: (jobId: string) => void): Promise<BackupResult>;
  restoreReplace(archive: string, volume: string, onJob: (jobId: string) => void, opts?: { keepScs?: boolean }): Promise<RestoreResult>;
}

async function finished(jobs: JobService, job: JobSummary): Promise<JobSummary> {
  const done = await jobs.manager.wait(job.id);
  if (done.status !== 'succeeded' || !done.result) {
    const e = done.error;
    throw new AppError(e?.code ?? 'INTERNAL', e?.message ?? `The ${job.kind} job ${job.id} did not finish.`, {
      hint: e?.hint,
      details: { ...(e?.details ?? {}), jobId: job.id },
    });
  }
  return done;
}

export function upgradeJobs(jobs: JobService, helperImage: () => string, rememberedDir: () => string): UpgradeJobs {
  const m = jobs.manager;
  const helper = async (volume: string, cmd: string[], onLine: (line: string) => void): Promise<number> => {
    const image = await requireRunnableImage(m.docker(), helperImage());
    const res = await runHelper(
      m.docker(),
      { image, cmd, volume, readOnly: true, labels: m.labels(`upgrade-${randomUUID().slice(0, 8)}`) },
      { signal: new AbortController().signal, onStdoutLine: onLine },
      m.tracker(),
    );
    return res.exitCode;
  };
  return {
    backupDir: (dir) => resolveBackupDir(dir, rememberedDir()),
    freeBytes: async (dir) => (await hostDisk(dir))?.free ?? null,
    async measure(volume) {
      const image = await requireRunnableImage(m.docker(), helperImage());
      return measureWithFind({
        docker: m.docker(),
        volume,
        image,
        labels: m.labels(`upgrade-${randomUUID().slice(0, 8)}`),
        signal: new AbortController().signal,
        tracker: m.tracker(),
      });
    },
    async fingerprint(volume) {
      const lines: string[] = [];
      // Metadata only: the entrypoint's chown and the copied defaults show in owners, times and names.
      const code = await helper(volume, ['find', VOLUME_MOUNT, '-printf', '%y %m %U %G %T@ %s %P\\n'], (l) => lines.push(l));
      if (code !== 0) throw new AppError('DOCKER_ERROR', `Could not list the volume ${volume} (find exited with ${code}).`);
      return createHash('sha256').update(lines.sort().join('\n')).digest('hex');
    },
    assertFree: (volume) => m.assertFreeEverywhere(volume),
    async backup(volume, dir, fileName, onJob) {
      const job = await jobs.startBackup({ volume, dir, fileName, stopContainers: false, overwrite: false }, { rememberFolder: false, notify: false });
      onJob(job.id);
      const done = await finished(jobs, job);
      if (done.result?.kind !== 'backup') throw new AppError('INTERNAL', 'The backup job gave no backup result.');
      return done.result;
    },
    async restoreReplace(archive, volume, onJob, opts) {
      const job = await jobs.startRestore({
        source: { archivePath: archive },
        volume,
        mode: 'replace',
        stopContainers: false,
        keepScs: opts?.keepScs === true,
      });
      onJob(job.id);
      const done = await finished(jobs, job);
      if (done.result?.kind !== 'restore') throw new AppError('INTERNAL', 'The restore job gave no restore result.');
      return done.result;
    },
  };
}
