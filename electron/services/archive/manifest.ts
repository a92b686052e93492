import fs from 'node:fs/promises';
import { backupManifestSchema, type BackupManifest } from '../../../shared/contract/jobs';
import { writeFileAtomic } from '../core/atomicWrite';
import { toArchiveFsError } from './errors';

/**
 * The sidecar `<archive>.json` written next to a backup: where it came from and what it holds, so a
 * restore can say "this is notebooks-x from AI-Lab 6.1.0, 12,345 files" and check the sha256. The
 * archive stays self-sufficient; a missing or foreign sidecar only means less to show. Its shape is
 * part of the contract (shared/contract/jobs.ts), re-exported for this module's users.
 */
export { backupManifestSchema, type BackupManifest };

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
