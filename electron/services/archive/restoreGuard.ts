import { createHash, type Hash } from 'node:crypto';
import { Transform } from 'node:stream';
import { AppError } from '../../../shared/contract/errors';
import { ArchiveRules, isSetuidRoot, shorten } from './archiveRules';
import { TarStage } from './tarStage';
import { TarParser, writeChecksum, type ParsedEntry } from './tarParser';
import type { TarEntryInfo } from './types';

/** What the up-front check found; the bytes extracted must be these. */
export interface CheckedArchive {
  sha256: string;
  entries: number;
  totalBytes: number;
}

export interface RestoreGuardOptions {
  /** The inspection the restore was allowed on; null for an archive this app wrote itself (a safety backup), or for onePass. */
  checked: CheckedArchive | null;
  /**
   * No check before (a restore into a volume the job creates itself, jobs/onePassRestore.ts): the check's
   * rules apply here, entry by entry, and the first problem stops the restore (OnePassStop), as does
   * content beyond `diskCap()` bytes (the free space where the volume lives, less a margin; null: unknown).
   */
  onePass?: { diskCap: () => number | null };
  /** Restore root-owned setuid/setgid files with those bits (by default they are removed). */
  keepSetuid: boolean;
}

const SETUID_SAMPLE = 20;
/** As inspectArchive counts diskBytes: content plus a block per file and folder. */
const FS_BLOCK = 4096;

/**
 * Why a one-pass restore stopped before the end. The job removes the volume it made and checks the
 * whole archive as a two-pass restore does, so the user gets the very refusal the check gives (or,
 * when the check finds nothing wrong, as after a near-full disk estimate, a two-pass restore).
 */
export class OnePassStop extends AppError {
  constructor(
    readonly reason: 'unsafe' | 'space',
    message: string,
  ) {
    super(reason === 'unsafe' ? 'ARCHIVE_UNSAFE' : 'DISK_FULL', message);
  }
}
const HINT = 'The file changed after it was checked, so the restore was stopped. Check where this file came from, then restore it again.';

/**
 * Makes extraction see exactly what the check saw. The archive is checked, then read a second time for
 * the extraction; whatever reads it then (the fast engine's splitter, the guard stream below) hands every
 * entry to admit() before a single byte of it is passed on, which applies the check's own rules
 * (archiveRules.ts) and counts, and `hasher` (the first stage after the file) hashes the bytes read,
 * which verify() compares with the check's sha256 once the input has ended. An entry the check would
 * have refused stops the restore before tar sees it; any other difference fails it at the end, and the
 * restore job rolls back. It also removes setuid/setgid from root-owned files unless asked to keep them.
 */
export class RestoreGuard {
  private readonly rules: ArchiveRules | null;
  private readonly hash: Hash = createHash('sha256');
  private entries = 0;
  private bytes = 0;
  private diskBytes = 0;
  private digest: string | null = null;
  /** Root-owned files whose setuid/setgid bits were removed: how many, and the first few. */
  strippedCount = 0;
  readonly stripped: string[] = [];
  readonly hasher: Transform;

  constructor(private readonly opts: RestoreGuardOptions) {
    this.rules = opts.checked || opts.onePass ? new ArchiveRules() : null;
    const hash = this.hash;
    this.hasher = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        cb(null, chunk);
      },
    });
  }

  /** Checks one entry as its header passes; returns the header block to pass on. Throws ARCHIVE_UNSAFE / ARCHIVE_INVALID. */
  admit(e: ParsedEntry): Buffer {
    const checked = this.opts.checked;
    const onePass = this.opts.onePass;
    if (this.rules && onePass) {
      const problem = this.rules.check(e)[0];
      if (problem) throw new OnePassStop('unsafe', problem.message);
      if (e.info.type === 'file' || e.info.type === 'directory') this.diskBytes += FS_BLOCK + (e.info.type === 'file' ? e.info.size : 0);
      const cap = onePass.diskCap();
      if (cap !== null && this.diskBytes > cap) throw new OnePassStop('space', `The archive holds more than the ${cap} bytes the volume's disk can take.`);
    }
    if (this.rules && checked) {
      const problem = this.rules.check(e)[0];
      if (problem)
        throw new AppError('ARCHIVE_UNSAFE', `The archive is not the one that was checked: ${problem.message}`, { hint: HINT, details: { problem } });
      this.entries++;
      this.bytes += e.info.size;
      if (this.entries > checked.entries || this.bytes > checked.totalBytes) {
        throw new AppError(
          'ARCHIVE_INVALID',
          `The archive is not the one that was checked: it holds more than the ${checked.entries} entries and ${checked.totalBytes} bytes found then.`,
          {
            hint: HINT,
          },
        );
      }
    }
    if (this.opts.keepSetuid || !isSetuidRoot(e.info)) return e.header;
    this.strippedCount++;
    if (this.stripped.length < SETUID_SAMPLE) this.stripped.push(shorten(e.info.path));
    return withoutSetuid(e.header, e.info);
  }

  /** Call once the input has been read to its end. Throws ARCHIVE_INVALID when the bytes were not the ones checked. */
  verify(): void {
    const checked = this.opts.checked;
    if (!checked) return;
    const sha256 = this.sha256();
    if (sha256 !== checked.sha256) {
      throw new AppError('ARCHIVE_INVALID', `The archive changed after it was checked: its sha256 is now ${sha256}, not ${checked.sha256}.`, {
        hint: HINT,
        details: { expected: checked.sha256, actual: sha256 },
      });
    }
  }

  /** The sha256 of the bytes read; call once the input has ended. */
  sha256(): string {
    this.digest ??= this.hash.digest('hex');
    return this.digest;
  }

  /** For the job's warnings: what was removed, or null. */
  strippedWarning(): string | null {
    if (this.strippedCount === 0) return null;
    const more = this.strippedCount - this.stripped.length;
    return `Removed the setuid/setgid bit from ${this.strippedCount} root-owned ${this.strippedCount === 1 ? 'file' : 'files'} (${this.stripped.join(', ')}${more > 0 ? `, and ${more} more` : ''}): in AI-Lab they would let the notebook user become root. Restore with "keep setuid" (--keep-setuid) to keep them.`;
  }
}

/** A copy of a header block with the mode's setuid and setgid bits cleared (the mode field rewritten in octal). */
function withoutSetuid(header: Buffer, info: TarEntryInfo): Buffer {
  const h = Buffer.from(header);
  h.write(`${(info.mode & ~0o6000).toString(8).padStart(7, '0')}\0`, 100, 8, 'latin1');
  writeChecksum(h);
  return h;
}

/**
 * A tar stream through a RestoreGuard, for the extractors that take one stream (the tar engine's GNU tar,
 * the Engine's archive API): entries are admitted (and may have their header changed) before they pass,
 * everything after the end-of-archive marker is dropped. Also the progress source: onEntry per entry,
 * `tarBytes` as they are read.
 */
export class TarGuardStream extends TarStage {
  protected readonly parser: TarParser;

  constructor(
    private readonly guard: RestoreGuard,
    onEntry: (e: TarEntryInfo) => void,
  ) {
    super();
    this.parser = new TarParser({
      onEntry: (e) => {
        const header = this.guard.admit(e);
        onEntry(e.info);
        for (const b of e.meta) this.push(b);
        this.push(header);
      },
      onData: (chunk) => {
        this.push(chunk);
      },
      onGlobalHeader: (header, content) => {
        this.push(header);
        this.push(content);
      },
    });
  }

  protected override beforeEnd(): void {
    this.guard.verify();
  }
}
