import { SCS_FILE } from '../../../shared/ailab';
import type { TutorialFile } from '../../../shared/contract/tutorials';
import type { VolumeRecord } from '../backups/volumeTree';

/** One older image's shipped versions: path → sha256. */
export interface PreviousVersions {
  /** How the image is shown: a tag, or a short id. */
  label: string;
  hashes: Map<string, string>;
}

/** A file, or its folders, in the way: a non-folder where a folder must be. Null when the path is free or a file. */
export function blockedBy(path: string, tree: ReadonlyMap<string, VolumeRecord>): string | null {
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const prefix = parts.slice(0, i).join('/');
    const r = tree.get(prefix);
    if (!r) return null;
    if (r.type === 'symlink') return `"${prefix}" in the volume is a link, not a folder; a copy never goes through a link.`;
    if (r.type !== 'dir') return `"${prefix}" in the volume is a file, not a folder.`;
  }
  return null;
}

/**
 * The state of every shipped file against the volume. Pure: the volume's tree (find), the volume's
 * hashes of the shipped paths that are files there, and older images' versions are all given. A copy
 * that equals an older image's version was never edited (the user may replace it without losing
 * anything), so it is `updated-upstream`; one that equals none is `edited`, which cannot tell the
 * user's edits from a version of an image that is no longer here, and says no more than that.
 */
export function classifyTutorials(
  shipped: ReadonlyMap<string, { size: number; sha256: string }>,
  tree: ReadonlyMap<string, VolumeRecord>,
  volumeHashes: ReadonlyMap<string, string>,
  previous: readonly PreviousVersions[],
): TutorialFile[] {
  const files: TutorialFile[] = [];
  for (const [path, s] of shipped) {
    const scs = path === SCS_FILE;
    const blocked = blockedBy(path, tree);
    const r = tree.get(path);
    const base = { path, size: s.size, matchesImages: [] as string[], blocked, scs };
    if (!r) {
      files.push({ ...base, state: 'new', origin: null });
      continue;
    }
    if (r.type !== 'file') {
      files.push({
        ...base,
        state: 'differs',
        origin: 'not-a-file',
        blocked: blocked ?? `"${path}" in the volume is a ${r.type === 'dir' ? 'folder' : r.type === 'symlink' ? 'link' : 'special file'}, not a file.`,
      });
      continue;
    }
    const mine = volumeHashes.get(path);
    if (mine === s.sha256) {
      files.push({ ...base, state: 'unchanged', origin: null });
      continue;
    }
    const matchesImages = mine === undefined ? [] : previous.filter((p) => p.hashes.get(path) === mine).map((p) => p.label);
    files.push({ ...base, state: 'differs', origin: matchesImages.length > 0 ? 'updated-upstream' : 'edited', matchesImages });
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The label of a keep-both copy: the image's tag (`start (6.2.0).ipynb`), or its short id. */
export function keepBothLabel(image: string, imageId: string): string {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const colon = base.lastIndexOf(':');
  const tag = colon > base.lastIndexOf('/') ? base.slice(colon + 1) : null;
  if (tag && tag !== 'latest' && at < 0) return tag;
  return imageId.replace(/^sha256:/, '').slice(0, 12);
}
