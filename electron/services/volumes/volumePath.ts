import { AppError } from '../../../shared/contract/errors';
import { VOLUME_MOUNT } from '../docker/helperHardening';

/**
 * A user-supplied path inside a volume, normalised to "a/b" ("" for the root). ".." is refused rather
 * than resolved: a listing must never leave the volume, and a path that tries is a mistake to report.
 */
export function normalizeVolumePath(input: string | undefined): string {
  const raw = input ?? '';
  if (raw.includes('\0')) throw new AppError('INVALID_ARGUMENT', 'A path inside the volume cannot contain a NUL character.');
  const parts: string[] = [];
  for (const seg of raw.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      throw new AppError('INVALID_ARGUMENT', `The path "${raw}" goes above the volume's root ("..").`, {
        hint: 'Give a path inside the volume, e.g. "notebooks" or "notebooks/data"; "/" is the volume root.',
      });
    }
    parts.push(seg);
  }
  return parts.join('/');
}

/** The absolute path inside a helper container for a normalised volume path. */
export function containerPathFor(relPath: string): string {
  return relPath === '' ? VOLUME_MOUNT : `${VOLUME_MOUNT}/${relPath}`;
}
