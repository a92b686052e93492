import type { Readable, Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import { LABELS } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import { runHelper, type ContainerTracker, type RunResult } from '../jobs/helperContainer';
import { FILES_HELPER_ROLE, FILES_HELPER_ROLE_LABEL } from './volumeModel';

/** What a copy needs from its service: the engine, the helper image, and who to tell about helpers. */
export interface CopyDeps {
  client: Dockerode;
  helperImage: string;
  /** Told each helper's id, so its mount events are not mistaken for the user's (VolumeService.helperIds). */
  onHelper?: (id: string, phase: 'created' | 'removed') => void;
  /** The browser mode's data folder, where uploads live. */
  dataDir: string;
}

export interface CopyHelperRun {
  cmd: string[];
  volume: string;
  readOnly: boolean;
  stdin?: Readable;
  stdout?: Writable;
  signal?: AbortSignal;
}

/**
 * Runs one confined helper (jobs/helperContainer.ts: no network, capabilities for reading or writing
 * only, read-only image, no log driver so a tar on stdout is not stored twice) labelled like the file
 * browser's, which the volume list and its change events leave out.
 */
export async function runCopyHelper(deps: CopyDeps, run: CopyHelperRun): Promise<RunResult> {
  const tracker: ContainerTracker = {
    add: (id) => deps.onHelper?.(id, 'created'),
    remove: async (id) => {
      await deps.client
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
      deps.onHelper?.(id, 'removed');
    },
  };
  return runHelper(
    deps.client,
    {
      image: deps.helperImage,
      cmd: run.cmd,
      volume: run.volume,
      readOnly: run.readOnly,
      labels: { [LABELS.managed]: '1', [FILES_HELPER_ROLE_LABEL]: FILES_HELPER_ROLE },
    },
    { signal: run.signal ?? new AbortController().signal, stdin: run.stdin, stdout: run.stdout },
    tracker,
  );
}

/** GNU tar's words for a full file system: ENOSPC, or a short write it reports without errno. */
const NO_SPACE = /No space left on device|Disk quota exceeded|Wrote only \d+ of \d+ bytes/;

export function isNoSpace(lines: string[]): boolean {
  return lines.some((l) => NO_SPACE.test(l));
}

export function volumeFull(volume: string, what: string): AppError {
  return new AppError('DISK_FULL', `The volume is full: ${what} did not fit into volume "${volume}". Nothing was left half-copied.`, {
    hint: 'Free space in the volume (or on the disk where Docker keeps its volumes; `docker system df` shows what uses it), then copy again.',
    details: { volume },
  });
}

/** A helper's command failed for a reason other than a full volume: its last lines say why. */
export function helperFailed(what: string, res: RunResult, image: string): AppError {
  const why = res.stderrTail.slice(-3).join(' / ');
  return new AppError('DOCKER_ERROR', `${what} failed in the helper container (exit code ${res.exitCode})${why ? `: ${why}` : '.'}`, {
    hint:
      res.exitCode === 127
        ? `The helper image ${image} lacks a command the copy needs (GNU tar, find, mv, rm); set "Helper image" in Settings to ubuntu or debian.`
        : 'Check that the volume is healthy and that Docker has room, then try again.',
    details: { exitCode: res.exitCode },
  });
}
