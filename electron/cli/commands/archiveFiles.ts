import path from 'node:path';
import type { ArchiveFileEntry, ArchiveFolderPage, BackupDiff, DiffEntry, DiffSide } from '../../../shared/contract/backups';
import { parse, UsageError } from '../args';
import type { CliCommand, CliContext } from '../command';
import { EXIT, EXIT_CODE_HELP } from '../exitCodes';
import { formatCount, formatTable, formatTimestamp, printable } from '../format';

/** `ailab backups ls-files` and `ailab diff`: a backup's files, and a backup against a volume (issue 15). */

const TYPE_CHAR: Record<ArchiveFileEntry['type'], string> = { file: '-', dir: 'd', symlink: 'l', hardlink: 'h', other: '?' };

/** "drwxr-sr-x", as `ls -l` and `tar -tv` write it ("h" for a hard link, as tar does). */
export function modeString(type: ArchiveFileEntry['type'], octal: string): string {
  const m = Number.parseInt(octal, 8) || 0;
  const bit = (mask: number, c: string) => (m & mask ? c : '-');
  const exec = (x: number, special: number, on: string, off: string) => (m & special ? (m & x ? on : off) : m & x ? 'x' : '-');
  return (
    TYPE_CHAR[type] +
    bit(0o400, 'r') +
    bit(0o200, 'w') +
    exec(0o100, 0o4000, 's', 'S') +
    bit(0o040, 'r') +
    bit(0o020, 'w') +
    exec(0o010, 0o2000, 's', 'S') +
    bit(0o004, 'r') +
    bit(0o002, 'w') +
    exec(0o001, 0o1000, 't', 'T')
  );
}

function displayName(e: ArchiveFileEntry, full: boolean): string {
  const name = printable(full ? e.path : e.name) + (e.type === 'dir' ? '/' : '');
  if (e.type === 'symlink') return `${name} -> ${printable(e.linkTarget ?? '')}`;
  if (e.type === 'hardlink') return `${name} link to ${printable(e.linkTarget ?? '')}`;
  return name;
}

function fileRows(entries: ArchiveFileEntry[], full: boolean): string[][] {
  return entries.map((e) => [
    modeString(e.type, e.mode),
    `${e.uid}/${e.gid}`,
    e.type === 'dir' ? '-' : String(e.size),
    // tar invents these folders at restore time: no archived time to show.
    e.madeUp ? '-' : formatTimestamp(new Date(e.modifiedAt).toISOString()),
    displayName(e, full),
  ]);
}

const HEADER = ['MODE', 'UID/GID', 'SIZE', 'MODIFIED', 'NAME'];
const PAGE = 5000;

export async function lsFiles(ctx: CliContext, values: { json?: boolean; find?: string }, args: string[]): Promise<number> {
  if (args.length < 1 || args.length > 2) throw new UsageError('Usage: ailab backups ls-files ARCHIVE [PATH] [--find PATTERN]');
  const file = path.resolve(args[0] as string);
  if (values.find !== undefined) {
    if (args.length > 1) throw new UsageError('--find searches the whole archive; give no PATH with it.');
    const r = await ctx.call('searchArchive', { file, query: values.find, limit: PAGE });
    if (values.json) ctx.io.out(`${JSON.stringify(r, null, 2)}\n`);
    else if (r.matches.length === 0) ctx.io.out(`No name in ${r.file} matches "${printable(r.query)}".\n`);
    else ctx.io.out(formatTable(HEADER, fileRows(r.matches, true)));
    if (r.truncated && !values.json) ctx.io.err(`(only the first ${formatCount(r.matches.length)} matches are shown)\n`);
    return EXIT.OK;
  }
  // A script gets the whole folder, whatever its size: page through it.
  let page: ArchiveFolderPage = await ctx.call('listArchiveFolder', { file, path: args[1] ?? '', offset: 0, limit: PAGE });
  const entries = [...page.entries];
  while (entries.length < page.total) {
    page = await ctx.call('listArchiveFolder', { file, path: page.path, offset: entries.length, limit: PAGE });
    if (page.entries.length === 0) break;
    entries.push(...page.entries);
  }
  if (values.json) {
    ctx.io.out(`${JSON.stringify({ ...page, offset: 0, entries }, null, 2)}\n`);
    return EXIT.OK;
  }
  if (entries.length === 0) ctx.io.out(`/${page.path} in ${page.file} is empty.\n`);
  else ctx.io.out(formatTable(HEADER, fileRows(entries, false)));
  return EXIT.OK;
}

