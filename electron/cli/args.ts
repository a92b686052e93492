import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../../shared/contract/errors';
import type { CliCommand, CliContext } from './command';

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

export interface Subcommand<V> {
  /** The options besides --json that apply to it; any other is a usage error. */
  options: ReadonlyArray<keyof V>;
  /** It takes no positional arguments (a string says why, after the usage error). */
  noArguments?: true | string;
  run: (args: string[]) => Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type ValuesOf<T extends Options> = ReturnType<typeof parse<T>>['values'];

/**
 * `ailab COMMAND SUB [args]` from a table of subcommands: the first one is the default when none is
 * given, `aliases` maps other names (list → ls), and an option given to a subcommand it does not
 * apply to is a usage error.
 */
export function commandWithSubcommands<T extends Options>(spec: {
  name: string;
  summary: string;
  help: string;
  options: T;
  /** Rewrites argv before parsing (e.g. to allow an option after a positional). */
  prepare?: (argv: string[]) => string[];
  subcommands: (ctx: CliContext, values: ValuesOf<T>) => Record<string, Subcommand<ValuesOf<T>>>;
  aliases?: Record<string, string>;
}): CliCommand {
  const { name: command, options, prepare = (argv: string[]) => argv, subcommands, aliases = {} } = spec;
  return {
    name: command,
    summary: spec.summary,
    help: spec.help,
    run(ctx, argv) {
      const { values, positionals } = parse(prepare(argv), options);
      const subs = subcommands(ctx, values);
      const [given = Object.keys(subs)[0] as string, ...args] = positionals;
      const name = aliases[given] ?? given;
      const sub = Object.prototype.hasOwnProperty.call(subs, name) ? subs[name] : undefined;
      if (!sub) throw new UsageError(`unknown subcommand "${command} ${given}". Run \`ailab ${command} --help\`.`);
      onlyOptionsFor(values, command, given, sub.options);
      if (sub.noArguments && args.length > 0) {
        const why = typeof sub.noArguments === 'string' ? `; ${sub.noArguments}` : '';
        throw new UsageError(`ailab ${command} ${name} takes no arguments${why}.`);
      }
      return sub.run(args);
    },
  };
}
