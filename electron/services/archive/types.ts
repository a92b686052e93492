import type { ArchiveCounts } from '../../../shared/contract/jobs';

/** What a tar entry is, in the words the UI and the safety checks use. */
export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'character-device' | 'block-device' | 'fifo' | 'other';

/** One real entry of a tar stream (pax and GNU long-name records already applied). */
export interface TarEntryInfo {
  /** As stored, e.g. `./notebooks/a.ipynb` (directories keep their trailing slash when the writer put one). */
  path: string;
  type: TarEntryType;
  /** Content bytes; 0 for everything that is not a regular file. */
  size: number;
  /** Permission bits (`& 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch (pax fractions dropped). */
  mtime: number;
  /** Symlink target as stored (may be absolute), or the earlier entry a hardlink points at. */
  linkTarget: string | null;
}

export type ArchiveProblemKind =
  | 'absolute'
  | 'dotdot'
  | 'device'
  | 'hardlink-outside'
  | 'through-symlink'
  | 'unsupported-type'
  | 'path-too-long'
  | 'name-too-long'
  | 'too-large'
  | 'type-changes'
  | 'respelt-folder'
  | 'symlink-replaced'
  | 'setgid-parent-missing';

export interface ArchiveProblem {
  path: string;
  kind: ArchiveProblemKind;
  message: string;
}

export type ArchiveFormat = 'tgz' | 'tar';

export interface ScsEntry {
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  uid: number;
  gid: number;
  mode: number;
  /** Hex sha256 of its content; null for an entry that is not a plain file (a link, a sparse file). */
  sha256: string | null;
}

export interface ArchiveInspection extends ArchiveCounts {
  file: string;
  format: ArchiveFormat;
  /** Bytes of file content a restore writes: regular file sizes, a sparse file's data without its holes. */
  dataBytes: number;
  /** About the disk space a restore takes: dataBytes plus one 4 KiB block per file and folder. */
  diskBytes: number;
  /** Hex sha256 of the file as stored. */
  sha256: string;
  /**
   * A single folder wrapping everything (`notebooks/`, `volume/`, `backup/<name>/`), with a trailing
   * slash and without `./`; nested single folders are followed to the deepest one. null otherwise.
   */
  topFolder: string | null;
  /** True when the archive has a `./` (or `.`) entry, as the seed's `tar -C /volume -czvf … .` writes. */
  rootEntry: boolean;
  /** shared/ailab.ts SCS_FILE appears anywhere in the archive (also inside a top folder). */
  containsScs: boolean;
  /** The SCS at the archive's root (`./SCS_FILE`), where a restore puts it over the volume's own; null when absent there. */
  scsAtRoot: ScsEntry | null;
  /** Regular files owned by root with the setuid or setgid bit (restored without those bits unless asked). */
  setuidRootCount: number;
  /** The first 20 of them, as stored. */
  setuidRootFiles: string[];
  /** Everything refuse-worthy, capped at MAX_PROBLEMS (problemCount has the true number). */
  problems: ArchiveProblem[];
  problemCount: number;
  /** Unique first-level names (after `./` and after topFolder is NOT stripped), in archive order, capped at 1000. */
  topLevelNames: string[];
  /** The first 200 paths as stored. */
  sample: string[];
}
