import { SCS_FILE } from '../../../shared/ailab';
import type { FileHandle } from 'node:fs/promises';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import type { BackupManifest, ConflictChoice, RestoreResult, RestoreSelection, RestoreSelectionPlan } from '../../../shared/contract/jobs';
import { scanArchive } from '../archive/scanArchive';
import { dirHeader, TarSelect } from '../archive/tarSelect';
import type { ArchiveInspection, TarEntryInfo } from '../archive/types';
import { backupLabel } from '../volumes/keepBothName';
import { assertSpaceFor } from './freeSpace';
import type { ContainerTracker } from './helperContainer';
import { requireRunnableImage } from './images';
import type { JobContext } from './jobContext';
import { unpackEngine } from './restoreEngines';
import type { RestoreJobOptions } from './restoreJob';
import { decideSelection, SelectionCollector, type SelectionDecisions } from './selectionPlan';
import { chosenRoots, joinKey, keyOfBytes, selectionKey, shown } from './selectionPaths';
import { probeVolume } from './volumeTargets';
import { containersUsingVolume, stopUsersOrWarn } from './volumeContainers';

export const CONFLICT_CHOICES: readonly ConflictChoice[] = ['overwrite', 'keep-both', 'skip'];

interface SelectionArgs {
  docker: Dockerode;
  helperImage: string;
  volume: string | null;
  labels: Record<string, string>;
  tracker: ContainerTracker;
  signal: AbortSignal;
  archivePath: string;
  handle?: FileHandle;
  selection: RestoreSelection;
  /** The keep-both label's time: the manifest's createdAt, else the archive's mtime. */
  createdAt: Date;
  keepScs?: boolean;
}

/** The archive read for the chosen paths, the volume probed where they go, and what would be written where. */
export async function decideFor(a: SelectionArgs): Promise<{ decisions: SelectionDecisions; roots: string[]; into: string }> {
  const roots = chosenRoots(a.selection.only);
  const into = a.selection.into === undefined ? '' : selectionKey(a.selection.into, 'into');
  const collector = new SelectionCollector(roots);
  await scanArchive(a.archivePath, { signal: a.signal, handle: a.handle, onEntry: (e) => collector.add(e) });
  collector.assertAllFound();
  let volume = new Map();
  if (a.volume !== null) {
    const image = await requireRunnableImage(a.docker, a.helperImage);
    volume = await probeVolume(
      { docker: a.docker, image, volume: a.volume, labels: a.labels, tracker: a.tracker, signal: a.signal },
      roots.map((r) => joinKey(into, r)),
    );
  }
  const decisions = decideSelection(collector, volume, {
    into,
    conflict: a.selection.conflict,
    label: backupLabel(a.createdAt),
    now: Date.now(),
    keepScs: a.keepScs,
  });
  return { decisions, roots, into };
}

export function selectionPlan(d: SelectionDecisions, roots: string[], into: string): RestoreSelectionPlan {
  return {
    only: roots.map(shown),
    into: into === '' ? null : shown(into),
    entries: d.entries,
    bytes: d.bytes,
    conflicts: d.conflicts,
    conflictCount: d.conflictCount,
    writesScs: d.writesScs,
    overwritesScs: d.overwritesScs,
  };
}

export function missingChoice(d: SelectionDecisions): AppError {
  const first = d.conflicts.slice(0, 5).join(', ');
  return new AppError(
    'INVALID_ARGUMENT',
    `${d.conflictCount} chosen ${d.conflictCount === 1 ? 'file exists' : 'files exist'} in the volume already (${first}${d.conflictCount > 5 ? ', …' : ''}): choose what to do with ${d.conflictCount === 1 ? 'it' : 'them'}: overwrite, keep-both or skip.`,
    {
      hint: 'overwrite replaces them, keep-both writes the backup\'s copy beside each ("a (backup …).ipynb"), skip leaves them as they are (--conflict in the CLI).',
      details: { choices: [...CONFLICT_CHOICES], conflicts: d.conflicts, conflictCount: d.conflictCount },
    },
  );
}

/**
 * The restore of chosen paths (a merge that writes nothing else): the archive was checked by the
 * caller; here the chosen entries and the volume are looked at again (the volume may have changed
 * since the plan), refusals and a missing conflict choice stop it before anything is written, and the
 * archive streams through the guard and a TarSelect into the engine's tar. Containers using the volume
 * keep running unless stopContainers asks otherwise: tar replaces only the chosen files.
 */
