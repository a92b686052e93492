import fs from 'node:fs/promises';
import path from 'node:path';
import type Dockerode from 'dockerode';
import {
  diffBackupSchema,
  listArchiveFolderSchema,
  listBackupsSchema,
  pruneBackupsSchema,
  searchArchiveSchema,
  type ArchiveFolderPage,
  type ArchiveSearchResult,
  type BackupCatalogue,
  type BackupDiff,
  type BackupVerification,
  type DiffBackupOptions,
  type ListArchiveFolderOptions,
  type ListBackupsOptions,
  type PruneBackupsOptions,
  type PruneResult,
  type SearchArchiveOptions,
} from '../../../shared/contract/backups';
import { AppError } from '../../../shared/contract/errors';
import { archiveInvalid } from '../archive/errors';
import { manifestPath, readManifest } from '../archive/manifest';
import { assertSafe, inspectArchive } from '../archive/inspectArchive';
import type { DesktopIntegration } from '../core/context';
import { requireVolume } from '../docker/volumes';
import { checkReadableFile, defaultBackupDir, expandHome } from '../jobs/paths';
import type { SettingsStore } from '../settings/settingsStore';
import { ArchiveBrowser } from './archiveBrowser';
import { diffTrees, hashArchiveFiles } from './backupDiff';
import { describeBackup, listBackupsIn } from './catalogue';
import { INDEX_CACHE_DIR, IndexCache } from './indexCache';
import { hashVolumeFiles, listVolumeTree } from './volumeTree';
import { applyRetention, type RetentionOptions } from './retention';

const UNRELIABLE =
  'Do not rely on this backup: it is incomplete, damaged or was changed after it was written. Restore from another backup, and make a new one.';

export interface BackupsServiceDeps {
  settings: SettingsStore;
  env?: NodeJS.ProcessEnv;
  /** Day/week/month buckets in UTC instead of local time (tests). */
  retention?: Pick<RetentionOptions, 'utc'>;
  /** The Electron app's file manager integration; null in the browser mode and the CLI. */
  desktop?: DesktopIntegration | null;
  /** The data folder: the backup browser's indexes are cached in its archive-index/ (without it, in memory only). */
  dataDir?: string;
  /** The Docker client, for comparing a backup with a volume (the only call here that needs the engine). */
  docker?: () => Dockerode;
}

/**
 * The backups domain: what lies in a backup folder, whether a backup is still what was written, and
 * retention. It deletes only what its catalogue calls ours for the volume asked about, re-checked
 * just before each removal.
 */
export class BackupsService {
  private readonly browser: ArchiveBrowser;

  constructor(private readonly deps: BackupsServiceDeps) {
    this.browser = new ArchiveBrowser({ cache: deps.dataDir ? new IndexCache(path.join(deps.dataDir, INDEX_CACHE_DIR)) : null, env: deps.env });
  }

  /** One folder of any archive a restore accepts, a page at a time, from the archive's index. */
  async listArchiveFolder(raw: ListArchiveFolderOptions): Promise<ArchiveFolderPage> {
    const opts = listArchiveFolderSchema.parse(raw);
    const { index, fromCache } = await this.browser.open(opts.file);
    return index.page(opts.path, opts.offset, opts.limit, fromCache);
  }

  async searchArchive(raw: SearchArchiveOptions): Promise<ArchiveSearchResult> {
    const opts = searchArchiveSchema.parse(raw);
    const { index } = await this.browser.open(opts.file);
    return index.search(opts.query, opts.limit);
  }

