import { Writable } from 'node:stream';
import { AppError } from '../../../shared/contract/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { runHelper } from '../jobs/helperContainer';
import type { JobContext } from '../jobs/jobContext';

/**
 * A volume's every entry as the check of a copy compares it: GNU find in a confined read-only helper
 * (argv, no shell), fields ended by NUL (only a link target and a path can hold odd bytes, and neither
 * can hold NUL). The root folder is included (`%P` is empty for it): a clone keeps its owner and mode.
 * Folder sizes are left out: they depend on the file system's history, not on the contents.
 */
const FIELDS = ['y', 'm', 'U', 'G', 's', 'T@', 'l', 'n', 'i', 'P'] as const;
const FORMAT = FIELDS.map((f) => `%${f}\\0`).join('');

export interface ListedEntry {
  /** type mode uid gid size mtime link: everything but the hard-link group, as one comparable string. */
  sig: string;
  /** The other paths of the volume sharing this entry's inode (hard links), sorted; '' for none. */
  links: string;
}

class Records extends Writable {
  readonly entries = new Map<string, ListedEntry>();
  private readonly inodes = new Map<string, string[]>();
  private readonly inodeOf = new Map<string, string>();
  private rest = Buffer.alloc(0);
  private fields: string[] = [];

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    let buf = this.rest.length > 0 ? Buffer.concat([this.rest, chunk]) : chunk;
    let nul = buf.indexOf(0);
    while (nul >= 0) {
      this.fields.push(buf.subarray(0, nul).toString('utf8'));
      if (this.fields.length === FIELDS.length) this.take(this.fields);
      buf = buf.subarray(nul + 1);
      nul = buf.indexOf(0);
    }
    this.rest = Buffer.from(buf);
    cb();
  }

  private take(f: string[]): void {
    this.fields = [];
    const [y, mode, uid, gid, size, mtime, link, nlink, inode, rel] = f as [string, string, string, string, string, string, string, string, string, string];
    this.entries.set(rel, { sig: [y, mode, uid, gid, y === 'd' ? '-' : size, mtime, link].join(' '), links: '' });
    if (y !== 'd' && Number(nlink) > 1) {
      this.inodes.set(inode, [...(this.inodes.get(inode) ?? []), rel]);
      this.inodeOf.set(rel, inode);
    }
  }

  /** Hard-link groups, once all is read. */
  groups(): Map<string, ListedEntry> {
    for (const [rel, inode] of this.inodeOf) {
      const e = this.entries.get(rel);
      if (e)
        e.links = (this.inodes.get(inode) ?? [])
          .filter((p) => p !== rel)
          .sort()
          .join('\0');
    }
    return this.entries;
  }
}

export async function listVolume(ctx: JobContext, volume: string, image: string): Promise<Map<string, ListedEntry>> {
  const sink = new Records();
  const res = await runHelper(
    ctx.docker,
    { image, cmd: ['find', VOLUME_MOUNT, '-printf', FORMAT], volume, readOnly: true, labels: ctx.labels },
    { signal: ctx.signal, stdout: sink },
    ctx.tracker,
  );
  if (res.exitCode !== 0) {
    throw new AppError(
      'DOCKER_ERROR',
      `Listing the volume ${volume} to check the copy failed: ${res.stderrTail.slice(-3).join(' / ') || `find exited with ${res.exitCode}`}`,
      {
        hint: 'See the job log.',
        details: { volume, exitCode: res.exitCode },
      },
    );
  }
  return sink.groups();
}

export interface ListingDifference {
  path: string;
  source: string;
  copy: string;
}

function show(e: ListedEntry | undefined): string {
  if (!e) return 'missing';
  return e.links ? `${e.sig} links ${e.links.split('\0').join(',')}` : e.sig;
}

/** Every path whose entry differs, or exists on one side only (`.` is the volume's own folder). */
export function compareListings(source: Map<string, ListedEntry>, copy: Map<string, ListedEntry>): ListingDifference[] {
  const out: ListingDifference[] = [];
  for (const p of new Set([...source.keys(), ...copy.keys()])) {
    const a = source.get(p);
    const b = copy.get(p);
    if (a && b && a.sig === b.sig && a.links === b.links) continue;
    out.push({ path: p === '' ? '.' : p, source: show(a), copy: show(b) });
  }
  return out;
}

/**
 * Both volumes listed side by side and compared entry by entry; a difference fails the job, naming
 * the first few. Running containers writing to the source during the copy are the usual cause.
 */
export async function verifyCopy(ctx: JobContext, o: { source: string; target: string; image: string; sourceWritten: boolean }): Promise<number> {
  ctx.phase('verifying');
  ctx.log(`Checking the copy: listing ${o.source} and ${o.target} entry by entry…`);
  // Both settle before a failure is thrown: a listing still running would keep the new volume mounted while it is removed.
  const [sa, sb] = await Promise.allSettled([listVolume(ctx, o.source, o.image), listVolume(ctx, o.target, o.image)]);
  if (sa.status === 'rejected') throw sa.reason;
  if (sb.status === 'rejected') throw sb.reason;
  const [a, b] = [sa.value, sb.value];
  const diffs = compareListings(a, b);
  if (diffs.length > 0) {
    for (const d of diffs.slice(0, 50)) ctx.log(`Differs: ${d.path}: source ${d.source}; copy ${d.copy}`);
    const first = diffs
      .slice(0, 3)
      .map((d) => d.path)
      .join(', ');
    throw new AppError(
      'DOCKER_ERROR',
      `The copy of ${o.source} differs from it in ${diffs.length} ${diffs.length === 1 ? 'entry' : 'entries'} (${first}${diffs.length > 3 ? ', …' : ''}).`,
      {
        hint: o.sourceWritten
          ? 'A container kept writing to the volume while it was copied: stop it (or tick "Stop containers"), then try again.'
          : 'See the job log for each difference; try again.',
        details: { differences: diffs.slice(0, 20) },
      },
    );
  }
  ctx.log(`Check passed: ${a.size} entries, the same on both sides.`);
  return a.size;
}
