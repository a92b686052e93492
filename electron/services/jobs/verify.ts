import type { AtomicOutput } from '../archive/atomicOutput';
import { archiveInvalid } from '../archive/errors';
import { scanArchive } from '../archive/scanArchive';
import type { ArchiveVerification } from '../archive/verifyArchive';
import type { JobContext } from './jobContext';

/**
 * verifyArchive's check (every gzip member's CRC and length, the tar structure, the entry count against
 * what was written) of a just-written output, with the re-read reported as the verifying phase's
 * progress. The output is flushed to disk meanwhile (the page cache serves the re-read), so the fsync
 * that commit() needs costs no time of its own (~1.3 s for a 600 MB archive here).
 */
export async function verifyWithProgress(ctx: JobContext, output: AtomicOutput, userFile: string, expectedEntries: number): Promise<ArchiveVerification> {
  const flushed = output.flush();
  flushed.catch(() => undefined);
  const verified = await verifyScan(ctx, output.tempPath, userFile, expectedEntries);
  await flushed;
  return verified;
}

async function verifyScan(ctx: JobContext, file: string, userFile: string, expectedEntries: number): Promise<ArchiveVerification> {
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
