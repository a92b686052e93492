import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { restageTar } from './restageTar';
import { AppError } from '../../../shared/contract/errors';
import type { CopyIntoVolumeResult, CopySource } from '../../../shared/contract/volumes';
import { removeUpload, resolveUpload } from '../core/uploads';
import { EXTRACT_RECORDS } from '../docker/helperTar';
import { helperFailed, isNoSpace, runCopyHelper, volumeFull, type CopyDeps } from './copyHelper';
import { packHost, walkHost, type HostItem, type PackPlan } from './hostSources';
import { keepBothName } from './keepBothName';
import { probeVolumePath } from './pathProbe';
import { containerPathFor, normalizeVolumePath } from './volumePath';

export type ConflictChoice = 'overwrite' | 'keep-both' | 'skip';
export const CONFLICT_CHOICES: readonly ConflictChoice[] = ['overwrite', 'keep-both', 'skip'];

export interface CopyInRequest {
  volume: string;
  folder: string;
  sources: CopySource[];
  conflict?: ConflictChoice;
  owner: 'auto' | { uid: number; gid: number };
}

export interface PlannedName {
  name: string;
  /** The name it gets in the folder; null when skipped. */
  final: string | null;
}

/**
 * What happens to each source name in a folder holding `taken`: refused as a whole (before anything is
 * written) when some exist and no choice was made; otherwise kept, renamed (keep-both, with
 * keepBothName's " (copy)" label and no clash with the folder or another copy) or skipped. Pure.
 */
export function planNames(volume: string, folder: string, names: string[], taken: Set<string>, conflict: ConflictChoice | undefined): PlannedName[] {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) {
      throw new AppError('INVALID_ARGUMENT', `Two of the files to copy are named "${n}"; they would land on the same name.`, {
        hint: 'Copy them into different folders, or rename one first.',
        details: { name: n },
      });
    }
    seen.add(n);
  }
  const conflicts = names.filter((n) => taken.has(n));
  if (conflicts.length > 0 && conflict === undefined) {
    const where = folder === '' ? 'the root' : `"${folder}"`;
    throw new AppError(
      'INVALID_ARGUMENT',
      `${conflicts.length === 1 ? 'This name already exists' : `${conflicts.length} names already exist`} in ${where} of volume "${volume}": ${conflicts.map((c) => `"${c}"`).join(', ')}. Nothing was copied.`,
      {
        hint: 'Choose what happens to them: overwrite (the copy replaces it), keep-both (the copy gets a name like "a (copy).ipynb") or skip (the volume keeps its own). CLI: --conflict overwrite|keep-both|skip.',
        details: { conflicts, choices: [...CONFLICT_CHOICES] },
      },
    );
  }
  const used = new Set([...taken, ...names]);
  return names.map((name) => {
    if (!taken.has(name) || conflict === 'overwrite') return { name, final: name };
    if (conflict === 'skip') return { name, final: null };
    const final = keepBothName(name, 'copy', (c) => used.has(c));
    used.add(final);
    return { name, final };
  });
}

/**
 * The commit: moves each staged item onto its final name in the folder, and removes the staging folder
 * (with what the copies replaced). Runs as `sh -c SCRIPT sh DIR STAGE REPLACE FROM TO…`: the script is
 * this constant, the names are arguments, never part of a shell string. A name that appeared in the
 * folder since the check is replaced only when the user chose overwrite; otherwise the commit stops
 * (exit 3) with the items moved so far complete and the rest removed with the stage.
 */
export const COMMIT_SCRIPT = [
  'dir=$1; stage=$2; replace=$3; shift 3',
  'status=0',
  'while [ $# -ge 2 ]; do',
  '  from=$1; to=$2; shift 2',
  '  if [ -e "$dir/$to" ] || [ -L "$dir/$to" ]; then',
  '    if [ "$replace" != 1 ]; then echo "ailab-copy: appeared meanwhile: $to" >&2; status=3; break; fi',
  '    mv -f -T -- "$dir/$to" "$stage/old/$to" || { status=$?; break; }',
  '  fi',
  '  mv -f -T -- "$stage/new/$from" "$dir/$to" || { status=$?; break; }',
  'done',
  'rm -rf -- "$stage"',
  'exit $status',
].join('\n');

