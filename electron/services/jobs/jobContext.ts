import type Dockerode from 'dockerode';
import type { ContainerRef, JobPhase } from '../../../shared/contract/jobs';
import type { ContainerTracker } from './helperContainer';
import type { ProgressTracker } from './progress';

/** What an engine or a job step gets from the job manager: Docker, cancel, progress, log. */
export interface JobContext {
  readonly id: string;
  readonly docker: Dockerode;
  readonly signal: AbortSignal;
  /** Labels for every helper container of this job (LABELS.managed, LABELS.job, owner). */
  readonly labels: Record<string, string>;
  readonly tracker: ContainerTracker;
  readonly progress: ProgressTracker;
  readonly dataDir: string;
  readonly helperImage: string;
  log(line: string): void;
  /** Shown with the result (and logged). */
  warn(message: string): void;
  phase(phase: JobPhase, totals?: { filesTotal?: number | null; bytesTotal?: number | null }, opts?: { keepCounts?: boolean }): void;
  /** Containers this job stopped, to start again whatever happens. */
  stopped(ref: ContainerRef): void;
  throwIfCancelled(): void;
}