  /**
   * The backup against the volume now: a helper lists the volume (find), the archive's index gives
   * the other side; with `content`, files alike in type, size and mtime are hashed on both sides.
   * Nothing is written anywhere but the index cache.
   */
  async diff(raw: DiffBackupOptions): Promise<BackupDiff> {
    const opts = diffBackupSchema.parse(raw);
    if (!this.deps.docker) throw new AppError('INTERNAL', 'Comparing with a volume needs the Docker engine, which this service was not given.');
    const docker = this.deps.docker();
    await requireVolume(docker, opts.volume, 'backup');
    const { index } = await this.browser.open(opts.file);
    // One side failing stops the other (the helper is killed and removed, the archive read ends).
    const stop = new AbortController();
    const { signal } = stop;
    const orStop = <T>(p: Promise<T>) =>
      p.catch((err: unknown) => {
        stop.abort();
        throw err;
      });
    const tree = { docker, helperImage: this.deps.settings.get().helperImage, signal };
    const volumeTree = await listVolumeTree(tree, opts.volume);
    return diffTrees(
      index,
      volumeTree,
      { file: index.file.file, volume: opts.volume },
      opts.content
        ? async ({ candidates }) => {
            // Both sides at once: the archive is read on the host while the helper reads the volume.
            const [backup, volume] = await Promise.all([
              orStop(hashArchiveFiles(index, [...new Set(candidates.map((c) => c.dataPath))], signal)),
              orStop(
                hashVolumeFiles(
                  tree,
                  opts.volume,
                  candidates.map((c) => c.path),
                ),
              ),
            ]);
            return { backup, volume };
          }
        : null,
    );
  }

  /** A folder as typed: `~/x` expanded, relative refused (the CLI resolves its own arguments first). */
  folder(given: string | undefined): string {
    const raw = given?.trim() || this.deps.settings.get().backupDir.trim() || defaultBackupDir(this.deps.env);
    const dir = expandHome(raw, this.deps.env);
    if (!path.isAbsolute(dir)) throw new AppError('INVALID_ARGUMENT', `"${raw}" is not a full path.`, { hint: 'Give the folder as a full path (or ~/…).' });
    return path.resolve(dir);
  }

  async list(raw: ListBackupsOptions): Promise<BackupCatalogue> {
    const opts = listBackupsSchema.parse(raw);
    const dir = this.folder(opts.dir);
    return { dir, volume: opts.volume ?? null, backups: await listBackupsIn(dir, opts.volume) };
  }

  /**
   * Reads the whole file again (every gzip member's CRC and length, the tar structure and end marker,
   * sha256) and compares it with its sidecar. ARCHIVE_INVALID when it is truncated, corrupt, or not
   * the file the sidecar describes.
   */
  async verify(file: string): Promise<BackupVerification> {
    const p = await checkReadableFile(file, this.deps.env);
    const started = Date.now();
    const manifest = await readManifest(p);
    let scan;
    try {
      // The restore's own check, rules included: "Good" must mean the app would restore it.
      scan = await inspectArchive(p);
    } catch (err) {
      // The reader's words are for a restore ("Nothing was changed. Choose another file"); a verify's reader needs to know the backup is not to be relied on.
      if (err instanceof AppError && err.code === 'ARCHIVE_INVALID') {
        throw new AppError('ARCHIVE_INVALID', err.message.replace(/\s*Nothing was changed\.$/, ''), { hint: UNRELIABLE, details: err.details, cause: err });
      }
      throw err;
    }
    if (manifest) {
      const differences: string[] = [];
      if (scan.entries !== manifest.entries) differences.push(`${scan.entries} entries, the sidecar says ${manifest.entries}`);
      if (scan.compressedBytes !== manifest.compressedBytes) differences.push(`${scan.compressedBytes} bytes, the sidecar says ${manifest.compressedBytes}`);
      if (scan.totalBytes !== manifest.totalBytes) differences.push(`${scan.totalBytes} bytes of file content, the sidecar says ${manifest.totalBytes}`);
      if (scan.sha256 !== manifest.sha256) differences.push("its sha256 differs from the sidecar's");
      if (differences.length > 0) {
        throw archiveInvalid(
          p,
          `it is not the backup its sidecar ${path.basename(manifestPath(p))} describes: ${differences.join('; ')}.`,
          { differences, sidecar: manifestPath(p) },
          UNRELIABLE,
        );
      }
    }
    try {
      assertSafe(scan);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      throw new AppError(
        err.code,
        err.message.replace('The archive cannot be restored safely', 'The archive reads well, but the app would refuse to restore it'),
        {
          hint: 'It was not made by this app or by the AI-Lab guide’s backup command; do not count on it as a backup.',
          details: err.details,
        },
      );
    }
    return {
      file: p,
      entries: scan.entries,
      totalBytes: scan.totalBytes,
      compressedBytes: scan.compressedBytes,
      sha256: scan.sha256,
      comparedWithSidecar: manifest !== null,
      volume: manifest?.volume ?? null,
      durationMs: Date.now() - started,
    };
  }

