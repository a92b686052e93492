import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../../shared/contract/errors';

export class UsageError extends Error {}

/** node:util parseArgs with usage errors a person can read. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^.*TypeError \[[A-Z_]+\]: /, ''));
  }
}

/** `--label k=v` values into a record. */
export function parseLabels(values: string[] | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const v of values ?? []) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new AppError('INVALID_ARGUMENT', `Label "${v}" is not of the form key=value.`);
    labels[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return labels;
}

/** Refuses an option given to a subcommand it does not apply to (`--json` applies to all). */
export function onlyOptionsFor<V extends object>(values: V, command: string, sub: string, allowed: ReadonlyArray<keyof V>): void {
  for (const key of Object.keys(values) as Array<keyof V & string>) {
    if (key !== 'json' && values[key] !== undefined && !allowed.includes(key)) {
      throw new UsageError(`--${key} does not apply to "${command} ${sub}". Run \`ailab ${command} --help\`.`);
    }
  }
}
