import { archiveInvalid } from './errors';
import { scanArchive } from './scanArchive';

export interface ArchiveVerification {
  entries: number;
  sha256: string;
  compressedBytes: number;
  totalBytes: number;
}

/**
 * Re-reads an archive just written: every gzip member's CRC and length, the tar structure, and the
 * entry count against what went in. Anything else is ARCHIVE_INVALID, and the caller discards the file.
 */
export async function verifyArchive(file: string, expected: { entries: number }, opts: { signal?: AbortSignal } = {}): Promise<ArchiveVerification> {
  const scan = await scanArchive(file, { signal: opts.signal });
  if (scan.entries !== expected.entries) {
    throw archiveInvalid(
      file,
      `the written archive holds ${scan.entries} entries, but ${expected.entries} were sent. The backup is incomplete.`,
      {
        entries: scan.entries,
        expectedEntries: expected.entries,
      },
      'The incomplete file is not kept. Run the backup again.',
    );
  }
  return { entries: scan.entries, sha256: scan.sha256, compressedBytes: scan.compressedBytes, totalBytes: scan.totalBytes };
}
