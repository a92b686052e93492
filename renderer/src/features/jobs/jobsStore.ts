import { create } from 'zustand';
import type { JobDetail, JobHistoryEntry, JobLogChunk, JobProgress, JobSummary, RestoreSource, SafetyBackup } from '../../../../shared/contract/jobs';
import { api } from '../../api/bridge';
import { LogBuffer } from './logBuffer';

export { MAX_LOG_LINES } from './logBuffer';

export interface RestoreRequest {
  source: RestoreSource | null;
  /** A display name for the source (a dropped file's name). */
  sourceName: string | null;
  /** Restore into this existing volume (dropped on a row / "Restore…" of a volume); null: a new volume. */
  volume: string | null;
}

/** An archive dropped while a dialog was open: it opens once no dialog is open any more. */
export interface QueuedDrop {
  file: File;
  volume: string | null;
}

interface JobsState {
  jobs: Record<string, JobSummary>;
  /** Bumped when a job's log buffer changed. */
  logVersion: Record<string, number>;
  logFiles: Record<string, string>;
  history: JobHistoryEntry[];
  safety: SafetyBackup[];
  backupFor: string | null;
  restore: RestoreRequest | null;
  /** The job whose progress view is open. */
  viewing: string | null;
  /** An archive listing open for this file. */
  listing: string | null;
  /** A notice for a drop that could not be used (not an archive, upload failed). */
  dropError: string | null;
  upload: { name: string; sent: number; total: number } | null;
  queued: QueuedDrop[];

  openBackup(volume: string): void;
  openRestore(req: RestoreRequest): void;
  closeDialogs(): void;
  view(id: string | null): void;
  setListing(file: string | null): void;
  refreshHistory(): Promise<void>;
}

const logs = new Map<string, LogBuffer>();

export function logOf(id: string): LogBuffer {
  let b = logs.get(id);
  if (!b) {
    b = new LogBuffer();
    logs.set(id, b);
  }
  return b;
}

export const useJobs = create<JobsState>((set, get) => ({
  jobs: {},
  logVersion: {},
  logFiles: {},
  history: [],
  safety: [],
  backupFor: null,
  restore: null,
  viewing: null,
  listing: null,
  dropError: null,
  upload: null,
  queued: [],
  openBackup: (volume) => set({ backupFor: volume, restore: null }),
  openRestore: (req) => set({ restore: req, backupFor: null, dropError: null }),
  closeDialogs: () => set({ backupFor: null, restore: null }),
  view: (id) => {
    set({ viewing: id });
    if (id) void attach(id);
  },
  setListing: (file) => set({ listing: file }),
  refreshHistory: async () => {
    const [h, s] = await Promise.all([api.getJobHistory(), api.listSafetyBackups()]);
    set({ ...(h.ok ? { history: h.value } : {}), ...(s.ok ? { safety: s.value } : {}) });
    void get;
  },
}));

function bump(id: string): void {
  useJobs.setState((s) => ({ logVersion: { ...s.logVersion, [id]: (s.logVersion[id] ?? 0) + 1 } }));
}

/** Re-attach to a job (after a reload, or a past job from the history): its state and last log lines. */
export async function attach(id: string): Promise<JobDetail | null> {
  const r = await api.getJob(id);
  if (!r.ok) return null;
  const detail = r.value;
  logOf(id).replace(detail.log, detail.logFrom);
  const { log: _log, logFrom: _from, logFile, ...summary } = detail;
  useJobs.setState((s) => ({
    jobs: { ...s.jobs, [id]: { ...summary, progress: s.jobs[id]?.progress && summary.status === 'running' ? s.jobs[id].progress : summary.progress } },
    logFiles: { ...s.logFiles, [id]: logFile },
  }));
  bump(id);
  return detail;
}

function upsert(job: JobSummary): void {
  useJobs.setState((s) => ({ jobs: { ...s.jobs, [job.id]: job } }));
}

function onProgress(list: JobProgress[]): void {
  // Several events for one job in a batch: only the last matters.
  const last = new Map<string, JobProgress>();
  for (const p of list) last.set(p.jobId, p);
  useJobs.setState((s) => {
    const jobs = { ...s.jobs };
    for (const [id, p] of last) {
      const j = jobs[id];
      if (j && j.status === 'running') jobs[id] = { ...j, progress: p };
    }
    return { jobs };
  });
}

function onLog(chunks: JobLogChunk[]): void {
  const touched = new Set<string>();
  for (const c of chunks) {
    logOf(c.jobId).append(c);
    touched.add(c.jobId);
  }
  useJobs.setState((s) => {
    const v = { ...s.logVersion };
    for (const id of touched) v[id] = (v[id] ?? 0) + 1;
    return { logVersion: v };
  });
}

let started = false;

/** Subscribe once for the page's lifetime; re-read everything after the browser mode reconnects. */
export function startJobsSync(): void {
  if (started) return;
  started = true;
  api.onJobStarted((job) => upsert(job));
  api.onJobProgress(onProgress);
  api.onJobLog(onLog);
  api.onJobFinished((job) => {
    upsert(job);
    void useJobs.getState().refreshHistory();
  });
  const reload = async () => {
    const r = await api.listJobs();
    if (r.ok) {
      useJobs.setState((s) => {
        const jobs = { ...s.jobs };
        for (const j of r.value) jobs[j.id] = j;
        return { jobs };
      });
      // A reloaded page re-attaches to what is still running, log included.
      for (const j of r.value) if (j.status === 'running') void attach(j.id);
    }
    await useJobs.getState().refreshHistory();
  };
  void reload();
  api.onTransportState?.((state) => {
    if (state === 'open') void reload();
  });
}

export function runningJobFor(jobs: Record<string, JobSummary>, volume: string): JobSummary | null {
  // A clone or rename holds its new name too: that volume is busy while it is written.
  for (const j of Object.values(jobs))
    if (j.status === 'running' && (j.volume === volume || ((j.kind === 'clone' || j.kind === 'rename') && j.target === volume))) return j;
  return null;
}
