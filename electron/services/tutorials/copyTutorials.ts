import { randomBytes } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { AppError } from '../../../shared/contract/errors';
import { EXTRACT_RECORDS } from '../docker/helperTar';
import type { ConflictChoice, TutorialCopy, TutorialFile, TutorialsCopyResult } from '../../../shared/contract/tutorials';
import { helperFailed, isNoSpace, runCopyHelper, volumeFull, type CopyDeps } from '../volumes/copyHelper';
import { keepBothName } from '../volumes/keepBothName';
import type { VolumeRecord } from '../backups/volumeTree';
import type { ShippedFile } from './imageDefaults';

export interface CopyPlanItem {
  path: string;
  as: string;
  how: TutorialCopy['how'];
}

export interface CopyPlan {
  items: CopyPlanItem[];
  skipped: TutorialsCopyResult['skipped'];
  notes: string[];
}

function dirOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/**
 * What happens to each chosen path. Pure. New files keep their path; files that differ go beside the
 * user's copy (keep-both, named with the image's label and free in that folder, copies planned here
 * included), replace it (overwrite) or stay as they are (skip). The Secure Configuration Storage is
 * never replaced: overwrite turns into keep-both for it, and the result says so.
 */
export function planTutorialCopy(
  files: readonly TutorialFile[],
  paths: readonly string[],
  conflict: ConflictChoice,
  label: string,
  tree: ReadonlyMap<string, VolumeRecord>,
): CopyPlan {
  const byPath = new Map(files.map((f) => [f.path, f]));
  const taken = new Set<string>(tree.keys());
  const plan: CopyPlan = { items: [], skipped: [], notes: [] };
  for (const path of [...new Set(paths.map((p) => p.replace(/^\.?\/+/, '')))]) {
    const f = byPath.get(path);
    if (!f) {
      plan.skipped.push({ path, reason: 'the image does not ship it' });
      continue;
    }
    if (f.blocked !== null) {
      plan.skipped.push({ path, reason: f.blocked });
      continue;
    }
    if (f.state === 'unchanged') {
      plan.skipped.push({ path, reason: 'unchanged: the volume already has this version' });
      continue;
    }
    if (f.state === 'new') {
      plan.items.push({ path, as: path, how: 'new' });
      taken.add(path);
      continue;
    }
    if (conflict === 'skip') {
      plan.skipped.push({ path, reason: 'differs; skip was chosen, the volume keeps its own' });
      continue;
    }
    if (conflict === 'overwrite' && !f.scs) {
      plan.items.push({ path, as: path, how: 'overwrite' });
      continue;
    }
    const dir = dirOf(path);
    const name = keepBothName(baseOf(path), label, (c) => taken.has(dir === '' ? c : `${dir}/${c}`));
    const as = dir === '' ? name : `${dir}/${name}`;
    taken.add(as);
    plan.items.push({ path, as, how: 'keep-both' });
    if (f.scs && conflict === 'overwrite') {
      plan.notes.push(
        `${path} is the Secure Configuration Storage: it was not replaced (its master password and connection settings would have become the image's); the image's copy is beside it as ${as}.`,
      );
    }
  }
  return plan;
}

/**
 * The commit, after the copies were extracted into the stage: makes the missing folders on the way
 * (owned like the copies), then moves each staged file onto its name. Runs as `sh -c SCRIPT sh ROOT
 * STAGE OWNER NDIRS DIR… FROM TO REPLACE…`: names are arguments, never part of a shell string. A link
 * on the way, or a name that appeared since the check without overwrite chosen, stops it (exit 3);
 * what was moved so far is complete, the rest goes with the stage.
 */
export const TUTORIALS_COMMIT_SCRIPT = [
  'root=$1; stage=$2; owner=$3; ndirs=$4; shift 4',
  'status=0',
  'while [ "$ndirs" -gt 0 ]; do',
  '  d=$1; shift; ndirs=$((ndirs - 1))',
  '  [ "$status" = 0 ] || continue',
  '  if [ -L "$root/$d" ]; then echo "ailab-tutorials: a link is in the way: $d" >&2; status=3; continue; fi',
  '  if [ ! -d "$root/$d" ]; then mkdir -- "$root/$d" && chown -- "$owner" "$root/$d" || status=$?; fi',
  'done',
  'if [ "$status" = 0 ]; then',
  '  while [ $# -ge 3 ]; do',
  '    from=$1; to=$2; replace=$3; shift 3',
  '    if [ -e "$root/$to" ] || [ -L "$root/$to" ]; then',
  '      if [ "$replace" != 1 ]; then echo "ailab-tutorials: appeared meanwhile: $to" >&2; status=3; break; fi',
  '      mv -f -T -- "$root/$to" "$stage/old/$from" || { status=$?; break; }',
  '    fi',
  '    mv -f -T -- "$stage/new/$from" "$root/$to" || { status=$?; break; }',
  '  done',
  'fi',
  'rm -rf -- "$stage"',
  'exit $status',
].join('\n');

