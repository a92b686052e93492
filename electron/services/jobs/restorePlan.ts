import fs from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { SCS_FILE } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type {
  ArchiveSummary,
  JobEngine,
  RestorePlan,
  RestoreSelection,
  RestoreSelectionPlan,
  RestoreSource,
  RestoreTargetInfo,
  ScsComparison,
  ScsStat,
} from '../../../shared/contract/jobs';
import { assertSafe, inspectArchive } from '../archive/inspectArchive';
import { manifestMatches, readManifest } from '../archive/manifest';
import type { ArchiveInspection, ScsEntry } from '../archive/types';
import { probeScs } from '../volumes/scsProbe';
import { inspectVolume } from '../docker/volumes';
import { namesUnderFolder } from './archiveNames';
import type { ContainerTracker } from './helperContainer';
import { anyImageForCreate, imagePresent, withDefaultTag } from './images';
import type { InspectionCache } from './inspectionCache';
import { volumeNameFromFile } from './paths';
import { decideFor, selectionPlan } from './selectiveRestore';
import { containersUsingVolume } from './volumeContainers';
import { topFolderAdvice } from './topFolderAdvice';
import { existingTopLevelNames } from './volumeProbe';

export interface PlanDeps {
  docker: Dockerode;
  cache: InspectionCache;
  helperImage: string;
  defaultEngine: JobEngine;
  labels: Record<string, string>;
  tracker: ContainerTracker;
  onProgress: (bytesDone: number, bytesTotal: number) => void;
  signal?: AbortSignal;
}

export function summarise(i: ArchiveInspection): ArchiveSummary {
  return {
    format: i.format,
    compressedBytes: i.compressedBytes,
    entries: i.entries,
    fileCount: i.fileCount,
    dirCount: i.dirCount,
    symlinkCount: i.symlinkCount,
    hardlinkCount: i.hardlinkCount,
    totalBytes: i.totalBytes,
    sha256: i.sha256,
    topFolder: i.topFolder,
    containsScs: i.containsScs,
    setuidRootCount: i.setuidRootCount,
    setuidRootFiles: i.setuidRootFiles,
    topLevelNames: i.topLevelNames,
    sample: i.sample.slice(0, 50),
  };
}

/**
 * The inspection (one read of the whole archive), and, only for a plan that strips the top folder, the
 * names under it (a second read, so that "what is overwritten" is said of the names really written).
 */
async function inspectCached(deps: PlanDeps, file: string, strip: boolean): Promise<{ inspection: ArchiveInspection; namesUnderTop: string[] | null }> {
  const cached = await deps.cache.get(file);
  const needNames = (i: ArchiveInspection) => strip && i.topFolder !== null;
  if (cached && (cached.namesUnderTop !== null || !needNames(cached.inspection))) return cached;
  const before = await deps.cache.identity(file);
  const inspection = cached?.inspection ?? (await inspectArchive(file, { signal: deps.signal, onProgress: (p) => deps.onProgress(p.bytesRead, p.totalBytes) }));
  // Refuse before the second read: an unsafe archive is not worth another look.
  assertSafe(inspection);
  const namesUnderTop = needNames(inspection) && inspection.topFolder ? await namesUnderFolder(file, inspection.topFolder, deps.signal) : null;
  await deps.cache.put(file, inspection, namesUnderTop, before);
  return { inspection, namesUnderTop };
}

function scsStat(e: ScsEntry): ScsStat {
  return { size: e.size, modifiedAt: new Date(e.mtime * 1000).toISOString(), sha256: e.sha256 };
}

/**
 * The volume's SCS against the archive's. A stripped archive's SCS sits under its top folder, which the
 * inspection does not hash: then both count as different (asking once too often is the safe side).
 */
async function compareScs(deps: PlanDeps, volume: string, archiveScs: ScsEntry | null, overwritesScs: boolean): Promise<ScsComparison> {
  const v = await probeScs({ docker: deps.docker, helperImage: deps.helperImage, labels: deps.labels, tracker: deps.tracker }, volume, {
    withHash: archiveScs !== null || overwritesScs,
  });
  const inVolume: ScsStat | null = v.present ? { size: v.size ?? 0, modifiedAt: v.modifiedAt ?? '', sha256: v.sha256 } : null;
  const inArchive = archiveScs ? scsStat(archiveScs) : null;
  let differs = false;
  if (inVolume && overwritesScs) {
    if (!inArchive) differs = true;
    else if (inVolume.sha256 && inArchive.sha256) differs = inVolume.sha256 !== inArchive.sha256;
    else differs = inVolume.size !== inArchive.size || Math.floor(Date.parse(inVolume.modifiedAt) / 1000) !== archiveScs?.mtime;
  }
  return { volume: inVolume, archive: inArchive, differs };
}

