import type Dockerode from 'dockerode';
import { isAiLabImage, normaliseRepository, splitImageRef } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type { CompareTutorialsOptions, CopyTutorialsOptions, TutorialsComparison, TutorialsCopyResult } from '../../../shared/contract/tutorials';
import { hashVolumeFiles, listVolumeTree, type VolumeRecord } from '../backups/volumeTree';
import type { CoreServices } from '../core/context';
import { toAppError } from '../docker/errors';
import { requireVolume } from '../docker/volumes';
import type { CopyDeps } from '../volumes/copyHelper';
import { probeVolumePath } from '../volumes/pathProbe';
import { classifyTutorials, keepBothLabel, type PreviousVersions } from './classify';
import { planTutorialCopy, writeTutorials } from './copyTutorials';
import { inspectImageOrFail, readImageDefaults, type ImageDefaults } from './imageDefaults';

/** Older images compared at most: each is one more read of an image (a few MB in real AI-Lab). */
export const MAX_PREVIOUS_IMAGES = 8;

/** Newest first: 6.2.0 before 6.1.0 before 1.0.0; `latest` on top; non-numeric tags last. */
export function compareTagsNewestFirst(a: string, b: string): number {
  const rank = (t: string) =>
    t === 'latest'
      ? [Number.POSITIVE_INFINITY]
      : /^v?\d/.test(t)
        ? t
            .replace(/^v/, '')
            .split(/[.-]/)
            .map((x) => Number(x) || 0)
        : [-1];
  const pa = rank(a);
  const pb = rank(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (d !== 0 && !Number.isNaN(d)) return d;
  }
  return a.localeCompare(b);
}

interface LocalAiLabImage {
  ref: string;
  id: string;
  tag: string;
}

interface Comparison {
  result: TutorialsComparison;
  defaults: ImageDefaults;
  tree: Map<string, VolumeRecord>;
}

/**
 * Fresh tutorials (issue 18): compares a volume with an image's notebook-defaults folder and copies
 * chosen ones in. Holds one cache: older images' shipped versions by image id (an image's content
 * never changes under its id), so comparing again reads only the chosen image and the volume.
 */
export class TutorialsService {
  private readonly previousCache = new Map<string, Map<string, string>>();

  constructor(private readonly core: CoreServices) {
    core.onShutdown(() => this.previousCache.clear());
  }

  private client(): Dockerode {
    return this.core.docker.client();
  }

  private deps(): CopyDeps {
    return { client: this.client(), helperImage: this.core.settings.get().helperImage, dataDir: this.core.dataDir };
  }

  /** Local tags of exasol/ai-lab (and the sandbox), newest first. */
  private async localAiLabImages(): Promise<LocalAiLabImage[]> {
    let list: Dockerode.ImageInfo[];
    try {
      list = await this.client().listImages();
    } catch (err) {
      throw toAppError(err);
    }
    const out: LocalAiLabImage[] = [];
    for (const img of list) {
      for (const ref of img.RepoTags ?? []) {
        if (isAiLabImage(ref)) out.push({ ref, id: img.Id, tag: splitImageRef(ref).tag });
      }
    }
    const aiLabFirst = (r: string) => (normaliseRepository(splitImageRef(r).repository) === 'exasol/ai-lab' ? 0 : 1);
    return out.sort((a, b) => aiLabFirst(a.ref) - aiLabFirst(b.ref) || compareTagsNewestFirst(a.tag, b.tag));
  }

  private async chooseImage(given: string | undefined, local: LocalAiLabImage[]): Promise<{ image: string; chosen: TutorialsComparison['imageChosen'] }> {
    if (given !== undefined) return { image: given, chosen: 'given' };
    const newest = local[0];
    if (!newest) {
      throw new AppError('IMAGE_NOT_FOUND', 'There is no AI-Lab image on this Docker engine to take the tutorials from.', {
        hint: 'Pull one (e.g. exasol/ai-lab:latest, with the launcher), or name an image with --image.',
      });
    }
    return { image: newest.ref, chosen: 'newest-local' };
  }

