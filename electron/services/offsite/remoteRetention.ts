import type { SFTPWrapper } from 'ssh2';
import type { RetentionDecision, RetentionPolicy } from '../../../shared/contract/backups';
import { backupManifestSchema, type BackupManifest } from '../../../shared/contract/jobs';
import { applyRetention, type RetentionCandidate } from '../backups/retention';
import { readdir, readSmall, remoteJoin, stat, unlink, type RemoteFile } from './sftpFs';

/**
 * Retention in the SFTP folder, with the local rules (../backups/retention.ts): only archives this app
 * uploaded for the volume are candidates (a regular file with its `.json` sidecar naming the volume and
 * describing exactly the file's size); the newest of them is always kept; nothing is deleted unless the
 * upload just succeeded (the caller runs this only then).
 */

const ARCHIVE_NAME = /\.(tgz|tar\.gz|tar)$/i;

export interface RemoteBackup {
  name: string;
  size: number;
  /** The sidecar, parsed; null when there is none or it is not ours. */
  manifest: BackupManifest | null;
  isFile: boolean;
}

/** Pure: the candidates retention weighs for `volume`, from a listing and its sidecars. */
export function remoteCandidates(files: RemoteBackup[], volume: string): RetentionCandidate[] {
  const out: RetentionCandidate[] = [];
  for (const f of files) {
    if (!ARCHIVE_NAME.test(f.name) || f.name.startsWith('.')) continue;
    const m = f.manifest;
    const mine = m ? m.volume === volume : f.name.startsWith(`${volume}-`);
    if (!mine) continue;
    const createdAt = m ? Date.parse(m.createdAt) : Number.NaN;
    let notOurs: string | null = null;
    if (!f.isFile) notOurs = 'not ours: not a regular file';
    else if (!m) notOurs = 'not ours: no sidecar';
    else if (m.compressedBytes !== f.size) notOurs = `not ours: ${f.size} bytes, its sidecar describes ${m.compressedBytes}`;
    else if (!Number.isFinite(createdAt)) notOurs = 'not ours: its sidecar has no valid time';
    out.push({ file: f.name, createdAt: Number.isFinite(createdAt) ? createdAt : null, notOurs, verified: notOurs === null });
  }
  return out;
}

function parseManifest(data: Buffer | null): BackupManifest | null {
  if (!data) return null;
  try {
    const parsed = backupManifestSchema.safeParse(JSON.parse(data.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The folder's archives (those that could be the volume's) with their sidecars read. */
export async function listRemoteBackups(sftp: SFTPWrapper, dir: string, volume: string): Promise<RemoteBackup[]> {
  const listing = await readdir(sftp, dir);
  const names = new Map<string, RemoteFile>(listing.map((f) => [f.name, f]));
  const out: RemoteBackup[] = [];
  for (const f of listing) {
    if (!ARCHIVE_NAME.test(f.name) || f.name.startsWith('.')) continue;
    const sidecar = names.get(`${f.name}.json`);
    const manifest = sidecar?.isFile ? parseManifest(await readSmall(sftp, remoteJoin(dir, sidecar.name))) : null;
    // A file of another volume with no sidecar is none of our business: skip it unread.
    if (!manifest && !f.name.startsWith(`${volume}-`)) continue;
    out.push({ name: f.name, size: f.size, manifest, isFile: f.isFile });
  }
  return out;
}

export interface RemotePruneResult {
  decisions: RetentionDecision[];
  /** Remote paths removed (archives; their sidecars went with them). */
  deleted: string[];
  failures: Array<{ file: string; message: string }>;
}

/** Decides and deletes in the SFTP folder: each archive first, then its sidecar, each after a fresh look at its size. */
export async function pruneRemote(
  sftp: SFTPWrapper,
  dir: string,
  volume: string,
  policy: RetentionPolicy,
  opts: { utc?: boolean } = {},
): Promise<RemotePruneResult> {
  const listed = await listRemoteBackups(sftp, dir, volume);
  const decisions = applyRetention(remoteCandidates(listed, volume), policy, { utc: opts.utc });
  const bySize = new Map(listed.map((b) => [b.name, b.size]));
  const deleted: string[] = [];
  const failures: RemotePruneResult['failures'] = [];
  for (const d of decisions.filter((x) => x.action === 'delete')) {
    const file = remoteJoin(dir, d.file);
    try {
      const now = await stat(sftp, file);
      if (!now || now.size !== bySize.get(d.file)) {
        failures.push({ file, message: 'it changed since it was listed' });
        continue;
      }
      await unlink(sftp, file);
      await unlink(sftp, `${file}.json`).catch(() => undefined);
      deleted.push(file);
    } catch (err) {
      failures.push({ file, message: (err as Error).message });
    }
  }
  return { decisions, deleted, failures };
}