function sideWord(s: DiffSide | null, e: DiffEntry): string {
  if (!s) return '';
  return e.reason === 'size' ? String(s.size) : e.reason === 'mtime' ? formatTimestamp(new Date(s.modifiedAt).toISOString()) : s.type;
}

function diffLine(e: DiffEntry): string {
  const side = e.volume ?? e.backup;
  const name = printable(e.path) + (side?.type === 'dir' ? '/' : '');
  if (e.kind === 'added') return `+ ${name}`;
  if (e.kind === 'removed') return `- ${name}`;
  if (e.reason === 'content') return `~ ${name} (content)`;
  return `~ ${name} (${e.reason ?? 'changed'} ${sideWord(e.backup, e)} → ${sideWord(e.volume, e)})`;
}

export function printDiff(out: (t: string) => void, d: BackupDiff): void {
  for (const e of d.entries) out(`${diffLine(e)}\n`);
  const c = d.counts;
  out(
    `${d.entries.length === 0 ? 'No differences. ' : ''}${formatCount(c.added)} added, ${formatCount(c.removed)} removed, ${formatCount(c.changed)} changed, ${formatCount(c.same)} the same` +
      ` (volume ${d.volume} now against ${path.basename(d.file)}${d.content ? ', content compared' : ', by type, size and mtime'}).\n`,
  );
}

const DIFF_HELP = `Usage: ailab diff ARCHIVE VOLUME [--content] [--json]

Compares a backup with the volume now, from the volume's side: what was added since the backup
(+ path), what was removed (- path, restorable from the backup), and what changed (~ path, with the
first difference: type, size, or mtime to the second, as tar keeps it; a symlink's target). Folders
end with /; their own size and time are not compared (what is inside them is). Nothing is changed:
a helper container lists the volume read-only.

Options:
  --content   also hash the files whose type, size and mtime agree, on both sides (reads them all;
              catches an edit that kept the size and the time)
  --json      print JSON (errors too: {"ok":false,"error":{...}} on stdout)

Exit code 0 whether or not there are differences (like \`git diff\` without --exit-code): scripts read
the counts (--json: .counts). Any other code is an error.

${EXIT_CODE_HELP}`;

const diff: CliCommand = {
  name: 'diff',
  summary: 'compare a backup with the volume now: added, removed, changed (ailab diff --help)',
  help: DIFF_HELP,
  async run(ctx, argv) {
    const { values, positionals } = parse(argv, { json: { type: 'boolean' }, content: { type: 'boolean' } });
    if (positionals.length !== 2) throw new UsageError('Usage: ailab diff ARCHIVE VOLUME [--content] [--json]');
    const [file, volume] = positionals as [string, string];
    const d = await ctx.call('diffBackup', { file: path.resolve(file), volume, content: values.content === true });
    if (values.json) ctx.io.out(`${JSON.stringify(d, null, 2)}\n`);
    else printDiff(ctx.io.out, d);
    return EXIT.OK;
  },
};

export const diffCommands: CliCommand[] = [diff];

/** Used by `ailab backups ls-files --help`. */
export const LS_FILES_HELP = `  ls-files ARCHIVE [PATH]  the files in one folder of any archive a restore accepts (ours, the guide's,
                           another tool's .tgz or .tar), like \`ls -l\`: mode, uid/gid, size, time, name
                           (folders end with /, symlinks -> target). PATH is relative to the backup's
                           root, with or without ./ or /. The first look reads the whole archive with
                           the restore's check and caches an index; later looks are instant.
                           --find PATTERN: names matching PATTERN anywhere (* and ?; a plain word
                           matches part of a name), case-insensitive`;