  /**
   * The older images to tell "updated upstream" from "edited": the images of containers that use (or
   * used, stopped) the volume, which are the versions that filled it, then the other local AI-Lab
   * tags, newest first; never the chosen image itself.
   */
  private async previousImages(volume: string, imageId: string, local: LocalAiLabImage[]): Promise<Array<{ id: string; label: string }>> {
    const labelOf = new Map<string, string>();
    for (const l of local) if (!labelOf.has(l.id)) labelOf.set(l.id, l.ref);
    const ids: string[] = [];
    try {
      const users = await this.client().listContainers({ all: true, filters: { volume: [volume] } });
      for (const c of users) if (c.ImageID) ids.push(c.ImageID);
    } catch (err) {
      throw toAppError(err);
    }
    ids.push(...local.map((l) => l.id));
    const unique = [...new Set(ids)].filter((id) => id !== imageId).slice(0, MAX_PREVIOUS_IMAGES);
    return unique.map((id) => ({ id, label: labelOf.get(id) ?? id.replace(/^sha256:/, '').slice(0, 12) }));
  }

  private async previousVersions(id: string, label: string): Promise<PreviousVersions> {
    let hashes = this.previousCache.get(id);
    if (!hashes) {
      try {
        const d = await readImageDefaults(this.client(), id);
        hashes = new Map([...d.files].map(([p, f]) => [p, f.sha256]));
      } catch (err) {
        // An older image without defaults (1.x) or gone meanwhile tells nothing; it is not a failure.
        if (!(err instanceof AppError) || (err.code !== 'INVALID_ARGUMENT' && err.code !== 'IMAGE_NOT_FOUND')) throw err;
        hashes = new Map();
      }
      this.previousCache.set(id, hashes);
    }
    return { label, hashes };
  }

  private async compareInternal(opts: CompareTutorialsOptions, keep: (p: string) => boolean): Promise<Comparison> {
    const docker = this.client();
    await requireVolume(docker, opts.volume, 'manage');
    const local = await this.localAiLabImages();
    const { image, chosen } = await this.chooseImage(opts.image, local);
    const inspect = await inspectImageOrFail(docker, image);
    const defaults = await readImageDefaults(docker, image, { keep, inspect });
    const treeDeps = { docker, helperImage: this.core.settings.get().helperImage, signal: new AbortController().signal };
    const tree = await listVolumeTree(treeDeps, opts.volume);
    const root = await probeVolumePath(this.deps(), opts.volume, '', { children: false });
    const asFiles = [...defaults.files.keys()].filter((p) => tree.get(p)?.type === 'file');
    const volumeHashes = await hashVolumeFiles(treeDeps, opts.volume, asFiles);
    // Older versions matter only for files that differ; without any, no older image is read.
    const differing = asFiles.some((p) => volumeHashes.get(p) !== defaults.files.get(p)?.sha256);
    const previous: PreviousVersions[] = [];
    if (differing) for (const p of await this.previousImages(opts.volume, defaults.imageId, local)) previous.push(await this.previousVersions(p.id, p.label));
    const files = classifyTutorials(defaults.files, tree, volumeHashes, previous);
    const count = (s: string) => files.filter((f) => f.state === s).length;
    return {
      defaults,
      tree,
      result: {
        volume: opts.volume,
        image,
        imageId: defaults.imageId,
        imageChosen: chosen,
        defaultsPath: defaults.defaultsPath,
        defaultsPathSource: defaults.defaultsPathSource,
        comparedWith: previous.map((p) => p.label),
        files,
        counts: { new: count('new'), unchanged: count('unchanged'), differs: count('differs') },
        uid: root.target.uid,
        gid: root.target.gid,
      },
    };
  }

  /** The volume against the image's shipped notebooks; reads both, changes nothing. */
  async compare(opts: CompareTutorialsOptions): Promise<TutorialsComparison> {
    return (await this.compareInternal(opts, () => false)).result;
  }

  /**
   * Compares again (the volume may have changed since the user looked) keeping the chosen files'
   * bytes, plans (planTutorialCopy) and writes (writeTutorials) them, owned like the notebooks folder.
   */
  async copy(opts: CopyTutorialsOptions): Promise<TutorialsCopyResult> {
    const wanted = new Set(opts.paths.map((p) => p.replace(/^\.?\/+/, '')));
    const { result, defaults, tree } = await this.compareInternal(opts, (p) => wanted.has(p));
    const plan = planTutorialCopy(result.files, [...wanted], opts.conflict ?? 'keep-both', keepBothLabel(result.image, result.imageId), tree);
    await writeTutorials(this.deps(), opts.volume, plan.items, defaults.files, { uid: result.uid, gid: result.gid });
    return { volume: opts.volume, image: result.image, copied: plan.items, skipped: plan.skipped, notes: plan.notes, uid: result.uid, gid: result.gid };
  }
}
