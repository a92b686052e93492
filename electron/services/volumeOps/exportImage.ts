import { PassThrough, type Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import type { JobSummary } from '../../../shared/contract/jobs';
import { exportVolumeSchema, type ExportedVolumeInfo, type ExportResult, type ExportVolumeOptions } from '../../../shared/contract/volumeOps';
import { createTarTap } from '../archive/tarTap';
import { engineMessage, isNotFound, toAppError } from '../docker/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { requireVolume } from '../docker/volumes';
import { TapProgress } from '../jobs/byteSampler';
import { createHelper, runHelper } from '../jobs/helperContainer';
import { anyImageForCreate, withDefaultTag } from '../jobs/images';
import type { JobContext } from '../jobs/jobContext';
import { measureVolume } from '../jobs/measure';
import { tarFailure } from '../jobs/verboseListing';
import { stopUsersOrWarn } from '../jobs/volumeContainers';
import { exportLabelChange, imageInfoFrom, inspectImageOrNull } from './exportLabel';
import { pushImage } from './registryPush';
import type { VolumeOpsDeps } from './volumeOpsService';

/** `registry:5000/me/notebooks:1` → repo `registry:5000/me/notebooks`, tag `1` (a missing tag is `latest`). */
export function splitReference(ref: string): { repo: string; tag: string } {
  if (ref.includes('@')) {
    throw new AppError('INVALID_ARGUMENT', `${ref} names an image by its digest; an export needs a name and tag (name:tag).`, {
      hint: 'Leave out the @sha256:… part.',
    });
  }
  const full = withDefaultTag(ref);
  const colon = full.lastIndexOf(':');
  return { repo: full.slice(0, colon), tag: full.slice(colon + 1) };
}

/**
 * A taken tag. Overwritten only when it is itself an export of the same volume (a newer snapshot under
 * the same name, which is what re-running `ailab volumes export nc --image nc-backup:latest` means);
 * any other image is refused, whatever the user asked: a careful user never expects an export to take
 * `ubuntu:latest`'s name, or another volume's export. Returns the old image's id when it is replaced.
 */
async function checkTag(docker: Dockerode, ref: string, volume: string): Promise<string | null> {
  const existing = await inspectImageOrNull(docker, ref);
  if (!existing) return null;
  const info = imageInfoFrom(ref, existing);
  if (info.export?.volume === volume) return existing.Id;
  const what = info.export ? `an export of the volume ${info.export.volume}` : 'not a volume export';
  throw new AppError('FILE_EXISTS', `The image ${ref} already exists and is ${what}: an export does not replace it.`, {
    hint: `Choose another name or tag, or remove it first (docker rmi ${ref}).`,
    details: { image: ref, existing: existing.Id },
  });
}

/** The Engine's answer to an import: the new image's id, or the error it reported inside the stream. */
function followImport(docker: Dockerode, stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let id: string | null = null;
    let failure: string | null = null;
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        if (failure !== null || err) reject(new AppError('DOCKER_ERROR', `Docker could not make the image: ${failure ?? err?.message}`));
        else if (id === null) reject(new AppError('DOCKER_ERROR', 'Docker did not say which image it made.'));
        else resolve(id);
      },
      (ev: { status?: string; error?: string; errorDetail?: { message?: string } }) => {
        if (ev.error || ev.errorDetail?.message) failure = ev.errorDetail?.message ?? ev.error ?? 'unknown error';
        else if (ev.status && /^sha256:[0-9a-f]{64}$/.test(ev.status)) id = ev.status;
      },
    );
  });
}

/**
 * The volume as tar with entries `volume/…` (the folder itself first: its owner and mode become the
 * image's /volume), written into `out`. In the helper image: `tar -C / --numeric-owner -cf - volume`
 * (read-only, confined, no log driver); without a runnable helper image the Engine's own
 * `GET /archive?path=/volume` of a created, never started container gives the same layout.
 * Resolves once tar has exited well; `out` is never ended here (the caller ends it only on success,
 * so a failed or cancelled export never hands the Engine a short but well-formed layer).
 */