  /**
   * Deletes one backup the catalogue calls ours (regular file, our sidecar, matching size) and its
   * sidecar; anything else is refused with the catalogue's reason, so the page cannot be used to delete
   * an arbitrary file. Returns that volume's catalogue of the folder afterwards.
   */
  async deleteBackup(file: string): Promise<BackupCatalogue> {
    const p = this.absoluteFile(file);
    const entry = await describeBackup(p);
    if (!entry)
      throw new AppError('FILE_NOT_FOUND', `${p} does not exist.`, { hint: 'It may have been deleted already; refresh the list.', details: { path: p } });
    if (entry.status !== 'verified' || entry.volume === null)
      throw new AppError('INVALID_ARGUMENT', `${entry.fileName} is not a backup this app wrote (${entry.note ?? 'not ours'}), so the app does not delete it.`, {
        hint: 'Delete it in your file manager if you are sure.',
        details: { path: p, status: entry.status },
      });
    try {
      // The archive first, as retention does: a sidecar left alone is harmless.
      await fs.unlink(p);
      await fs.rm(manifestPath(p), { force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM')
        throw new AppError('PERMISSION_DENIED', `No permission to delete ${p}.`, { hint: 'Check the permissions of its folder.', details: { path: p } });
      throw err;
    }
    const dir = path.dirname(p);
    return { dir, volume: entry.volume, backups: await listBackupsIn(dir, entry.volume) };
  }

  /** Shows the file in the desktop's file manager; the browser mode has none (its page shows the path). */
  async showInFolder(file: string): Promise<void> {
    const desktop = this.deps.desktop;
    if (!desktop) throw new AppError('INVALID_ARGUMENT', 'Show in folder is available in the desktop app only.', { hint: 'Copy the path instead.' });
    const p = this.absoluteFile(file);
    const entry = await describeBackup(p);
    if (!entry) throw new AppError('FILE_NOT_FOUND', `${p} does not exist.`, { hint: 'Refresh the list.', details: { path: p } });
    desktop.showItemInFolder(p);
  }

  private absoluteFile(file: string): string {
    const p = expandHome(file.trim(), this.deps.env);
    if (!path.isAbsolute(p)) throw new AppError('INVALID_ARGUMENT', `"${file}" is not a full path.`, { hint: 'Give the backup as a full path.' });
    return path.resolve(p);
  }

  async prune(raw: PruneBackupsOptions): Promise<PruneResult> {
    const opts = pruneBackupsSchema.parse(raw);
    const dir = this.folder(opts.dir);
    const listed = await listBackupsIn(dir, opts.volume);
    const decisions = applyRetention(
      listed.map((e) => ({
        file: e.file,
        createdAt: e.createdAt,
        notOurs: e.status === 'verified' ? null : (e.note ?? 'not ours'),
        verified: e.status === 'verified',
      })),
      opts.policy,
      { runFailed: opts.runFailed, utc: this.deps.retention?.utc },
    );
    const dryRun = opts.dryRun === true;
    const result: PruneResult = { dir, volume: opts.volume, policy: opts.policy, dryRun, decisions, deleted: [], freedBytes: 0, failures: [] };
    if (dryRun || opts.runFailed === true) return result;
    for (const d of decisions.filter((x) => x.action === 'delete')) {
      const before = listed.find((e) => e.file === d.file);
      // Listed a moment ago; a file replaced, grown or re-labelled since then is no longer the one decided on.
      const now = await describeBackup(d.file);
      if (
        !before ||
        !now ||
        now.status !== 'verified' ||
        now.volume !== opts.volume ||
        now.compressedBytes !== before.compressedBytes ||
        now.sha256 !== before.sha256
      ) {
        result.failures.push({ file: d.file, message: 'it changed since the folder was listed; left alone' });
        continue;
      }
      try {
        // The archive first: a sidecar left alone is harmless, an archive without its sidecar is merely "not ours".
        await fs.unlink(d.file);
        await fs.rm(manifestPath(d.file), { force: true });
        result.deleted.push(d.file);
        result.freedBytes += now.compressedBytes;
      } catch (err) {
        result.failures.push({ file: d.file, message: (err as Error).message });
      }
    }
    return result;
  }
}
