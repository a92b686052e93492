import { Writable } from 'node:stream';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { runHelper, type ContainerTracker } from './helperContainer';
import type { VolumeStat } from './selectionPlan';
import { ancestorKeys, keyOfBytes } from './selectionPaths';

const FORMAT = '%y %m %U %G %T@ %p\\0';
/** Beyond this many bytes of paths the argv gets long (Linux allows 2 MiB in all): list the whole volume instead. */
const MAX_ARGV_BYTES = 256 * 1024;
/** find's words for a starting point that is not there, or lies below a file: the path is missing. */
const MISSING = /No such file or directory|Not a directory/;

export interface ProbeArgs {
  docker: Dockerode;
  image: string;
  volume: string;
  labels: Record<string, string>;
  tracker: ContainerTracker;
  signal: AbortSignal;
}

function abs(key: string): string {
  return key === '' ? VOLUME_MOUNT : `${VOLUME_MOUNT}/${Buffer.from(key, 'latin1').toString('utf8')}`;
}

/**
 * What a selective restore meets in the volume, without following a symlink anywhere: `find -P`
 * (argv, no shell) in a read-only helper, twice at once: the folders above the target roots with their
 * children (their types, and the names a keep-both copy must not take), and everything below the roots.
 * A root below a symlink is also listed through it, inside the helper's own read-only file system,
 * and ignored: the symlink on the way refuses the restore. Keys are the volume's paths (bytes).
 */
export async function probeVolume(args: ProbeArgs, roots: readonly string[]): Promise<Map<string, VolumeStat>> {
  const above = new Set<string>(['']);
  for (const r of roots) for (const a of ancestorKeys(r)) above.add(a);
  const size = [...above, ...roots].reduce((n, k) => n + k.length + 10, 0);
  const runs =
    size > MAX_ARGV_BYTES
      ? [['find', '-P', VOLUME_MOUNT, '-printf', FORMAT]]
      : [
          ['find', '-P', ...[...above].map(abs), '-maxdepth', '1', '-printf', FORMAT],
          ['find', '-P', ...roots.map(abs), '-mindepth', '1', '-printf', FORMAT],
        ];
  const lists = await Promise.all(runs.map((cmd) => listWith(args, cmd)));
  const out = new Map<string, VolumeStat>();
  for (const list of lists) for (const [k, v] of list) out.set(k, v);
  return out;
}

async function listWith(args: ProbeArgs, cmd: string[]): Promise<Map<string, VolumeStat>> {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk);
      cb();
    },
  });
  const res = await runHelper(
    args.docker,
    { image: args.image, cmd, volume: args.volume, readOnly: true, labels: args.labels },
    { signal: args.signal, stdout: sink },
    args.tracker,
  );
  const other = res.stderrTail.filter((l) => l.trim() !== '' && !MISSING.test(l));
  if (res.exitCode !== 0 && (res.exitCode !== 1 || other.length > 0)) {
    throw new AppError(
      'DOCKER_ERROR',
      `Could not list the paths to restore in ${args.volume} (find exited with ${res.exitCode}${other.length > 0 ? `: ${other.slice(-2).join(' / ')}` : ''}).`,
      {
        hint: 'See the job log.',
      },
    );
  }
  return parseListing(Buffer.concat(chunks));
}

/** `%y %m %U %G %T@ %p\0` records; the path is last, so spaces (and newlines) in names are fine. */
export function parseListing(buf: Buffer): Map<string, VolumeStat> {
  const out = new Map<string, VolumeStat>();
  const mount = Buffer.from(VOLUME_MOUNT);
  let start = 0;
  for (let end = buf.indexOf(0, start); end >= 0; start = end + 1, end = buf.indexOf(0, start)) {
    const rec = buf.subarray(start, end);
    let at = 0;
    const fields: string[] = [];
    for (let i = 0; i < 5; i++) {
      const sp = rec.indexOf(0x20, at);
      if (sp < 0) break;
      fields.push(rec.toString('latin1', at, sp));
      at = sp + 1;
    }
    const p = rec.subarray(at);
    if (fields.length < 5 || !p.subarray(0, mount.length).equals(mount)) continue;
    const [type, mode, uid, gid, mtime] = fields as [string, string, string, string, string];
    out.set(keyOfBytes(p.subarray(mount.length)), { type, mode: parseInt(mode, 8), uid: Number(uid), gid: Number(gid), mtime });
  }
  return out;
}