async function resolveSources(deps: CopyDeps, sources: CopySource[]): Promise<HostItem[]> {
  const items: HostItem[] = [];
  for (const s of sources) {
    if ('uploadId' in s) {
      const file = await resolveUpload(deps.dataDir, s.uploadId);
      items.push(await walkHost(file, path.basename(file)));
    } else {
      const abs = path.resolve(s.hostPath);
      const name = path.basename(abs);
      if (name === '' || abs === path.parse(abs).root) {
        throw new AppError('INVALID_ARGUMENT', `${s.hostPath} is the root of a disk; copy a folder inside it instead.`, { details: { path: s.hostPath } });
      }
      items.push(await walkHost(abs, name));
    }
  }
  return items;
}

/**
 * Copies host files and folders (or browser-mode uploads) into a folder of a volume (copyIntoVolume).
 *
 * Order: the destination is looked at (a real folder, no link on the way), every source read through
 * (a file that cannot be read is named here), conflicts decided: all before anything is written. Then
 * one tar stream made on the host is extracted by a confined helper into a hidden staging folder
 * `.ailab-copy-<random>` inside the destination (same file system, so the final step is renames), and
 * a second helper renames the staged items onto their names. A failure while extracting (a full volume:
 * DISK_FULL) removes the staging folder: nothing half-copied ever has a final name.
 */
export async function copyIntoVolume(deps: CopyDeps, req: CopyInRequest): Promise<CopyIntoVolumeResult> {
  const folder = normalizeVolumePath(req.folder);
  const probe = await probeVolumePath(deps, req.volume, folder, { children: true });
  if (probe.target.type === 'l') {
    throw new AppError(
      'INVALID_ARGUMENT',
      `"${folder}" in volume "${req.volume}" is a symbolic link; copying through a link is refused, because it could lead out of the volume.`,
      {
        hint: 'Copy into the real folder the link points to.',
        details: { volume: req.volume, folder },
      },
    );
  }
  if (probe.target.type !== 'd') {
    throw new AppError('INVALID_ARGUMENT', `"${folder}" in volume "${req.volume}" is a file, not a folder.`, {
      hint: 'Copy into the folder that holds it.',
      details: { volume: req.volume, folder },
    });
  }
  const owner = req.owner === 'auto' ? { uid: probe.target.uid, gid: probe.target.gid } : req.owner;
  const items = await resolveSources(deps, req.sources);
  const planned = planNames(
    req.volume,
    folder,
    items.map((i) => i.name),
    probe.children,
    req.conflict,
  );
  const at = (n: string) => (folder === '' ? n : `${folder}/${n}`);
  const result: CopyIntoVolumeResult = { volume: req.volume, folder, copied: [], renamed: [], skipped: [], uid: owner.uid, gid: owner.gid };
  const moves: Array<{ from: string; to: string }> = [];
  const plans: PackPlan[] = [];
  const stage = `.ailab-copy-${randomBytes(6).toString('hex')}`;
  planned.forEach((p, i) => {
    if (p.final === null) {
      result.skipped.push(at(p.name));
      return;
    }
    plans.push({ item: items[i] as HostItem, as: `${stage}/new/${p.name}` });
    moves.push({ from: p.name, to: p.final });
    result.copied.push(at(p.final));
    if (p.final !== p.name) result.renamed.push({ from: at(p.name), to: at(p.final) });
  });
  if (plans.length > 0) {
    const stream = packHost(plans, { ...owner, leadingDirs: [stage, `${stage}/new`, `${stage}/old`] });
    await stageAndCommit(deps, req.volume, folder, stage, stream, moves, req.conflict === 'overwrite');
  }
  for (const s of req.sources) if ('uploadId' in s) await removeUpload(deps.dataDir, s.uploadId).catch(() => undefined);
  return result;
}

/** Extracts `stream` into the stage, then commits `moves`; removes the stage whatever fails. */
async function stageAndCommit(
  deps: CopyDeps,
  volume: string,
  folder: string,
  stage: string,
  stream: Readable,
  moves: Array<{ from: string; to: string }>,
  replace: boolean,
): Promise<void> {
  await extractIntoStage(deps, volume, folder, stage, stream);
  await commitStage(deps, volume, folder, stage, moves, replace);
}

