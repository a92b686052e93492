// The sidecar of a backup for tests that fake the backup itself: typed by the contract, so a new field
// there is one edit here, and each test names only the fields it is about.
import type { BackupManifest } from '../../shared/contract/jobs';

/** The sidecar of a good `bytes`-long backup of `volume` made at `createdAt` (ISO 8601) by the fast engine. */
export function manifestOf(volume: string, createdAt: string, bytes: number, over: Partial<BackupManifest> = {}): BackupManifest {
  const origin = { format: 'ailab-desktop-backup', formatVersion: 1, labels: {}, sourceImage: null, engine: 'fast', appVersion: 'test' } as const;
  return { ...origin, volume, createdAt, entries: 1, totalBytes: bytes, compressedBytes: bytes, sha256: 'a'.repeat(64), ...over };
}