export async function restoreSelection(
  ctx: JobContext,
  o: RestoreJobOptions & { selection: RestoreSelection },
  handle: FileHandle,
  inspection: ArchiveInspection,
  manifest: BackupManifest | null,
  started: number,
): Promise<RestoreResult> {
  if (o.mode !== 'merge') throw selectionNeedsMerge(o.mode);
  if (o.stripTopFolder)
    throw new AppError('INVALID_ARGUMENT', 'Stripping the top folder does not go with chosen paths: they are paths of the archive as it is.', {
      hint: 'Use "into" to restore them below another folder.',
    });
  const image = await requireRunnableImage(ctx.docker, ctx.helperImage);
  if (o.stopContainers) {
    await stopUsersOrWarn(ctx, o.volume, true, () => '');
  } else {
    const running = (await containersUsingVolume(ctx.docker, o.volume)).filter((c) => c.running);
    if (running.length > 0) ctx.log(`${running.map((c) => c.name).join(', ')} keep running: a restore of chosen files does not need AI-Lab stopped.`);
  }
  ctx.phase('measuring');
  ctx.log(`Looking at the chosen paths in the archive and in ${o.volume}…`);
  const createdAt = manifest ? new Date(manifest.createdAt) : (await handle.stat()).mtime;
  const { decisions: d, into } = await decideFor({
    docker: ctx.docker,
    helperImage: ctx.helperImage,
    volume: o.volume,
    labels: ctx.labels,
    tracker: ctx.tracker,
    signal: ctx.signal,
    archivePath: o.archivePath,
    handle,
    selection: o.selection,
    createdAt,
    keepScs: o.keepScs,
  });
  if (d.keptScs) ctx.log(`${SCS_FILE} is not restored: the volume's own stays as it is (keepScs).`);
  else if (d.writesScs) ctx.warn(`${SCS_FILE} was restored from the archive: its master password and connection settings are now the archive's.`);
  if (d.conflictCount > 0 && o.selection.conflict === undefined) throw missingChoice(d);
  ctx.throwIfCancelled();
  const spaceChecked = assertSpaceFor(ctx, image, {
    volume: o.volume,
    mode: 'merge',
    restoreBytes: d.bytes + 4096 * d.entries,
    currentBytes: 0,
    safetyDir: '',
  });
  spaceChecked.catch(() => undefined);

  const restated = new Set(d.prelude.filter((p) => p.restated).map((p) => p.key));
  for (const p of d.prelude) if (!p.restated) ctx.log(`Creating the folder ${shown(p.key)}/ (owner ${p.uid}:${p.gid}, as the volume's top folder).`);
  const prelude = d.prelude.flatMap((p) => dirHeader(Buffer.from(p.key, 'latin1'), p));
  const select = (onEntry: (e: TarEntryInfo) => void) =>
    new TarSelect({
      prelude,
      onEntry,
      decide: (index, e) => {
        const act = d.actions.get(index);
        if (!act) return null;
        if (keyOfBytes(e.pathBytes) !== act.sourceKey) {
          throw new AppError('ARCHIVE_INVALID', 'The archive changed after it was checked: its entries are not the ones chosen.', {
            hint: 'Check where this file came from, then restore it again.',
          });
        }
        return { path: Buffer.from(act.isDir ? `${act.path}/` : act.path, 'latin1'), link: act.link === null ? null : Buffer.from(act.link, 'latin1') };
      },
    });

  ctx.phase('unpacking', { filesTotal: d.entries, bytesTotal: d.bytes });
  ctx.log(
    `Restoring ${d.entries} chosen ${d.entries === 1 ? 'entry' : 'entries'} into ${o.volume}${into ? ` below ${shown(into)}/` : ''} (${o.engine} engine)…`,
  );
  let unpacking = false;
  const ready = spaceChecked.then(() => {
    unpacking = true;
  });
  ready.catch(() => undefined);
  try {
    const unpacked = await unpackEngine(o.engine)(ctx, {
      ready,
      archivePath: o.archivePath,
      handle,
      guard: { checked: { sha256: inspection.sha256, entries: inspection.entries, totalBytes: inspection.totalBytes }, keepSetuid: o.keepSetuid },
      format: inspection.format,
      volume: o.volume,
      image,
      runnable: true,
      stripPrefix: null,
      select: { stream: select, hidden: (p) => restated.has(keyOfBytes(Buffer.from(p, 'utf8'))) },
    });
    if (unpacked.setuidWarning) ctx.warn(unpacked.setuidWarning);
    if (d.skipped.length > 0) ctx.log(`Skipped (they exist in the volume): ${d.skipped.slice(0, 50).join(', ')}${d.skipped.length > 50 ? ', …' : ''}`);
    for (const r of d.renamed.slice(0, 50)) ctx.log(`Written beside ${r.path}: ${r.as}`);
    return {
      kind: 'restore',
      volume: o.volume,
      mode: o.mode,
      createdVolume: false,
      entries: unpacked.entries,
      totalBytes: unpacked.bytes,
      compressedBytes: inspection.compressedBytes,
      sha256: inspection.sha256,
      volumeEntries: unpacked.entries,
      strippedPrefix: null,
      safetyBackup: null,
      archiveRemoved: false,
      durationMs: Date.now() - started,
      keptScs: d.keptScs,
      selection: {
        only: o.selection.only.map((p) => shown(selectionKey(p, 'only'))),
        into: into === '' ? null : shown(into),
        conflict: o.selection.conflict ?? null,
        overwritten: d.overwritten.slice(0, 50),
        overwrittenCount: d.overwritten.length,
        skipped: d.skipped.slice(0, 50),
        skippedCount: d.skipped.length,
        renamed: d.renamed.slice(0, 50),
        renamedCount: d.renamed.length,
      },
    };
  } catch (err) {
    if (unpacking && (err as { code?: string }).code !== 'CANCELLED')
      ctx.warn(`The restore into ${o.volume} failed part-way: chosen files written before the failure remain.`);
    throw err;
  }
}

export function selectionNeedsMerge(mode: string): AppError {
  return new AppError('INVALID_ARGUMENT', `Chosen paths can only be restored with mode merge, not ${mode}: everything else in the volume stays as it is.`, {
    hint: 'Restore with mode merge (--mode merge).',
  });
}
