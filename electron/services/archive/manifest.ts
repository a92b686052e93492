import fs from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomicWrite';
import { toArchiveFsError } from './errors';

/**
 * The sidecar `<archive>.json` written next to a backup: where it came from and what it holds, so a
 * restore can say "this is notebooks-x from AI-Lab 6.1.0, 12,345 files" and check the sha256. The
 * archive stays self-sufficient; a missing or foreign sidecar only means less to show.
 */
export const backupManifestSchema = z.object({
  format: z.literal('ailab-desktop-backup'),
  formatVersion: z.literal(1),
  volume: z.string(),
  labels: z.record(z.string()),
  sourceImage: z.string().nullable(),
  /** ISO 8601. */
  createdAt: z.string(),
  entries: z.number().int().nonnegative(),
  totalBytes: z.number().nonnegative(),
  compressedBytes: z.number().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  engine: z.enum(['fast', 'tar']),
  appVersion: z.string(),
});

export type BackupManifest = z.infer<typeof backupManifestSchema>;

export function manifestPath(archive: string): string {
  return `${archive}.json`;
}

export async function writeManifest(archive: string, manifest: BackupManifest): Promise<string> {
  const file = manifestPath(archive);
  const valid = backupManifestSchema.parse(manifest);
  try {
    await writeFileAtomic(file, `${JSON.stringify(valid, null, 2)}\n`);
  } catch (err) {
    throw toArchiveFsError(err, file, 'write');
  }
  return file;
}

/** The sidecar of `archive`, or null when there is none or it is not ours (never throws for that). */
export async function readManifest(archive: string): Promise<BackupManifest | null> {
  let text: string;
  try {
    text = await fs.readFile(manifestPath(archive), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = backupManifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** True when the sidecar describes exactly this file (same size and sha256), not an older one of the same name. */
export function manifestMatches(manifest: BackupManifest, archive: { sha256: string; compressedBytes: number }): boolean {
  return manifest.sha256 === archive.sha256 && manifest.compressedBytes === archive.compressedBytes;
}