async function packVolume(ctx: JobContext, volume: string, image: { image: string; runnable: boolean }, out: PassThrough): Promise<void> {
  if (!image.runnable) {
    const container = await createHelper(ctx.docker, { image: image.image, volume, readOnly: true, labels: ctx.labels }, ctx.tracker);
    try {
      const source = (await container.getArchive({ path: VOLUME_MOUNT, abortSignal: ctx.signal }).catch((err: unknown) => {
        throw toAppError(err);
      })) as Readable;
      await new Promise<void>((resolve, reject) => {
        source.on('error', reject);
        source.on('end', resolve);
        source.pipe(out, { end: false });
      });
    } finally {
      await ctx.tracker.remove(container.id);
    }
    return;
  }
  const res = await runHelper(
    ctx.docker,
    { image: image.image, cmd: ['tar', '-C', '/', '--numeric-owner', '-cf', '-', VOLUME_MOUNT.slice(1)], volume, readOnly: true, labels: ctx.labels },
    { signal: ctx.signal, stdout: out, onStderrLine: (line) => ctx.log(line) },
    ctx.tracker,
  );
  // 1: files changed while read (the archive is complete); warned by the caller's count check.
  if (res.exitCode === 1)
    ctx.warn(
      `tar reported files that changed while they were packed: ${res.stderrTail.slice(0, 3).join('; ')}. Stop the containers using the volume for a consistent export.`,
    );
  else if (res.exitCode !== 0) throw tarFailure(res.exitCode, res.stderrTail, image.image);
}

async function removeImage(ctx: JobContext, id: string, what: string): Promise<void> {
  try {
    await ctx.docker.getImage(id).remove({ noprune: false });
    ctx.log(`Removed ${what}.`);
  } catch (err) {
    if (!isNotFound(err)) ctx.warn(`${what} could not be removed (${engineMessage(err)}); remove it with docker rmi ${id.slice(7, 19)}.`);
  }
}

interface ExportPlan {
  volume: string;
  ref: string;
  repo: string;
  tag: string;
  push: boolean;
  stopContainers: boolean;
  replaces: string | null;
  appVersion: string;
}

