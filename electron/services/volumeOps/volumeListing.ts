import { Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { runHelper, type ContainerTracker } from '../jobs/helperContainer';

/** One entry of a volume as the comparison sees it. */
export interface ListedEntry {
  /** f, d, l, p, s, … (find's %y). */
  type: string;
  /** Octal permission bits with setuid/setgid/sticky (find's %m). */
  mode: string;
  uid: string;
  gid: string;
  /** Files and symlinks only (a folder's size is its file system's business). */
  size: string;
  /** find's %T@ (seconds with the nanoseconds), compared as text. */
  mtime: string;
  link: string | null;
  /** The first path (by sort) of the file's hard-link group; null for a file with one link. */
  linkGroup: string | null;
}

/**
 * type, mode, owner, size, mtime, link count, inode, link target, path: NUL-separated, since only the
 * link target and the path hold arbitrary bytes and neither can hold a NUL. The root comes too (`%P`
 * empty): its owner, mode and time are the volume's own and must arrive as well.
 */
const FORMAT = '%y\\0%m\\0%U\\0%G\\0%s\\0%T@\\0%n\\0%i\\0%l\\0%P\\0';
const FIELDS = 10;

/** find's NUL-separated records, taken as they arrive. */
class Records extends Writable {
  readonly rows: string[][] = [];
  private rest = '';
  private fields: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    const parts = (this.rest + chunk.toString('latin1')).split('\0');
    this.rest = parts.pop() ?? '';
    for (const p of parts) {
      this.fields.push(Buffer.from(p, 'latin1').toString('utf8'));
      if (this.fields.length === FIELDS) {
        this.rows.push(this.fields);
        this.fields = [];
      }
    }
    cb();
  }
}

export interface ListArgs {
  docker: Dockerode;
  image: string;
  volume: string;
  labels: Record<string, string>;
  signal: AbortSignal;
  tracker: ContainerTracker;
}

/** Every entry of the volume (its root as `.`), by path: GNU find in a confined read-only helper, argv only. */
export async function listVolume(args: ListArgs): Promise<Map<string, ListedEntry>> {
  const sink = new Records();
  const res = await runHelper(
    args.docker,
    { image: args.image, cmd: ['find', VOLUME_MOUNT, '-printf', FORMAT], volume: args.volume, readOnly: true, labels: args.labels },
    { signal: args.signal, stdout: sink },
    args.tracker,
  );
  if (res.exitCode !== 0) {
    throw new AppError('DOCKER_ERROR', `Listing the volume ${args.volume} failed: ${res.stderrTail.slice(-3).join(' / ') || `find exited with ${res.exitCode}`}.`, {
      hint: 'See the job log.',
      details: { volume: args.volume, exitCode: res.exitCode },
    });
  }
  const groups = new Map<string, string[]>();
  for (const [y, , , , , , n, inode, , rel] of sink.rows) {
    if (y !== 'd' && Number(n) > 1) groups.set(inode as string, [...(groups.get(inode as string) ?? []), rel || '.']);
  }
  const firstOf = new Map<string, string>();
  for (const paths of groups.values()) {
    const first = [...paths].sort()[0] as string;
    for (const p of paths) firstOf.set(p, first);
  }
  const out = new Map<string, ListedEntry>();
  for (const [y = '', m = '', u = '', g = '', s = '', t = '', , , l = '', rel = ''] of sink.rows) {
    const p = rel || '.';
    out.set(p, {
      type: y,
      mode: m,
      uid: u,
      gid: g,
      size: y === 'f' || y === 'l' ? s : '',
      mtime: t,
      link: y === 'l' ? l : null,
      linkGroup: firstOf.get(p) ?? null,
    });
  }
  return out;
}

const FIELD_NAMES: Array<keyof ListedEntry> = ['type', 'mode', 'uid', 'gid', 'size', 'mtime', 'link', 'linkGroup'];

/** Differences between two listings, as lines a person can read ("only on the source: a/b"); [] when equal. */
export function compareListings(source: Map<string, ListedEntry>, target: Map<string, ListedEntry>, limit = 20): string[] {
  const out: string[] = [];
  for (const [p, a] of source) {
    const b = target.get(p);
    if (!b) {
      out.push(`missing on the target: ${p}`);
      continue;
    }
    for (const f of FIELD_NAMES) {
      if (a[f] !== b[f]) out.push(`${p}: ${f} ${String(a[f])} on the source, ${String(b[f])} on the target`);
    }
  }
  for (const p of target.keys()) if (!source.has(p)) out.push(`only on the target: ${p}`);
  return out.slice(0, limit);
}
