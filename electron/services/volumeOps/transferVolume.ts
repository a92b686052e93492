import { AppError } from '../../../shared/contract/errors';
import type { JobSummary, RestoreMode } from '../../../shared/contract/jobs';
import { transferVolumeSchema, type TransferResult, type TransferVolumeOptions } from '../../../shared/contract/volumeOps';
import { toAppError } from '../docker/errors';
import { inspectVolume, requireVolume } from '../docker/volumes';
import { requireRunnableImage } from '../jobs/images';
import type { JobContext } from '../jobs/jobContext';
import { removeLeftoverHelpers } from '../jobs/leftovers';
import { measureWithFind, measureVolume } from '../jobs/measure';
import { putBack, safetyBackup } from '../jobs/restoreJob';
import { createVolume } from '../jobs/restoreSteps';
import { stopUsersOrWarn } from '../jobs/volumeContainers';
import { clearVolume } from '../jobs/volumeOps';
import { ensureHelperOnTarget } from './sendHelperImage';
import { cleanTarget, TargetHelpers } from './targetCleanup';
import { connectTarget, engineIdOf, type TargetEngine } from './targetEngine';
import type { VolumeOpsDeps } from './volumeOpsService';
import { compareListings, listVolume } from './volumeListing';
import { streamVolume } from './volumeStream';

/** Compose's labels name a project on the source machine; on another engine they would claim a project that is not there. */
const LOCAL_ONLY_LABEL = /^com\.docker\.compose\./;

function takenOnTarget(name: string, target: TargetEngine): AppError {
  return new AppError('VOLUME_EXISTS', `A volume named ${name} already exists on ${target.words}.`, {
    hint: 'Transfer into it with replace (its contents are backed up first) or merge, or choose another name (--as).',
    details: { volume: name, context: target.context },
  });
}

function missingOnTarget(name: string, target: TargetEngine, mode: RestoreMode): AppError {
  return new AppError('VOLUME_NOT_FOUND', `There is no volume named ${name} on ${target.words} to ${mode} into.`, {
    hint: 'Transfer with mode new to create it, or check the name (--as).',
    details: { volume: name, context: target.context },
  });
}

/**
 * Transfer to another engine (issue 16): checks that answer before a job exists (the source volume,
 * the helper image, the target context: known, reachable, another engine, API ≥ 1.41; the target name
 * per mode), then a job: stop the source's users if asked, send the helper image if the target lacks
 * it, measure, prepare the target volume (new: create; replace: safety backup to this machine, then
 * empty), stream tar engine to engine, compare both volumes' listings. Failure or cancel: new → the
 * target volume is removed (over a fresh connection if need be), replace → the old contents are put
 * back, merge → what arrived stays (said so); helpers are removed on both engines.
 */
export async function transferVolume(deps: VolumeOpsDeps, raw: TransferVolumeOptions): Promise<JobSummary> {
  const o = transferVolumeSchema.parse(raw);
  const as = o.as ?? o.volume;
  const manager = deps.jobs.manager;
  const docker = manager.docker();
  const source = await requireVolume(docker, o.volume, 'manage');
  const image = await requireRunnableImage(docker, deps.core.settings.get().helperImage);
  await manager.assertFreeEverywhere(o.volume);

  const target = await connectTarget({
    env: deps.env,
    context: o.toContext,
    sourceEngineId: await engineIdOf(docker),
    sourceUrl: deps.core.docker.status().endpoint?.url ?? null,
  });
  try {
    const existing = await inspectVolume(target.docker, as);
    if (o.mode === 'new' && existing) throw takenOnTarget(as, target);
    if (o.mode !== 'new' && !existing) throw missingOnTarget(as, target, o.mode);
  } catch (err) {
    await target.close();
    throw err;
  }
  const labels = Object.fromEntries(Object.entries(source.labels).filter(([k]) => !LOCAL_ONLY_LABEL.test(k)));

  try {
    return await manager.launch({ kind: 'transfer', volume: o.volume, file: '', engine: 'fast', mode: o.mode, target: `${o.toContext}:${as}` }, (ctx) =>
      runTransfer(ctx, { ...o, as, image, labels, target, env: deps.env, appVersion: deps.core.version }).finally(() => target.close()),
    );
  } catch (err) {
    await target.close();
    throw err;
  }
}

