import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Dockerode from 'dockerode';
import { createTarTap } from '../archive/tarTap';
import { toAppError } from '../docker/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { createHelper, runHelper, type ContainerTracker } from './helperContainer';

export interface VolumeMeasure {
  /** Entries as tar counts them: the volume's root folder (`./`) included. */
  entries: number;
  /** Content bytes of regular files, a hardlinked file counted once (tar stores it once). */
  bytes: number;
}

interface MeasureArgs {
  docker: Dockerode;
  volume: string;
  labels: Record<string, string>;
  signal: AbortSignal;
  tracker: ContainerTracker;
}

/** find's `-printf` for a measure: type, link count, inode and size of each entry, a line each. */
export const MEASURE_PRINTF = '%y %n %i %s\\n';

/**
 * The totals of find's MEASURE_PRINTF lines: every entry counts, and a regular file's size once per
 * inode (a hard-linked file is stored once by tar).
 */
export class FindTally {
  entries = 0;
  bytes = 0;
  private readonly seenInodes = new Set<string>();

  readonly line = (line: string): void => {
    const [type, links, inode, size] = line.split(' ');
    if (!type || size === undefined) return;
    this.entries++;
    if (type !== 'f') return;
    if (Number(links) > 1) {
      if (this.seenInodes.has(inode as string)) return;
      this.seenInodes.add(inode as string);
    }
    this.bytes += Number(size) || 0;
  };
}

/**
 * Walks the volume with `find` in the helper image: metadata only, so even a large volume takes a
 * moment, and the totals make the progress percentage real. Null when the image cannot run find.
 */
export async function measureWithFind(args: MeasureArgs & { image: string }): Promise<VolumeMeasure | null> {
  const tally = new FindTally();
  const res = await runHelper(
    args.docker,
    { image: args.image, cmd: ['find', VOLUME_MOUNT, '-printf', MEASURE_PRINTF], volume: args.volume, readOnly: true, labels: args.labels },
    { signal: args.signal, onStdoutLine: tally.line },
    args.tracker,
  );
  if (res.exitCode !== 0 && tally.entries === 0) return null;
  return { entries: tally.entries, bytes: tally.bytes };
}

/** The fallback without a runnable image: stream the volume through the archive API and count. */
export async function measureWithArchive(args: MeasureArgs & { image: string }): Promise<VolumeMeasure> {
  const container = await createHelper(args.docker, { image: args.image, volume: args.volume, readOnly: true, labels: args.labels }, args.tracker);
  try {
    let entries = 0;
    let bytes = 0;
    const tap = createTarTap((e) => {
      entries++;
      if (e.type === 'file') bytes += e.size;
    });
    let source: NodeJS.ReadableStream;
    try {
      source = await container.getArchive({ path: `${VOLUME_MOUNT}/.` });
    } catch (err) {
      throw toAppError(err);
    }
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await pipeline(source, tap, sink, { signal: args.signal });
    return { entries, bytes };
  } finally {
    await args.tracker.remove(container.id);
  }
}

export async function measureVolume(args: MeasureArgs & { image: string; runnable: boolean }): Promise<VolumeMeasure> {
  if (args.runnable) {
    const viaFind = await measureWithFind(args);
    if (viaFind) return viaFind;
  }
  return measureWithArchive(args);
}