async function freeVolumeName(docker: Dockerode, wanted: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const name = i === 0 ? wanted : `${wanted}-restored${i === 1 ? '' : `-${i}`}`;
    if (!(await inspectVolume(docker, name))) return name;
  }
  return `${wanted}-${Date.now().toString(36)}`;
}

/** Everything the Restore dialog shows before the user confirms; changes nothing. */
export async function buildRestorePlan(
  deps: PlanDeps,
  args: { source: RestoreSource; archivePath: string; volume: string | null; stripTopFolder?: boolean; selection?: RestoreSelection; keepScs?: boolean },
): Promise<RestorePlan> {
  if (args.selection && args.stripTopFolder) {
    throw new AppError('INVALID_ARGUMENT', 'Stripping the top folder does not go with chosen paths: they are paths of the archive as it is.', {
      hint: 'Use "into" to restore them below another folder.',
    });
  }
  const { inspection, namesUnderTop } = await inspectCached(deps, args.archivePath, args.stripTopFolder === true);
  assertSafe(inspection);
  // Stripped only when asked: topFolderAdvice says why, and whether the dialog offers it.
  const strip = args.stripTopFolder === true && inspection.topFolder !== null;
  const restoredNames = strip && namesUnderTop ? namesUnderTop : inspection.topLevelNames;

  let manifest = await readManifest(args.archivePath);
  let manifestWarning: string | null = null;
  if (manifest && !manifestMatches(manifest, inspection)) {
    manifestWarning = `${path.basename(args.archivePath)}.json describes another file (its sha256 differs), so it was ignored.`;
    manifest = null;
  }

  let target: RestoreTargetInfo | null = null;
  if (args.volume) {
    const exists = (await inspectVolume(deps.docker, args.volume)) !== null;
    let overwritten: string[] = [];
    let containers: RestoreTargetInfo['containers'] = [];
    if (exists) {
      containers = await containersUsingVolume(deps.docker, args.volume);
      const { image } = await anyImageForCreate(deps.docker, deps.helperImage);
      overwritten = await existingTopLevelNames(deps.docker, { image, volume: args.volume, labels: deps.labels, tracker: deps.tracker }, restoredNames);
    }
    const overwritesScs = overwritten.includes(SCS_FILE);
    // Compared only where it matters (the volume has its own and the archive brings one): a read of one small file.
    const scs = exists ? await compareScs(deps, args.volume, strip ? null : inspection.scsAtRoot, overwritesScs) : null;
    target = { volume: args.volume, exists, containers, overwritten, overwritesScs, scs };
  }

  // Chosen paths: read once more for their entries, and the volume probed where they would go.
  let selection: RestoreSelectionPlan | null = null;
  if (args.selection) {
    const { decisions, roots, into } = await decideFor({
      docker: deps.docker,
      helperImage: deps.helperImage,
      volume: target?.exists ? (args.volume as string) : null,
      labels: deps.labels,
      tracker: deps.tracker,
      signal: deps.signal ?? new AbortController().signal,
      archivePath: args.archivePath,
      selection: args.selection,
      createdAt: manifest ? new Date(manifest.createdAt) : (await fs.stat(args.archivePath)).mtime,
      keepScs: args.keepScs,
    });
    selection = selectionPlan(decisions, roots, into);
  }

  const fileName = path.basename(args.archivePath);
  return {
    source: args.source,
    archivePath: args.archivePath,
    fileName,
    archive: summarise(inspection),
    manifest,
    manifestWarning,
    target,
    topFolder: topFolderAdvice(inspection, manifest),
    stripTopFolder: strip,
    selection,
    suggestedVolume: await freeVolumeName(deps.docker, manifest?.volume ?? volumeNameFromFile(fileName)),
    defaultEngine: deps.defaultEngine,
    helperImage: deps.helperImage,
    helperImagePresent: await imagePresent(deps.docker, withDefaultTag(deps.helperImage)),
  };
}