/** Every folder on the way to the targets, shallowest first, each once. */
export function foldersOnTheWay(targets: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const t of targets) {
    const parts = t.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!seen.has(d)) {
        seen.add(d);
        out.push(d);
      }
    }
  }
  return out.sort((a, b) => a.split('/').length - b.split('/').length);
}

function stageStream(stage: string, items: Array<{ file: ShippedFile; index: number }>, owner: { uid: number; gid: number }): Readable {
  const p = pack();
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const now = new Date();
  for (const dir of [stage, `${stage}/new`, `${stage}/old`]) p.entry({ name: dir, type: 'directory', mode: 0o700, uid: 0, gid: 0, mtime: now });
  for (const { file, index } of items) {
    // The shipped time is kept: it is when upstream wrote the notebook, as AI-Lab's own copy (cp -p) keeps it.
    p.entry(
      { name: `${stage}/new/${index}`, type: 'file', mode: file.mode, mtime: new Date(file.mtimeMs), uid: owner.uid, gid: owner.gid },
      file.data ?? Buffer.alloc(0),
    );
  }
  p.finalize();
  p.pipe(out);
  return out;
}

/**
 * Writes the planned copies into the volume: one tar stream made here (owner = the notebooks folder's,
 * the shipped mode and time) is extracted by a confined helper into a hidden stage at the volume's
 * root, and a second helper puts each file in place (TUTORIALS_COMMIT_SCRIPT). Nothing half-copied ever
 * has a final name; a full volume is DISK_FULL with the stage removed.
 */
export async function writeTutorials(
  deps: CopyDeps,
  volume: string,
  items: readonly CopyPlanItem[],
  shipped: ReadonlyMap<string, ShippedFile>,
  owner: { uid: number; gid: number },
): Promise<void> {
  if (items.length === 0) return;
  const stage = `.ailab-tutorials-${randomBytes(6).toString('hex')}`;
  const staged = items.map((item, index) => {
    const file = shipped.get(item.path);
    if (!file || file.data === null) throw new AppError('INTERNAL', `The image's copy of ${item.path} was not read.`);
    return { file, index };
  });
  const removeStage = () => runCopyHelper(deps, { cmd: ['rm', '-rf', '--', `/volume/${stage}`], volume, readOnly: false }).catch(() => undefined);
  const stream = stageStream(stage, staged, owner);
  try {
    const res = await runCopyHelper(deps, {
      cmd: ['tar', '-C', '/volume', '--numeric-owner', ...EXTRACT_RECORDS, '-xf', '-'],
      volume,
      readOnly: false,
      stdin: stream,
    });
    if (res.exitCode !== 0)
      throw isNoSpace(res.stderrTail) ? volumeFull(volume, 'the tutorials') : helperFailed(`Writing into volume "${volume}"`, res, deps.helperImage);
  } catch (err) {
    await removeStage();
    throw err;
  }
  const dirs = foldersOnTheWay(items.map((i) => i.as));
  const res = await runCopyHelper(deps, {
    cmd: [
      'sh',
      '-c',
      TUTORIALS_COMMIT_SCRIPT,
      'sh',
      '/volume',
      `/volume/${stage}`,
      `${owner.uid}:${owner.gid}`,
      String(dirs.length),
      ...dirs,
      ...items.flatMap((item, index) => [String(index), item.as, item.how === 'overwrite' ? '1' : '0']),
    ],
    volume,
    readOnly: false,
  });
  if (res.exitCode === 3) {
    throw new AppError('INVALID_ARGUMENT', `The volume "${volume}" changed while the tutorials were copied; the copies not yet in place were not kept.`, {
      hint: 'Compare again and copy the ones still missing.',
      details: { lines: res.stderrTail },
    });
  }
  if (res.exitCode !== 0) {
    await removeStage();
    throw helperFailed(`Putting the tutorials in place in volume "${volume}"`, res, deps.helperImage);
  }
}
