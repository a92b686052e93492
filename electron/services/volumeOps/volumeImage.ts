import type Dockerode from 'dockerode';
import { VOLUME_EXPORT_LABEL, type VolumeImageInfo } from '../../../shared/contract/volumeOps';
import { toAppError } from '../docker/errors';
import { inspectVolumeImageOn, parseExportLabel } from './exportLabel';
import type { VolumeOpsDeps } from './volumeOpsService';

/** Export to an image and import from one (issue 16): exportImage.ts, importImage.ts, exportLabel.ts, registryPush.ts. */
export { exportVolume } from './exportImage';
export { importVolume } from './importImage';

/** Local images carrying the export label (a valid one), one entry per tag, newest export first. */
export async function listVolumeImages(deps: VolumeOpsDeps): Promise<VolumeImageInfo[]> {
  let images: Dockerode.ImageInfo[];
  try {
    images = await deps.jobs.manager.docker().listImages({ filters: { label: [VOLUME_EXPORT_LABEL] } });
  } catch (err) {
    throw toAppError(err);
  }
  const out: VolumeImageInfo[] = [];
  for (const i of images) {
    const parsed = parseExportLabel(i.Labels?.[VOLUME_EXPORT_LABEL] ?? '');
    if (!('info' in parsed)) continue;
    for (const tag of i.RepoTags ?? []) {
      if (tag !== '<none>:<none>') out.push({ image: tag, id: i.Id, sizeBytes: i.Size, export: parsed.info, notAnExport: null });
    }
  }
  return out.sort((a, b) => (b.export?.createdAt ?? '').localeCompare(a.export?.createdAt ?? '') || a.image.localeCompare(b.image));
}

export function inspectVolumeImage(deps: VolumeOpsDeps, image: string): Promise<VolumeImageInfo> {
  return inspectVolumeImageOn(deps.jobs.manager.docker(), image);
}
