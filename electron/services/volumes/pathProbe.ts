import { Writable } from 'node:stream';
import { AppError } from '../../../shared/contract/errors';
import { runCopyHelper, type CopyDeps } from './copyHelper';
import { containerPathFor } from './volumePath';

/** One start point or child as find saw it (never following a symlink). */
export interface ProbedEntry {
  depth: number;
  /** find's %y: f, d, l, … */
  type: string;
  uid: number;
  gid: number;
  /** Absolute in the helper, e.g. /volume/a/b. */
  path: string;
}

export interface PathProbe {
  /** The volume path, normalised ("" for the root). */
  rel: string;
  /** The path itself; the components above it are checked to be real folders. */
  target: ProbedEntry;
  /** Names inside the target when it is a folder and `children` was asked for. */
  children: Set<string>;
}

const FORMAT = '%d\\0%y\\0%U\\0%G\\0%p\\0';
const FIELDS = 5;
/** A folder whose names take more than this cannot be checked for conflicts; the helper is stopped. */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/** Every prefix of `rel` as a helper path: "", "a", "a/b" → /volume, /volume/a, /volume/a/b. */
export function prefixPaths(rel: string): string[] {
  const parts = rel === '' ? [] : rel.split('/');
  return [containerPathFor(''), ...parts.map((_, i) => containerPathFor(parts.slice(0, i + 1).join('/')))];
}

export function parseProbeOutput(out: Buffer): ProbedEntry[] {
  const fields = out.toString('utf8').split('\0');
  const complete = Math.floor((fields.length - 1) / FIELDS);
  const entries: ProbedEntry[] = [];
  for (let r = 0; r < complete; r++) {
    const [depth, type, uid, gid, p] = fields.slice(r * FIELDS, r * FIELDS + FIELDS) as [string, string, string, string, string];
    entries.push({ depth: Number(depth), type, uid: Number(uid), gid: Number(gid), path: p });
  }
  return entries;
}

/**
 * Judges find's records for every prefix of `rel`: each folder above the target must be a real
 * folder, not a symlink (a symlink there could lead out of the volume, so the path is refused rather
 * than resolved), and the target must exist. Pure, so the rules are unit-tested.
 */
export function judgeProbe(volume: string, rel: string, records: ProbedEntry[], children: boolean): PathProbe {
  const starts = new Map<string, ProbedEntry>();
  for (const r of records) if (r.depth === 0 && !starts.has(r.path)) starts.set(r.path, r);
  const prefixes = prefixPaths(rel);
  const shown = (p: string) => p.slice(containerPathFor('').length + 1) || '/';
  for (let i = 0; i < prefixes.length; i++) {
    const p = prefixes[i] as string;
    const entry = starts.get(p);
    const last = i === prefixes.length - 1;
    if (!entry) {
      const above = i > 0 ? starts.get(prefixes[i - 1] as string) : undefined;
      if (above && above.type !== 'd') break; // reported below, as the component that is not a folder
      throw new AppError('FILE_NOT_FOUND', `There is no "${rel}" in volume "${volume}".`, {
        hint: `Check the path with \`ailab volumes ls-files ${volume} ${shown(prefixes[Math.max(0, i - 1)] as string)}\`; paths are relative to the volume's root.`,
        details: { volume, path: rel },
      });
    }
    if (last) {
      const childNames = new Set<string>();
      if (children) {
        for (const r of records) {
          if (r.depth === 1 && r.path.startsWith(`${p}/`) && !r.path.slice(p.length + 1).includes('/')) childNames.add(r.path.slice(p.length + 1));
        }
      }
      return { rel, target: entry, children: childNames };
    }
    if (entry.type === 'l') {
      throw new AppError(
        'INVALID_ARGUMENT',
        `"${shown(p)}" in volume "${volume}" is a symbolic link; a path through a link is refused, because it could lead out of the volume.`,
        {
          hint: 'Give the path of the real folder the link points to.',
          details: { volume, path: rel, link: shown(p) },
        },
      );
    }
    if (entry.type !== 'd') {
      throw new AppError('INVALID_ARGUMENT', `"${shown(p)}" in volume "${volume}" is a file, not a folder, so "${rel}" cannot be inside it.`, {
        hint: 'Check the path; paths are relative to the volume root.',
        details: { volume, path: rel },
      });
    }
  }
  throw new AppError('INVALID_ARGUMENT', `"${rel}" in volume "${volume}" is below a file, not a folder.`, { details: { volume, path: rel } });
}

/**
 * Looks at a volume path without following links: GNU find on every prefix of the path (and, with
 * `children`, one level inside the target for the names a copy could collide with), in a read-only
 * helper. find's own output, not a shell, says what each component is.
 */
export async function probeVolumePath(deps: CopyDeps, volume: string, rel: string, opts: { children: boolean }): Promise<PathProbe> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const controller = new AbortController();
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      if (bytes > MAX_OUTPUT_BYTES) {
        controller.abort();
        cb();
        return;
      }
      chunks.push(chunk);
      cb();
    },
  });
  let res;
  try {
    res = await runCopyHelper(deps, {
      cmd: ['find', ...prefixPaths(rel), '-maxdepth', opts.children ? '1' : '0', '-printf', FORMAT],
      volume,
      readOnly: true,
      stdout: sink,
      signal: controller.signal,
    });
  } catch (err) {
    if (controller.signal.aborted) {
      throw new AppError('INVALID_ARGUMENT', `The folder "${rel || '/'}" in volume "${volume}" holds too many names to check for conflicts.`, {
        hint: 'Copy into a folder with fewer entries.',
      });
    }
    throw err;
  }
  const records = parseProbeOutput(Buffer.concat(chunks));
  if (records.length === 0) {
    const why = res.stderrTail.slice(-2).join(' / ');
    throw new AppError('DOCKER_ERROR', `Looking at "${rel || '/'}" in volume "${volume}" failed${why ? `: ${why}` : ` (exit code ${res.exitCode})`}.`, {
      hint: res.exitCode === 127 ? `The helper image ${deps.helperImage} has no GNU find; set "Helper image" in Settings to ubuntu or debian.` : undefined,
    });
  }
  return judgeProbe(volume, rel, records, opts.children);
}
