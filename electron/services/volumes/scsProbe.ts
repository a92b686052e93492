import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import tarStream from 'tar-stream';
import { LABELS, SCS_FILE } from '../../../shared/ailab';
import type { VolumeScsInfo } from '../../../shared/contract/volumes';
import { isNotFound, toAppError } from '../docker/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';
import { createHelper, type ContainerTracker } from '../jobs/helperContainer';
import { anyImageForCreate } from '../jobs/images';
import type { CopyDeps } from './copyHelper';
import { FILES_HELPER_ROLE, FILES_HELPER_ROLE_LABEL } from './volumeModel';

export interface ScsProbeDeps {
  docker: Dockerode;
  helperImage: string;
  /** The helper's labels: the file browser's (left out of the volume list) or a job's. */
  labels: Record<string, string>;
  tracker: ContainerTracker;
}

/** The file browser's labels and helper bookkeeping, for the volumes domain's own probes. */
export function filesProbeDeps(deps: CopyDeps): ScsProbeDeps {
  return {
    docker: deps.client,
    helperImage: deps.helperImage,
    labels: { [LABELS.managed]: '1', [FILES_HELPER_ROLE_LABEL]: FILES_HELPER_ROLE },
    tracker: {
      add: (id) => deps.onHelper?.(id, 'created'),
      remove: async (id) => {
        await deps.client
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined);
        deps.onHelper?.(id, 'removed');
      },
    },
  };
}

function absent(volume: string): VolumeScsInfo {
  return { volume, present: false, size: null, modifiedAt: null, uid: null, gid: null, mode: null, sha256: null };
}

/** The one entry of `GET /archive?path=…/SCS` (a file's own name): its header, and the sha256 of its content when asked. */
async function readEntry(stream: Readable, withHash: boolean): Promise<{ header: tarStream.Header; sha256: string | null } | null> {
  const extract = tarStream.extract();
  let found: { header: tarStream.Header; sha256: string | null } | null = null;
  await new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, content, next) => {
      const hash = withHash && found === null && header.type === 'file' ? createHash('sha256') : null;
      content.on('data', (chunk: unknown) => {
        if (hash && Buffer.isBuffer(chunk)) hash.update(chunk);
      });
      content.on('end', () => {
        found ??= { header, sha256: hash ? hash.digest('hex') : null };
        next();
      });
      content.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.on('error', reject);
    stream.pipe(extract);
  });
  return found;
}

/**
 * The SCS at the volume's root, read through the Engine's archive API from a helper that is created
 * and never started: no image has to run (any local image will do), nothing is written, and it costs
 * one create and one remove (~0.1 s here), so the details panel can ask each time it opens. The stat
 * alone reads only the tar header's worth; `withHash` streams the file (a few hundred KiB at most).
 */
export async function probeScs(deps: ScsProbeDeps, volume: string, opts: { withHash: boolean }): Promise<VolumeScsInfo> {
  const { tracker } = deps;
  const { image } = await anyImageForCreate(deps.docker, deps.helperImage);
  const container = await createHelper(deps.docker, { image, volume, readOnly: true, labels: deps.labels }, tracker);
  try {
    let stream: Readable;
    try {
      stream = (await container.getArchive({ path: `${VOLUME_MOUNT}/${SCS_FILE}` })) as unknown as Readable;
    } catch (err) {
      if (isNotFound(err)) return absent(volume);
      throw toAppError(err);
    }
    const entry = await readEntry(stream, opts.withHash);
    if (!entry) return absent(volume);
    const h = entry.header;
    return {
      volume,
      present: true,
      size: h.size ?? 0,
      modifiedAt: h.mtime ? h.mtime.toISOString() : null,
      uid: h.uid ?? null,
      gid: h.gid ?? null,
      mode: h.mode === undefined ? null : (h.mode & 0o7777).toString(8),
      sha256: entry.sha256,
    };
  } finally {
    await tracker.remove(container.id);
  }
}
