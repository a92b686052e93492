import path from 'node:path';
import type { BackupEntry } from '../../../shared/contract/backups';
import { commandWithSubcommands, parse, UsageError } from '../args';
import type { CliCommand, CliContext } from '../command';
import { EXIT, EXIT_CODE_HELP } from '../exitCodes';
import { formatBytes, formatCount, formatDuration, formatTable, formatTimestamp, printable } from '../format';
import { LS_FILES_HELP, lsFiles } from './archiveFiles';
import { KEEP_HELP, KEEP_OPTIONS, keepPolicy, printPrune } from './retentionArgs';

const HELP = `Usage: ailab backups [SUBCOMMAND] [options]

The backups in a folder: what is there, whether a backup is still what was written, retention, and
the files inside one backup.

Subcommands:
  ls [VOLUME] [--in DIR]   the backups in DIR (default: VOLUME's plan's folder, else the remembered
                           backup folder, or ~/ailab-backups), of VOLUME or all: time, volume, size,
                           entries, engine, state ("verified": its .json sidecar, written after the
                           backup verified, describes it; otherwise why it is not one of ours)
  verify FILE              read the whole backup again (gzip, tar, every entry) and compare it with
                           its sidecar (entries, sizes, sha256). Exit 0: good; 6: corrupt, truncated
                           or not what its sidecar says
  prune VOLUME --in DIR --keep-… [--dry-run]
                           apply retention to VOLUME's backups in DIR and print every decision with
                           its reason
${LS_FILES_HELP}

Options:
  --in DIR             the folder
  --find PATTERN       ls-files: search names instead of listing a folder
${KEEP_HELP}
  --dry-run            prune: decide and print, delete nothing
  --json               print JSON (errors too: {"ok":false,"error":{...}} on stdout)

${EXIT_CODE_HELP}`;

const OPTIONS = {
  json: { type: 'boolean' },
  in: { type: 'string' },
  'dry-run': { type: 'boolean' },
  find: { type: 'string' },
  ...KEEP_OPTIONS,
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

function printJson(ctx: CliContext, value: unknown): void {
  ctx.io.out(`${JSON.stringify(value, null, 2)}\n`);
}

function state(b: BackupEntry): string {
  return b.status === 'verified' ? 'verified' : (b.note ?? b.status);
}

async function ls(ctx: CliContext, values: Values, args: string[]): Promise<number> {
  if (args.length > 1) throw new UsageError('ailab backups ls takes at most one volume.');
  const [volume] = args;
  let dir = values.in !== undefined ? path.resolve(values.in) : undefined;
  if (dir === undefined && volume !== undefined) {
    // A volume with a plan: its backups are where the plan puts them.
    dir = (await ctx.call('listPlans')).plans.find((p) => p.plan.volume === volume)?.plan.dir;
  }
  const cat = await ctx.call('listBackups', { dir, volume });
  if (values.json) {
    printJson(ctx, cat);
    return EXIT.OK;
  }
  if (cat.backups.length === 0) {
    ctx.io.out(`No backups${volume ? ` of ${volume}` : ''} in ${cat.dir}.\n`);
    return EXIT.OK;
  }
  ctx.io.out(
    formatTable(
      ['TIME', 'VOLUME', 'SIZE', 'ENTRIES', 'ENGINE', 'STATE', 'FILE'],
      cat.backups.map((b) => [
        b.createdAt === null ? '-' : formatTimestamp(new Date(b.createdAt).toISOString()),
        b.volume ?? '-',
        formatBytes(b.compressedBytes),
        b.entries === null ? '-' : formatCount(b.entries),
        b.engine ?? '-',
        state(b),
        printable(b.fileName),
      ]),
    ),
  );
  ctx.io.out(`In ${cat.dir}.\n`);
  return EXIT.OK;
}

async function verify(ctx: CliContext, values: Values, args: string[]): Promise<number> {
  const [file] = args;
  if (!file || args.length > 1) throw new UsageError('name one backup: ailab backups verify FILE');
  const v = await ctx.call('verifyBackup', path.resolve(file));
  if (values.json) {
    printJson(ctx, { ok: true, ...v });
    return EXIT.OK;
  }
  ctx.io.out(`Good: ${v.file}\n`);
  ctx.io.out(
    `  ${formatCount(v.entries)} ${v.entries === 1 ? 'entry' : 'entries'}, ${formatBytes(v.totalBytes)} → ${formatBytes(v.compressedBytes)} compressed, read in ${formatDuration(v.durationMs)}\n`,
  );
  ctx.io.out(`  sha256 ${v.sha256}\n`);
  ctx.io.out(
    v.comparedWithSidecar
      ? `  Matches its sidecar (a backup of ${v.volume ?? '?'}): entries, sizes and sha256.\n`
      : '  No sidecar of this app next to it: the gzip and tar structure were checked, there was nothing to compare the contents with.\n',
  );
  return EXIT.OK;
}

async function prune(ctx: CliContext, values: Values, args: string[]): Promise<number> {
  const [volume] = args;
  if (!volume || args.length > 1) throw new UsageError('name one volume: ailab backups prune VOLUME --in DIR --keep-… [--dry-run]');
  if (values.in === undefined) throw new UsageError('name the folder: ailab backups prune VOLUME --in DIR --keep-… [--dry-run]');
  const policy = keepPolicy(values);
  if (policy === null) throw new UsageError('name at least one rule: --keep-last, --keep-daily, --keep-weekly or --keep-monthly.');
  const r = await ctx.call('pruneBackups', { dir: path.resolve(values.in), volume, policy, dryRun: values['dry-run'] === true });
  if (values.json) printJson(ctx, r);
  else printPrune(ctx, r);
  return r.failures.length > 0 ? EXIT.FAILURE : EXIT.OK;
}

const backups = commandWithSubcommands({
  name: 'backups',
  summary: "the backups in a folder: list, verify, apply retention, list a backup's files (ailab backups --help)",
  help: HELP,
  options: OPTIONS,
  subcommands: (ctx, values) => ({
    ls: { options: ['in'], run: (args) => ls(ctx, values, args) },
    verify: { options: [], run: (args) => verify(ctx, values, args) },
    'ls-files': { options: ['find'], run: (args) => lsFiles(ctx, values, args) },
    prune: { options: ['in', 'dry-run', 'keep-last', 'keep-daily', 'keep-weekly', 'keep-monthly'], run: (args) => prune(ctx, values, args) },
  }),
  aliases: { list: 'ls' },
});

export const backupCommands: CliCommand[] = [backups];
