import { archiveInvalid } from '../archive/errors';
import { scanArchive } from '../archive/scanArchive';
import type { ArchiveVerification } from '../archive/verifyArchive';
import type { JobContext } from './jobContext';

/**
 * verifyArchive's check (every gzip member's CRC and length, the tar structure, the entry count against
 * what was written) with the re-read reported as the verifying phase's progress.
 */
export async function verifyWithProgress(ctx: JobContext, file: string, userFile: string, expectedEntries: number): Promise<ArchiveVerification> {
  const scan = await scanArchive(file, {
    signal: ctx.signal,
    onProgress: (p) => {
      if (p.totalBytes > 0) ctx.progress.setFraction(p.bytesRead / p.totalBytes);
    },
  });
  if (scan.entries !== expectedEntries) {
    throw archiveInvalid(userFile, `the written archive holds ${scan.entries} entries, but ${expectedEntries} were sent. The backup is incomplete.`, {
      entries: scan.entries,
      expectedEntries,
    });
  }
  return { entries: scan.entries, sha256: scan.sha256, compressedBytes: scan.compressedBytes, totalBytes: scan.totalBytes };
}