/** Extracts a stream whose members all lie under `stage/` into the folder; on failure the stage is removed. */
async function extractIntoStage(deps: CopyDeps, volume: string, folder: string, stage: string, stream: Readable): Promise<void> {
  const dir = containerPathFor(folder);
  let streamError: unknown = null;
  stream.once('error', (err) => (streamError = err));
  try {
    const res = await runCopyHelper(deps, {
      cmd: ['tar', '-C', dir, '--numeric-owner', ...EXTRACT_RECORDS, '-xf', '-'],
      volume,
      readOnly: false,
      stdin: stream,
    });
    if (streamError !== null) throw streamError;
    if (res.exitCode !== 0)
      throw isNoSpace(res.stderrTail) ? volumeFull(volume, 'the copy') : helperFailed(`Writing into volume "${volume}"`, res, deps.helperImage);
  } catch (err) {
    await removeStage(deps, volume, folder, stage);
    throw streamError ?? err;
  }
}

async function commitStage(
  deps: CopyDeps,
  volume: string,
  folder: string,
  stage: string,
  moves: Array<{ from: string; to: string }>,
  replace: boolean,
): Promise<void> {
  const dir = containerPathFor(folder);
  const res = await runCopyHelper(deps, {
    cmd: ['sh', '-c', COMMIT_SCRIPT, 'sh', dir, `${dir}/${stage}`, replace ? '1' : '0', ...moves.flatMap((m) => [m.from, m.to])],
    volume,
    readOnly: false,
  });
  if (res.exitCode === 3) {
    throw new AppError(
      'INVALID_ARGUMENT',
      `A file appeared in "${folder || '/'}" of volume "${volume}" while copying; the copies not yet in place were not kept.`,
      {
        hint: 'Look at the folder and copy again, choosing what happens to existing names.',
        details: { lines: res.stderrTail },
      },
    );
  }
  if (res.exitCode !== 0) {
    await removeStage(deps, volume, folder, stage);
    throw helperFailed(`Putting the copies in place in volume "${volume}"`, res, deps.helperImage);
  }
}

async function removeStage(deps: CopyDeps, volume: string, folder: string, stage: string): Promise<void> {
  await runCopyHelper(deps, { cmd: ['rm', '-rf', '--', `${containerPathFor(folder)}/${stage}`], volume, readOnly: false }).catch(() => undefined);
}

export interface ImportTarRequest {
  volume: string;
  folder: string;
  input: Readable;
  conflict?: ConflictChoice;
  owner: 'auto' | { uid: number; gid: number };
}

/**
 * A tar stream (the CLI's `cp - VOL:FOLDER`, e.g. from `tar -c` or `docker cp … -`) into a folder of a
 * volume, with copyIntoVolume's rules. Its top-level names are known only once it has been read, so
 * it is staged first and the conflicts are decided before the commit: refused, the stage is removed
 * and nothing was written under a final name. The stream is re-packed on the host on its way: every
 * member is put under the stage (`..` and absolute names refused), owned as `owner` says.
 */
export async function importTar(deps: CopyDeps, req: ImportTarRequest): Promise<CopyIntoVolumeResult> {
  const folder = normalizeVolumePath(req.folder);
  const probe = await probeVolumePath(deps, req.volume, folder, { children: true });
  if (probe.target.type !== 'd') {
    throw new AppError(
      'INVALID_ARGUMENT',
      `"${folder}" in volume "${req.volume}" is not a folder (a ${probe.target.type === 'l' ? 'symbolic link' : 'file'}).`,
      {
        hint: 'Copy into a real folder of the volume.',
      },
    );
  }
  const owner = req.owner === 'auto' ? { uid: probe.target.uid, gid: probe.target.gid } : req.owner;
  const stage = `.ailab-copy-${randomBytes(6).toString('hex')}`;
  const { stream, tops } = restageTar(req.input, `${stage}/new`, owner, [stage, `${stage}/new`, `${stage}/old`]);
  await extractIntoStage(deps, req.volume, folder, stage, stream);
  let planned: PlannedName[];
  try {
    planned = planNames(req.volume, folder, [...tops], probe.children, req.conflict);
  } catch (err) {
    await removeStage(deps, req.volume, folder, stage);
    throw err;
  }
  const at = (n: string) => (folder === '' ? n : `${folder}/${n}`);
  const result: CopyIntoVolumeResult = { volume: req.volume, folder, copied: [], renamed: [], skipped: [], uid: owner.uid, gid: owner.gid };
  const moves: Array<{ from: string; to: string }> = [];
  for (const p of planned) {
    if (p.final === null) result.skipped.push(at(p.name));
    else {
      moves.push({ from: p.name, to: p.final });
      result.copied.push(at(p.final));
      if (p.final !== p.name) result.renamed.push({ from: at(p.name), to: at(p.final) });
    }
  }
  await commitStage(deps, req.volume, folder, stage, moves, req.conflict === 'overwrite');
  return result;
}