interface TransferJob {
  volume: string;
  as: string;
  toContext: string;
  mode: RestoreMode;
  stopContainers: boolean;
  image: string;
  labels: Record<string, string>;
  target: TargetEngine;
  env: NodeJS.ProcessEnv;
  appVersion: string;
}

async function runTransfer(ctx: JobContext, j: TransferJob): Promise<TransferResult> {
  const started = Date.now();
  const target = j.target;
  const helpers = new TargetHelpers(target.docker);
  // The target's steps run the jobs domain's own code (safety backup, clearing, put back) with the target's client.
  const onTarget: JobContext = { ...ctx, docker: target.docker, tracker: helpers };
  const state = { created: false, safety: null as string | null, cleared: false, writing: false };
  ctx.phase('starting');
  ctx.log(`Target: ${target.words}, Docker API ${target.apiVersion}; the volume there: ${j.as} (mode ${j.mode}).`);
  // The job manager's crash cleanup looks at the source engine only: helpers a dead process left on this target go now.
  const leftovers = await removeLeftoverHelpers(target.docker).catch(() => []);
  if (leftovers.length > 0) ctx.log(`Removed ${leftovers.length} helper container(s) an earlier transfer left on ${target.words}.`);
  try {
    await stopUsersOrWarn(
      ctx,
      j.volume,
      j.stopContainers,
      (names) =>
        `${names} use${names.includes(',') ? '' : 's'} ${j.volume} while it is sent; files changed meanwhile may arrive half-written or fail the comparison. Stop them for a consistent copy.`,
    );
    const helperImageCopied = await ensureHelperOnTarget(ctx, target, j.image);

    ctx.phase('measuring');
    const measured = await measureWithFind({
      docker: ctx.docker,
      volume: j.volume,
      image: j.image,
      labels: ctx.labels,
      signal: ctx.signal,
      tracker: ctx.tracker,
    });
    if (measured) ctx.log(`${j.volume}: ${measured.entries} entries, ${measured.bytes} bytes of content.`);

    // Looked at again: the target may have changed since the checks before the job.
    const existing = await inspectVolume(target.docker, j.as);
    if (j.mode === 'new') {
      if (existing) throw takenOnTarget(j.as, target);
      ctx.throwIfCancelled();
      await createVolume(target.docker, j.as, j.labels);
      state.created = true;
      ctx.log(`Created the volume ${j.as} on ${target.words}.`);
    } else if (!existing) {
      throw missingOnTarget(j.as, target, j.mode);
    }
    if (j.mode === 'replace') {
      const current = await measureVolume({
        docker: target.docker,
        volume: j.as,
        image: j.image,
        runnable: true,
        labels: ctx.labels,
        signal: ctx.signal,
        tracker: helpers,
      });
      state.safety = await safetyBackup(onTarget, j.as, j.image, true, j.appVersion, current);
      ctx.phase('clearing-volume');
      ctx.log(`Emptying ${j.as} on ${target.words}…`);
      state.cleared = true;
      await clearVolume(onTarget, j.as, j.image);
    }

    ctx.phase('copying', { filesTotal: measured?.entries ?? null, bytesTotal: measured?.bytes ?? null });
    ctx.log(`Sending ${j.volume} to ${j.as} on ${target.words} (tar, engine to engine, no file in between)…`);
    state.writing = true;
    const sent = await streamVolume(ctx, {
      volume: j.volume,
      image: j.image,
      target: { docker: target.docker, words: target.words, tracker: helpers },
      targetVolume: j.as,
    });
    ctx.log(
      `Sent ${sent.entries} entries, ${sent.streamBytes} bytes of tar in ${sent.seconds.toFixed(1)} s (${(sent.streamBytes / 1e6 / sent.seconds).toFixed(1)} MB/s), sha256 ${sent.sha256}.`,
    );

    ctx.phase('verifying', { filesTotal: sent.entries, bytesTotal: null }, { keepCounts: true });
    ctx.log('Comparing both volumes entry by entry (path, type, mode, owner, size, mtime, link target, hard links)…');
    // Both settle before a failure is thrown: a listing still running would keep the target mounted while it is removed.
    const [sa, sb] = await Promise.allSettled([listVolume(ctx, j.volume, j.image), listVolume(onTarget, j.as, j.image)]);
    if (sa.status === 'rejected') throw sa.reason;
    if (sb.status === 'rejected') throw sb.reason;
    const mine = sa.value;
    // A merge keeps what the target had besides: only the source's entries must be there, as they are here.
    const diffs = compareListings(mine, sb.value).filter((d) => j.mode !== 'merge' || d.source !== 'missing');
    if (diffs.length > 0) {
      for (const d of diffs.slice(0, 50)) ctx.log(`Differs: ${d.path}: source ${d.source}; on ${target.words} ${d.copy}`);
      throw new AppError(
        'DOCKER_ERROR',
        `The copy of ${j.volume} on ${target.words} differs from the source in ${diffs.length} ${diffs.length === 1 ? 'entry' : 'entries'} (${diffs
          .slice(0, 3)
          .map((d) => d.path)
          .join(', ')}${diffs.length > 3 ? ', …' : ''}).`,
        {
          hint: 'Files may have changed while they were sent (stop the containers using the volume), or the target cannot store them as they are. See the job log.',
          details: { differences: diffs.slice(0, 20) },
        },
      );
    }
    ctx.log(`Verified: ${mine.size} entries match on ${target.words}.`);
    return {
      kind: 'transfer',
      volume: j.volume,
      toContext: j.toContext,
      toEngine: target.endpoint.url,
      as: j.as,
      mode: j.mode,
      createdVolume: state.created,
      entries: sent.entries,
      totalBytes: sent.bytes,
      streamBytes: sent.streamBytes,
      helperImageCopied,
      safetyBackup: state.safety,
      verified: true,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    await undoTransfer(ctx, onTarget, helpers, j, state, err);
    throw err;
  } finally {
    await helpers.removeAll();
  }
}

/** Runs with its own signal: a cancel must not cancel the undoing of the thing cancelled. */
async function undoTransfer(
  jobCtx: JobContext,
  targetCtx: JobContext,
  helpers: TargetHelpers,
  j: TransferJob,
  s: { created: boolean; safety: string | null; cleared: boolean; writing: boolean },
  cause: unknown,
): Promise<void> {
  const quiet = { signal: new AbortController().signal, throwIfCancelled: () => undefined };
  const ctx: JobContext = { ...jobCtx, ...quiet };
  await helpers.removeAll();
  const left = { env: j.env, context: j.toContext, words: j.target.words, jobId: ctx.id };
  if (s.created) {
    ctx.log(`Removing the volume ${j.as} this transfer created on ${j.target.words}…`);
    const leftover = await cleanTarget(j.target.docker, { ...left, volume: j.as });
    if (leftover) ctx.warn(leftover);
    return;
  }
  if (helpers.ids.size > 0) {
    const leftover = await cleanTarget(j.target.docker, { ...left, volume: null });
    if (leftover) ctx.warn(leftover);
  }
  if (j.mode === 'replace' && s.cleared && s.safety) {
    ctx.phase('rolling-back');
    ctx.log(`Putting the previous contents of ${j.as} on ${j.target.words} back from ${s.safety}…`);
    try {
      await putBack({ ...targetCtx, ...quiet }, j.as, s.safety, j.image);
      ctx.warn(`The previous contents of ${j.as} on ${j.target.words} were put back from the safety backup ${s.safety}.`);
    } catch (err) {
      ctx.warn(
        `Putting the previous contents of ${j.as} on ${j.target.words} back failed too (${toAppError(err).message}). They are safe in ${s.safety}; restore that file there (ailab --context ${j.toContext} restore ${s.safety} ${j.as} --mode replace).`,
      );
    }
    return;
  }
  if (j.mode === 'merge' && s.writing) {
    const how = (cause as { code?: unknown }).code === 'CANCELLED' ? 'was stopped' : 'failed';
    ctx.warn(`The merge into ${j.as} on ${j.target.words} ${how} part-way: files that arrived before remain there.`);
  }
}
