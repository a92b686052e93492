import { AppError } from '../../../shared/contract/errors';
import type { JobSummary, RestoreMode } from '../../../shared/contract/jobs';
import { parseLabels, UsageError } from '../args';
import type { CliContext } from '../command';
import { EXIT } from '../exitCodes';
import { confirm, follow } from './jobs';

/**
 * `ailab volumes clone|rename|empty|export|import|transfer` (issue 16): thin wrappers that start the
 * volumeOps domain's jobs through the contract and follow them like `ailab backup` (a progress bar,
 * `-v` for every file, `--json` for one event per line, Ctrl+C cancels cleanly).
 */

export const VOLUME_OPS_HELP = `  clone SRC DST [--label k=v]... [--stop-containers]
                            copy a volume into a new one, exactly (owners, modes, times, links,
                            hard links, sparse files), verified entry by entry; no compression and
                            no archive file: one helper reads SRC and writes DST on the engine
  rename OLD NEW            clone to NEW, verify, then remove OLD (refused while a container uses
                            OLD, naming it; OLD is kept if anything fails)
  empty VOLUME [--yes] [--no-safety-backup]
                            remove everything in a volume (the volume stays); a verified safety
                            backup of the contents is taken first unless --no-safety-backup
  export VOLUME --image NAME:TAG [--push]
                            the volume's contents as a small image (one FROM scratch layer under
                            /volume, owners and modes kept) tagged NAME:TAG; --push pushes it with
                            the engine's own push and your docker credentials
  import IMAGE VOLUME [--mode new|replace|merge] [--pull]
                            an exported image's contents into a volume (new by default; replace
                            takes a safety backup first). An image that is not a volume export is
                            refused, saying what it is
  transfer VOLUME --to-context CTX [--as NAME] [--mode new|replace|merge]
                            copy a volume to another Docker engine (a docker context: ssh://,
                            tcp://, unix://), streamed with no temporary file and verified on
                            arrival. A target engine without the helper image gets it from this one`;

export const VOLUME_OPS_OPTIONS_HELP = `  --stop-containers
               clone, rename, empty, export, import, transfer: stop the containers using the
               volume while it is copied (started again afterwards)
  --no-safety-backup
               empty: no safety backup first (the contents are gone for good)
  --image NAME:TAG
               export: the image to write
  --push       export: push the image after it is made
  --mode new|replace|merge
               import, transfer: into a new volume (default), replacing a volume's contents
               (a safety backup first), or merged into it
  --pull       import: pull the image when the engine lacks it
  --to-context CTX
               transfer: the docker context of the target engine (\`ailab contexts\` lists them)
  --as NAME    transfer: the volume's name on the target engine (default: the same)
  -v, --verbose
               clone, rename, empty, export, import, transfer: print every file as it is copied`;

export const VOLUME_OPS_OPTIONS = {
  'stop-containers': { type: 'boolean' },
  'no-safety-backup': { type: 'boolean' },
  image: { type: 'string' },
  push: { type: 'boolean' },
  mode: { type: 'string' },
  pull: { type: 'boolean' },
  'to-context': { type: 'string' },
  as: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

/** The option values these subcommands read (the volumes command parses them with the rest). */
export interface VolumeOpsValues {
  json?: boolean;
  yes?: boolean;
  label?: string[];
  'stop-containers'?: boolean;
  'no-safety-backup'?: boolean;
  image?: string;
  push?: boolean;
  mode?: string;
  pull?: boolean;
  'to-context'?: string;
  as?: string;
  verbose?: boolean;
}

function operands(args: string[], count: number, usage: string): string[] {
  if (args.length !== count) throw new UsageError(`Usage: ailab volumes ${usage}`);
  return args;
}

function modeOption(v: string | undefined): RestoreMode {
  if (v === undefined) return 'new';
  if (v !== 'new' && v !== 'replace' && v !== 'merge') throw new AppError('INVALID_ARGUMENT', `--mode must be new, replace or merge, not "${v}".`);
  return v;
}

async function run(ctx: CliContext, values: VolumeOpsValues, start: () => Promise<JobSummary>): Promise<number> {
  const core = await ctx.core();
  return follow(ctx, core, start, { json: values.json === true, verbose: values.verbose === true });
}

export function clone(ctx: CliContext, values: VolumeOpsValues, args: string[]): Promise<number> {
  const [source, target] = operands(args, 2, 'clone SRC DST [--label k=v]...') as [string, string];
  const labels = values.label && values.label.length > 0 ? parseLabels(values.label) : undefined;
  return run(ctx, values, () => ctx.call('cloneVolume', { source, target, labels, stopContainers: values['stop-containers'] === true }));
}

export function rename(ctx: CliContext, values: VolumeOpsValues, args: string[]): Promise<number> {
  const [from, to] = operands(args, 2, 'rename OLD NEW') as [string, string];
  return run(ctx, values, () => ctx.call('renameVolume', { from, to }));
}

export async function empty(ctx: CliContext, values: VolumeOpsValues, args: string[]): Promise<number> {
  const [volume] = operands(args, 1, 'empty VOLUME [--yes] [--no-safety-backup]') as [string];
  const safetyBackup = values['no-safety-backup'] !== true;
  if (values.yes !== true) {
    const what = `Remove everything in ${volume}${safetyBackup ? ' (a safety backup is taken first)' : ' with NO safety backup'}?`;
    if (!process.stdin.isTTY || values.json === true) throw new UsageError(`empty: ${what.replace(/\?$/, '')} needs confirmation: add --yes.`);
    if (!(await confirm(what))) {
      ctx.io.err('Nothing was changed.\n');
      return EXIT.CANCELLED;
    }
  }
  return run(ctx, values, () => ctx.call('emptyVolume', { volume, safetyBackup, stopContainers: values['stop-containers'] === true }));
}

export function exportImage(ctx: CliContext, values: VolumeOpsValues, args: string[]): Promise<number> {
  const [volume] = operands(args, 1, 'export VOLUME --image NAME:TAG [--push]') as [string];
  if (!values.image) throw new UsageError('export needs the image to write: --image NAME:TAG');
  const image = values.image;
  return run(ctx, values, () => ctx.call('exportVolume', { volume, image, push: values.push === true, stopContainers: values['stop-containers'] === true }));
}

export function importImage(ctx: CliContext, values: VolumeOpsValues, args: string[]): Promise<number> {
  const [image, volume] = operands(args, 2, 'import IMAGE VOLUME [--mode new|replace|merge]') as [string, string];
  const mode = modeOption(values.mode);
  return run(ctx, values, () =>
    ctx.call('importVolume', { image, volume, mode, pull: values.pull === true, stopContainers: values['stop-containers'] === true }),
  );
}

export function transfer(ctx: CliContext, values: VolumeOpsValues, args: string[]): Promise<number> {
  const [volume] = operands(args, 1, 'transfer VOLUME --to-context CTX [--as NAME] [--mode new|replace|merge]') as [string];
  if (!values['to-context']) throw new UsageError('transfer needs the target engine: --to-context CTX (`ailab contexts` lists them)');
  const toContext = values['to-context'];
  const mode = modeOption(values.mode);
  return run(ctx, values, () => ctx.call('transferVolume', { volume, toContext, as: values.as, mode, stopContainers: values['stop-containers'] === true }));
}
