import type { VolumeSummary } from '../../shared/contract/volumes';

/** A volume as listVolumes answers it: a plain named local volume unless `extra` says otherwise. */
export function volumeSummary(name: string, extra: Partial<VolumeSummary> = {}): VolumeSummary {
  return {
    name,
    driver: 'local',
    createdAt: null,
    labels: {},
    mountpoint: `/var/lib/docker/volumes/${name}/_data`,
    scope: 'local',
    anonymous: false,
    compose: null,
    containers: [],
    createdBy: null,
    size: null,
    exasolDb: null,
    ...extra,
  };
}
