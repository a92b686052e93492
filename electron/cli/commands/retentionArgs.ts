import { AppError } from '../../../shared/contract/errors';
import type { PruneResult, RetentionPolicy } from '../../../shared/contract/backups';
import { describePolicy } from '../../services/backups/retention';
import type { CliContext } from '../command';
import { formatBytes, formatTable, formatTimestamp, plural, printable } from '../format';

/** The --keep-… options every command with retention takes (backups prune, backup --to, plans set). */
export const KEEP_OPTIONS = {
  'keep-last': { type: 'string' },
  'keep-daily': { type: 'string' },
  'keep-weekly': { type: 'string' },
  'keep-monthly': { type: 'string' },
} as const;

export const KEEP_HELP = `  --keep-last N        keep the N newest backups
  --keep-daily N       keep the newest backup of each of the N most recent days that have one
  --keep-weekly N      … of each of the N most recent ISO weeks (Monday to Sunday) that have one
  --keep-monthly N     … of each of the N most recent months that have one
                       (counted as restic's forget counts them, in local time; a backup kept by any
                       rule is kept. Only backups this app wrote for the volume are ever deleted:
                       a .tgz without its .json sidecar, or whose size differs from it, is never
                       touched; nor is the newest verified backup.)`;

function count(name: string, v: string | undefined): number {
  if (v === undefined) return 0;
  if (!/^\d{1,6}$/.test(v.trim())) throw new AppError('INVALID_ARGUMENT', `--${name} must be a whole number of backups (0 or more), not "${v}".`);
  return Number(v.trim());
}

/** The policy the options give, or null when none of them was given. */
export function keepPolicy(values: Partial<Record<keyof typeof KEEP_OPTIONS, string>>): RetentionPolicy | null {
  const given = Object.keys(KEEP_OPTIONS).some((k) => values[k as keyof typeof KEEP_OPTIONS] !== undefined);
  if (!given) return null;
  return {
    keepLast: count('keep-last', values['keep-last']),
    keepDaily: count('keep-daily', values['keep-daily']),
    keepWeekly: count('keep-weekly', values['keep-weekly']),
    keepMonthly: count('keep-monthly', values['keep-monthly']),
  };
}

/** Every decision with its reasons, then what was (or would be) deleted. */
export function printPrune(ctx: CliContext, r: PruneResult): void {
  const out = ctx.io.out;
  const mode = r.dryRun ? ' (dry run: nothing is deleted)' : '';
  out(`Retention for ${r.volume} in ${r.dir}: ${describePolicy(r.policy)}${mode}\n`);
  if (r.decisions.length === 0) {
    out('  No backups of this volume there.\n');
    return;
  }
  const verb = (a: 'keep' | 'delete') => (a === 'keep' ? 'keep' : r.dryRun ? 'would delete' : 'delete');
  out(
    formatTable(
      ['  ACTION', 'TIME', 'FILE', 'WHY'],
      r.decisions.map((d) => [
        `  ${verb(d.action)}`,
        d.createdAt === null ? '-' : formatTimestamp(new Date(d.createdAt).toISOString()),
        printable(d.file.split('/').pop() ?? d.file),
        d.reasons.join('; '),
      ]),
    ),
  );
  const doomed = r.decisions.filter((d) => d.action === 'delete');
  if (r.dryRun) out(`Would delete ${plural(doomed.length, 'backup', 'backups')}; nothing was deleted.\n`);
  else out(`Deleted ${plural(r.deleted.length, 'backup', 'backups')}, ${formatBytes(r.freedBytes)} freed.\n`);
  for (const f of r.failures) ctx.io.err(`Warning: ${f.file} was not deleted: ${f.message}\n`);
}