async function runExport(ctx: JobContext, p: ExportPlan): Promise<ExportResult> {
  const started = Date.now();
  ctx.phase('starting');
  await stopUsersOrWarn(
    ctx,
    p.volume,
    p.stopContainers,
    (names) => `Containers using ${p.volume} were running during the export (${names}); files they changed meanwhile may be inconsistent.`,
  );
  const helper = await anyImageForCreate(ctx.docker, ctx.helperImage);
  ctx.phase('measuring');
  const measured = await measureVolume({ docker: ctx.docker, volume: p.volume, labels: ctx.labels, signal: ctx.signal, tracker: ctx.tracker, ...helper });
  ctx.throwIfCancelled();
  // The label goes with the import request, before a byte is read: the totals are the measured ones,
  // and the packed stream is counted against them below.
  const info: ExportedVolumeInfo = {
    volume: p.volume,
    entries: measured.entries,
    totalBytes: measured.bytes,
    createdAt: new Date().toISOString(),
    appVersion: p.appVersion,
  };
  ctx.phase('packing', { filesTotal: measured.entries, bytesTotal: measured.bytes });
  ctx.log(`Packing ${p.volume} into the image ${p.ref} (one FROM scratch layer, its contents under ${VOLUME_MOUNT})…`);
  const counter = new TapProgress(ctx.progress, ctx.log);
  const tap = createTarTap(counter.onEntry);
  counter.attach(tap);
  const body = new PassThrough({ highWaterMark: 1024 * 1024 });
  tap.pipe(body);
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  let imageId: string | null = null;
  let tagMoved = false;
  try {
    const importing = (async () => {
      const stream = (await ctx.docker.importImage(body, {
        repo: p.repo,
        tag: p.tag,
        changes: [exportLabelChange(info)],
        abortSignal: abort.signal,
      } as unknown as Parameters<Dockerode['importImage']>[1])) as unknown as Readable;
      return followImport(ctx.docker, stream);
    })();
    importing.catch(() => abort.abort());
    try {
      await packVolume(ctx, p.volume, helper, tap as unknown as PassThrough);
    } catch (err) {
      // The request is torn down, not ended: the Engine gets a broken body and makes no image.
      abort.abort();
      body.destroy();
      await importing.catch(() => undefined);
      throw err;
    }
    tap.end();
    imageId = await importing.catch((err: unknown) => {
      throw ctx.signal.aborted ? new AppError('CANCELLED', 'Cancelled.') : toAppError(err);
    });
    tagMoved = p.replaces !== null && p.replaces !== imageId;
    counter.stop();
    ctx.throwIfCancelled();
    ctx.log(`Image ${p.ref} made: ${imageId}.`);
    if (counter.entries !== measured.entries) {
      ctx.warn(
        `The volume changed while it was exported: ${counter.entries} entries were packed, ${measured.entries} counted just before (the image's label says ${measured.entries}). Stop the containers using ${p.volume} for a consistent export.`,
      );
    }
    const inspect = await ctx.docker.getImage(imageId).inspect();
    let pushed = false;
    if (p.push) {
      await pushImage(ctx, p.ref);
      pushed = true;
    }
    // The previous export lost its tag to this one: removed unless another tag still names it.
    if (tagMoved && p.replaces) {
      const old = await inspectImageOrNull(ctx.docker, p.replaces).catch(() => null);
      if (old && (old.RepoTags ?? []).length === 0)
        await removeImage(ctx, p.replaces, `the previous export ${p.replaces.slice(7, 19)} that had the tag ${p.ref}`);
    }
    return {
      kind: 'export',
      volume: p.volume,
      image: p.ref,
      imageId,
      entries: counter.entries,
      totalBytes: counter.bytes,
      imageBytes: inspect.Size,
      pushed,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    await undoExport(ctx, p, imageId);
    throw err;
  } finally {
    counter.stop();
    ctx.signal.removeEventListener('abort', onAbort);
    tap.destroy();
  }
}

/** A failed or cancelled export leaves no image of its own; a replaced export gets its tag back. */
async function undoExport(ctx: JobContext, p: ExportPlan, imageId: string | null): Promise<void> {
  let id = imageId;
  if (id === null) {
    // Made, but its answer was lost (Docker went away, cancel at the last moment): the tag tells.
    const now = await inspectImageOrNull(ctx.docker, p.ref).catch(() => null);
    if (now && now.Id !== p.replaces) id = now.Id;
  }
  if (id === null || id === p.replaces) return;
  await removeImage(ctx, id, `the image ${p.ref} this export made`);
  if (p.replaces) {
    try {
      await ctx.docker.getImage(p.replaces).tag({ repo: p.repo, tag: p.tag });
      ctx.log(`${p.ref} names the previous export again.`);
    } catch (err) {
      ctx.warn(`The previous export ${p.replaces.slice(7, 19)} could not get its tag ${p.ref} back: ${engineMessage(err)}.`);
    }
  }
}

/** Starts an export job (kind 'export', target: the image); checks that answer at once come first. */
export async function exportVolume(deps: VolumeOpsDeps, raw: ExportVolumeOptions): Promise<JobSummary> {
  const opts = exportVolumeSchema.parse(raw);
  const { repo, tag } = splitReference(opts.image);
  const ref = `${repo}:${tag}`;
  const docker = deps.jobs.manager.docker();
  await requireVolume(docker, opts.volume, 'backup');
  await deps.jobs.manager.assertFreeEverywhere(opts.volume);
  const replaces = await checkTag(docker, ref, opts.volume);
  return deps.jobs.manager.launch({ kind: 'export', volume: opts.volume, file: '', engine: 'fast', mode: null, target: ref }, (ctx) =>
    runExport(ctx, { volume: opts.volume, ref, repo, tag, push: opts.push, stopContainers: opts.stopContainers, replaces, appVersion: deps.core.version }),
  );
}
