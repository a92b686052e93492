import type Dockerode from 'dockerode';
import { z } from 'zod';
import { AppError } from '../../../shared/contract/errors';
import { VOLUME_EXPORT_LABEL, type ExportedVolumeInfo, type VolumeImageInfo } from '../../../shared/contract/volumeOps';
import { isNotFound, toAppError } from '../docker/errors';
import { withDefaultTag } from '../jobs/images';

/** What a volume export's label must hold; anything else is not one of ours (or was edited). */
const exportedVolumeInfoSchema = z
  .object({
    volume: z.string().min(1),
    entries: z.number().int().nonnegative(),
    totalBytes: z.number().int().nonnegative(),
    createdAt: z.string().min(1),
    appVersion: z.string(),
  })
  .strip();

/**
 * The `changes` line of `POST /images/create?fromSrc=-` (as `docker import --change`) that labels the
 * export. The Engine reads it with the Dockerfile parser: inside single quotes nothing is unescaped or
 * substituted (`\\`, `$HOME` stay as they are; measured), so the JSON reads back byte for byte. A `'`
 * cannot appear inside single quotes: it is written as the JSON escape \u0027, which JSON.parse reads
 * back as `'`.
 */
export function exportLabelChange(info: ExportedVolumeInfo): string {
  const json = JSON.stringify(info).replace(/'/g, '\\u0027');
  return `LABEL ${VOLUME_EXPORT_LABEL}='${json}'`;
}

/** The label's description, or null with the reason it is not a valid one. */
export function parseExportLabel(value: string): { info: ExportedVolumeInfo } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return { problem: 'its value is not JSON' };
  }
  const parsed = exportedVolumeInfoSchema.safeParse(raw);
  if (!parsed.success) return { problem: `its value lacks ${parsed.error.issues.map((i) => i.path.join('.') || 'fields').join(', ')}` };
  return { info: parsed.data };
}

function listOf(v: string[] | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  const parts = Array.isArray(v) ? v : [v];
  return parts.length > 0 ? parts.join(' ') : null;
}

/**
 * One sentence on what a non-export image is, so a refusal names it ("ubuntu:latest is not a volume
 * export: an image with a command (/bin/bash) and no … label; export one with ailab volumes export").
 */
export function describeNotAnExport(image: string, inspect: Dockerode.ImageInspectInfo, labelProblem: string | null): string {
  const config = inspect.Config ?? ({} as Dockerode.ImageInspectInfo['Config']);
  const parts: string[] = [];
  const entrypoint = listOf(config.Entrypoint as string[] | string | null | undefined);
  const cmd = listOf(config.Cmd as string[] | string | null | undefined);
  if (entrypoint) parts.push(`an entrypoint (${entrypoint})`);
  if (cmd) parts.push(`a command (${cmd})`);
  const ports = Object.keys(config.ExposedPorts ?? {});
  if (ports.length > 0) parts.push(`exposed ports (${ports.join(', ')})`);
  const volumes = Object.keys(config.Volumes ?? {});
  if (volumes.length > 0) parts.push(`volumes (${volumes.join(', ')})`);
  const layers = inspect.RootFS?.Layers?.length ?? 0;
  const what = parts.length > 0 ? `an image with ${parts.join(', ')}` : `an image of ${layers} layer${layers === 1 ? '' : 's'}`;
  const label = labelProblem ? `a ${VOLUME_EXPORT_LABEL} label that is not valid (${labelProblem})` : `no ${VOLUME_EXPORT_LABEL} label`;
  return `${image} is not a volume export: ${what} and ${label}; export one with ailab volumes export.`;
}

/** The image's inspect data, or null when the engine does not have it. */
export async function inspectImageOrNull(docker: Dockerode, image: string): Promise<Dockerode.ImageInspectInfo | null> {
  try {
    return await docker.getImage(withDefaultTag(image)).inspect();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw toAppError(err);
  }
}

export function imageInfoFrom(image: string, inspect: Dockerode.ImageInspectInfo): VolumeImageInfo {
  const value = inspect.Config?.Labels?.[VOLUME_EXPORT_LABEL];
  const parsed = value === undefined ? null : parseExportLabel(value);
  const info = parsed && 'info' in parsed ? parsed.info : null;
  return {
    image,
    id: inspect.Id,
    sizeBytes: inspect.Size,
    export: info,
    notAnExport: info ? null : describeNotAnExport(image, inspect, parsed && 'problem' in parsed ? parsed.problem : null),
  };
}

export function imageNotPresent(image: string, pullHint: boolean): AppError {
  return new AppError('IMAGE_NOT_FOUND', `The image ${image} is not on this Docker engine.`, {
    hint: pullHint
      ? 'Pull it first (the Pull option, or ailab volumes import … --pull), or check the name and tag.'
      : 'Check the name and tag (docker images lists them).',
    details: { image, canPull: pullHint },
  });
}

/** Looks at an image without pulling: a volume export (its label) or not (and then what it is). */
export async function inspectVolumeImageOn(docker: Dockerode, image: string): Promise<VolumeImageInfo> {
  const inspect = await inspectImageOrNull(docker, image);
  if (!inspect) throw imageNotPresent(image, true);
  return imageInfoFrom(image, inspect);
}
