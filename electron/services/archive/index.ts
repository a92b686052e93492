// The archive library's public surface (see README.md). Plain Node: no Electron, no Docker.
export { openAtomicOutput, type AtomicOutput } from './atomicOutput';
export { archiveInvalid, toArchiveFsError } from './errors';
export { assertSafe, inspectArchive, pathComponents, MAX_PROBLEMS, type InspectProgress } from './inspectArchive';
export { backupManifestSchema, manifestMatches, manifestPath, readManifest, writeManifest, type BackupManifest } from './manifest';
export { createParallelGzip, ParallelGzip, DEFAULT_BLOCK_SIZE, DEFAULT_GZIP_LEVEL, type ParallelGzipOptions } from './parallelGzip';
export { createParallelGunzip } from './parallelGunzip';
export { sizedMemberLength } from './gzipMembers';
export { detectFormat, sniffArchive } from './scanArchive';
export { createTarRewriter, TarRewriter, type TarRewriterOptions } from './stripTopFolder';
export { createTarSplitter, TarSplitter } from './tarSplitter';
export { createTarTap, TarTap } from './tarTap';
export type { ArchiveFormat, ArchiveInspection, ArchiveProblem, ArchiveProblemKind, TarEntryInfo, TarEntryType } from './types';
export { verifyArchive, type ArchiveVerification } from './verifyArchive';
