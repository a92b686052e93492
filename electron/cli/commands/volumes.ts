import readline from 'node:readline';
import { EXASOL_DB_LABEL, EXASOL_DB_VOLUME, isExasolDbVolume, SCS_FILE } from '../../../shared/ailab';
import { AppError, type ApiErrorPayload } from '../../../shared/contract/errors';
import type { RemoveVolumeResult, VolumeScsInfo, VolumeSize, VolumeSummary } from '../../../shared/contract/volumes';
import { commandWithSubcommands, parse, parseLabels, UsageError } from '../args';
import type { CliCommand, CliContext } from '../command';
import { EXIT, EXIT_CODE_HELP, exitCodeFor } from '../exitCodes';
import { clone, empty, exportImage, importImage, rename, transfer, VOLUME_OPS_HELP, VOLUME_OPS_OPTIONS, VOLUME_OPS_OPTIONS_HELP } from './volumeOps';
import { cp } from './volumesCp';
import { formatBytes, formatLabels, formatTable, formatTimestamp, printable, printList } from '../format';

const HELP = `Usage: ailab volumes [SUBCOMMAND] [options]

Manage the Docker volumes of the engine (the same rules and messages as the app).

Subcommands:
  ls                        list volumes: name, driver, created, size, containers using it, labels
                            (the default when no subcommand is given)
  create NAME [--label k=v]...
                            create a volume; NAME: letters, digits, "_", "." or "-", at least 2
                            characters, starting with a letter or digit. A taken name is refused.
  rm NAME... [--force] [--confirm-name NAME]
                            remove volumes. A volume in use is refused, naming its containers.
                            --force also removes the STOPPED containers that use it first (and says
                            which). Running containers are never stopped: stop them yourself first.
                            ${EXASOL_DB_VOLUME} (AI-Lab's Exasol database) is removed
                            only with --confirm-name ${EXASOL_DB_VOLUME}, or its name
                            typed at the prompt on a terminal; --yes alone is not enough.
  inspect NAME              everything about one volume, including the containers that use it and
                            whether it holds the Secure Configuration Storage (and when it changed)
  ls-files NAME [PATH]      list one folder of a volume, read-only (PATH relative to the volume
                            root; default: the root). Runs the helper image (Settings) with find.
  cleanup [--yes]           list unused anonymous volumes; with --yes, remove exactly those
  cp VOLUME:PATH HOSTPATH   copy a file or folder out of a volume, like \`docker cp\`. HOSTPATH an
                            existing folder: written into it under its own name; otherwise written
                            as the new name HOSTPATH. A taken name is refused (nothing is replaced).
                            Modes, mtimes and symlinks are kept; the copy is yours (no owners).
                            HOSTPATH "-": a tar stream on stdout (members under the path's name).
  cp HOSTPATH... VOLUME:FOLDER
                            copy host files or folders into an existing folder of a volume, owned
                            by --owner; "-" instead of HOSTPATH reads a tar stream from stdin.
                            Names that exist in FOLDER need --conflict (there is no prompt).
                            Paths in a volume are relative to its root ("/", "./" or none);
                            ".." and paths through a symbolic link in the volume are refused.
${VOLUME_OPS_HELP}

Options:
  --json       print JSON instead of text (errors too: {"ok":false,"error":{...}} on stdout)
  --no-size    ls: do not compute sizes (they take a while on big volumes)
  --label k=v  create: add a label (repeatable)
  --force      rm: remove the stopped containers that use the volume first
  --confirm-name NAME
               rm: the guarded volume's name, typed (repeatable, one per guarded volume)
  --yes        cleanup: remove the volumes listed; rm: accepted, but it does not confirm a guarded
               volume (the Exasol database's): that needs --confirm-name
  --as-tgz     cp out: write a folder as one .tgz (members ./..., numeric owners, like a backup;
               restores with \`ailab restore\` or the guide's tar -x); the file is private (0600)
  --conflict overwrite|keep-both|skip
               cp in: for names that exist in FOLDER: replace them, keep both (the copy gets
               "NAME (copy).EXT"), or leave the volume's own
  --owner auto|UID:GID
               cp in: owner of what is copied; auto (default): the owner of FOLDER (1001:1001 in
               an AI-Lab 2+ volume)
${VOLUME_OPS_OPTIONS_HELP}

${EXIT_CODE_HELP}`;

const OPTIONS = {
  json: { type: 'boolean' },
  'no-size': { type: 'boolean' },
  label: { type: 'string', multiple: true },
  force: { type: 'boolean' },
  'confirm-name': { type: 'string', multiple: true },
  yes: { type: 'boolean' },
  'as-tgz': { type: 'boolean' },
  conflict: { type: 'string' },
  owner: { type: 'string' },
  ...VOLUME_OPS_OPTIONS,
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

function printJson(ctx: CliContext, value: unknown): void {
  ctx.io.out(`${JSON.stringify(value, null, 2)}\n`);
}

function usedBy(v: VolumeSummary): string {
  return v.containers.map((c) => `${c.name} (${c.state}${c.aiLab ? ', AI-Lab' : ''})`).join(', ');
}

function note(v: VolumeSummary): string {
  if (v.exasolDb) return `${v.exasolDb.label}${v.exasolDb.containers.length > 0 ? ` (${v.exasolDb.containers.join(', ')})` : ''}`;
  if (v.compose) return `compose ${v.compose.project} / ${v.compose.volume}`;
  if (v.anonymous) return v.createdBy ? `anonymous, from ${v.createdBy.name}` : 'anonymous';
  return '';
}

/** Labels without the Compose pair, which the NOTE column already shows. */
function otherLabels(v: VolumeSummary): Record<string, string> {
  const rest = { ...v.labels };
  if (v.compose) {
    delete rest['com.docker.compose.project'];
    delete rest['com.docker.compose.volume'];
  }
  return rest;
}

/** Sizes are extra: when the engine cannot measure them the list is still printed, with "-" and a note. */
async function sizesOrProblem(ctx: CliContext): Promise<{ sizes: Record<string, VolumeSize> | null; problem: string | null }> {
  try {
    return { sizes: (await ctx.call('getVolumeSizes')).sizes, problem: null };
  } catch (err) {
    const why = err instanceof AppError ? err.message : String(err);
    return { sizes: null, problem: `Sizes could not be computed (${why}); they show as "-". Try again, or use --no-size.` };
  }
}

async function ls(ctx: CliContext, values: Values): Promise<number> {
  // Both asked at once; the sizes' note is told only when the list itself came (else the list's error says it all).
  const sized = values['no-size'] ? Promise.resolve({ sizes: null, problem: null }) : sizesOrProblem(ctx);
  const list = await ctx.call('listVolumes');
  const { sizes, problem } = await sized;
  if (problem) ctx.io.err(`${problem}\n`);
  const withSizes = list.map((v): VolumeSummary => ({ ...v, size: sizes?.[v.name] ?? v.size }));
  printList(ctx.io.out, withSizes, {
    json: Boolean(values.json),
    empty: 'No volumes. Create one with `ailab volumes create NAME`.',
    header: ['NAME', 'DRIVER', 'CREATED', 'SIZE', 'USED BY', 'NOTE', 'LABELS'],
    row: (v) => [v.name, v.driver, formatTimestamp(v.createdAt), formatBytes(v.size?.size, '-'), usedBy(v) || '-', note(v), formatLabels(otherLabels(v))],
  });
  return EXIT.OK;
}

async function create(ctx: CliContext, values: Values, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('Usage: ailab volumes create NAME [--label k=v]...');
  const created = await ctx.call('createVolume', args[0] as string, parseLabels(values.label));
  if (values.json) printJson(ctx, created);
  else ctx.io.out(`Created volume ${created.name}\n`);
  return EXIT.OK;
}

interface RmOutcome {
  volume: string;
  ok: boolean;
  result?: RemoveVolumeResult;
  error?: ApiErrorPayload;
}

async function askName(name: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<string>((resolve) =>
      rl.question(`${name} holds ${EXASOL_DB_LABEL} (AI-Lab's Exasol database); removing it deletes the database.\nType its name to remove it: `, resolve),
    );
  } finally {
    rl.close();
  }
}

/**
 * The name the user confirmed for a guarded volume: --confirm-name, else typed at a prompt on a terminal.
 * Without either the service refuses (CONFIRMATION_REQUIRED), which is what a script gets.
 */
async function confirmedName(values: Values, name: string): Promise<string | undefined> {
  if (!isExasolDbVolume(name)) return undefined;
  const given = values['confirm-name'] ?? [];
  if (given.length > 0) return given.includes(name) ? name : given[0];
  if (!process.stdin.isTTY || values.json) return undefined;
  return (await askName(name)).trim();
}

async function rm(ctx: CliContext, values: Values, names: string[]): Promise<number> {
  if (names.length === 0) throw new UsageError('Usage: ailab volumes rm NAME... [--force] [--confirm-name NAME]');
  const outcomes: RmOutcome[] = [];
  let exit: number = EXIT.OK;
  for (const name of names) {
    try {
      const confirmName = await confirmedName(values, name);
      const result = await ctx.call('removeVolume', name, {
        removeStoppedContainers: Boolean(values.force),
        ...(confirmName === undefined ? {} : { confirmName }),
      });
      outcomes.push({ volume: name, ok: true, result });
      if (!values.json) {
        if (result.removedContainers.length > 0)
          ctx.io.out(
            `Removed stopped container${result.removedContainers.length === 1 ? '' : 's'} ${result.removedContainers.join(', ')} (they used ${name}).\n`,
          );
        ctx.io.out(`Removed volume ${name}\n`);
      }
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      // Docker unreachable: the other names would fail the same way.
      if (err.code === 'DOCKER_UNREACHABLE' || err.code === 'DOCKER_PERMISSION_DENIED') throw err;
      const payload = err.toPayload();
      const running = ((err.details?.containers ?? []) as Array<{ name: string; running: boolean }>).filter((c) => c.running);
      if (err.code === 'VOLUME_IN_USE' && running.length > 0) {
        payload.hint = `ailab never stops a running container. Stop ${running.map((c) => c.name).join(', ')} first (docker stop ${running.map((c) => c.name).join(' ')}), then run this again${values.force ? '' : ' with --force to remove the stopped containers too'}.`;
      } else if (err.code === 'VOLUME_IN_USE') {
        payload.hint = 'Run this again with --force to remove the stopped containers that use it first.';
      } else if (err.code === 'CONFIRMATION_REQUIRED') {
        payload.hint = `Run this again with --confirm-name ${name}, or on a terminal type the name at the prompt${values.yes ? ' (--yes alone is not enough)' : ''}.`;
      }
      outcomes.push({ volume: name, ok: false, error: payload });
      if (!values.json) {
        ctx.io.err(`Error: ${payload.message}\n`);
        if (payload.hint) ctx.io.err(`  ${payload.hint}\n`);
      }
      if (exit === EXIT.OK) exit = exitCodeFor(err.code);
    }
  }
  if (values.json) printJson(ctx, outcomes);
  return exit;
}

function sizeLine(size: VolumeSize | null): string {
  if (!size) return 'unknown';
  return `${size.size === null ? 'unknown' : formatBytes(size.size)}${size.refCount === null ? '' : ` (${size.refCount} reference${size.refCount === 1 ? '' : 's'})`}`;
}

function scsLine(s: VolumeScsInfo): string {
  if (!s.present) return `no ${SCS_FILE}`;
  return `${SCS_FILE}, ${formatBytes(s.size ?? 0)}, changed ${formatTimestamp(s.modifiedAt)}, owner ${s.uid}:${s.gid}, mode ${s.mode}`;
}

async function inspect(ctx: CliContext, values: Values, args: string[]): Promise<number> {
  if (args.length !== 1) throw new UsageError('Usage: ailab volumes inspect NAME');
  const name = args[0] as string;
  const details = await ctx.call('inspectVolume', name);
  const [sizes, scs] = await Promise.all([ctx.call('getVolumeSizes').catch(() => null), ctx.call('volumeScs', name, false).catch(() => null)]);
  const full = { ...details, size: sizes?.sizes[name] ?? details.size, scs };
  if (values.json) {
    printJson(ctx, full);
    return EXIT.OK;
  }
  const rows: Array<[string, string]> = [
    ['Name', full.name],
    ['Driver', full.driver],
    ['Scope', full.scope],
    ['Created', formatTimestamp(full.createdAt)],
    ['Mountpoint', full.mountpoint],
    ['Size', sizeLine(full.size)],
  ];
  if (full.exasolDb)
    rows.push([
      'Holds',
      `${full.exasolDb.label}${full.exasolDb.containers.length > 0 ? `, used by the DB container ${full.exasolDb.containers.join(', ')}` : ''}`,
    ]);
  if (scs) rows.push(['SCS', scsLine(scs)]);
  if (full.compose) rows.push(['Compose', `${full.compose.project} / ${full.compose.volume}`]);
  if (full.anonymous)
    rows.push(['Anonymous', full.createdBy ? `yes, created by container ${full.createdBy.name}` : 'yes (the container that created it is gone)']);
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  let text = rows.map(([k, v]) => `${`${k}:`.padEnd(width)} ${v}`).join('\n');
  text += `\n${'Labels:'.padEnd(width)}${Object.keys(full.labels).length === 0 ? ' none' : ''}`;
  for (const [k, v] of Object.entries(full.labels)) text += `\n  ${k}=${v}`;
  if (Object.keys(full.options).length > 0) {
    text += `\n${'Options:'.padEnd(width)}`;
    for (const [k, v] of Object.entries(full.options)) text += `\n  ${k}=${v}`;
  }
  text += `\n${'Used by:'.padEnd(width)}${full.containers.length === 0 ? ' no container' : ''}`;
  for (const c of full.containers) text += `\n  ${c.name} (${c.state}${c.aiLab ? ', AI-Lab' : ''}) at ${c.mountPath}, image ${c.image}`;
  ctx.io.out(`${text}\n`);
  return EXIT.OK;
}

async function lsFiles(ctx: CliContext, values: Values, args: string[]): Promise<number> {
  if (args.length < 1 || args.length > 2) throw new UsageError('Usage: ailab volumes ls-files NAME [PATH]');
  const listing = await ctx.call('listVolumeFiles', args[0] as string, args[1] ?? '');
  if (values.json) {
    printJson(ctx, listing);
    return EXIT.OK;
  }
  if (listing.entries.length === 0) {
    ctx.io.out(`/${listing.path} in ${listing.volume} is empty.\n`);
    return EXIT.OK;
  }
  ctx.io.out(
    formatTable(
      ['MODE', 'OWNER', 'SIZE', 'MODIFIED', 'NAME'],
      listing.entries.map((e) => [
        e.permissions,
        `${e.uid}:${e.gid}`,
        e.type === 'dir' ? '-' : formatBytes(e.size),
        formatTimestamp(e.modifiedAt),
        `${printable(e.name)}${e.type === 'dir' ? '/' : ''}${e.linkTarget !== null ? ` -> ${printable(e.linkTarget)}` : ''}`,
      ]),
    ),
  );
  if (listing.truncated) ctx.io.err(`(only the first ${listing.entries.length} entries are shown)\n`);
  return EXIT.OK;
}

async function cleanup(ctx: CliContext, values: Values): Promise<number> {
  const candidates = await ctx.call('listCleanupCandidates');
  if (!values.yes) {
    if (values.json)
      printJson(
        ctx,
        candidates.map((v) => v.name),
      );
    else if (candidates.length === 0) ctx.io.out('No unused anonymous volumes.\n');
    else ctx.io.out(`Unused anonymous volumes (run again with --yes to remove them):\n${candidates.map((v) => `  ${v.name}`).join('\n')}\n`);
    return EXIT.OK;
  }
  const result = await ctx.call(
    'cleanupVolumes',
    candidates.map((v) => v.name),
  );
  if (values.json) printJson(ctx, result);
  else {
    ctx.io.out(`Removed ${result.removed.length} unused anonymous volume${result.removed.length === 1 ? '' : 's'}.\n`);
    for (const s of result.skipped) ctx.io.out(`  kept ${s.name}: ${s.reason}\n`);
  }
  return EXIT.OK;
}

/**
 * `volumes create -bad`: node's parser would call "-bad" an unknown option, but after `create` it can
 * only be the name, and the answer a user needs is the name rule (exit 6), so it is passed on as one.
 */
function nameAfterCreate(argv: string[]): string[] {
  const [sub, first, ...rest] = argv;
  if (sub !== 'create' || first === undefined || !first.startsWith('-') || first === '--') return argv;
  const option = first.replace(/^--?/, '').split('=')[0] ?? '';
  if (option in OPTIONS || option === 'h' || option === 'help') return argv;
  return [sub, ...rest, '--', first];
}

const volumes = commandWithSubcommands({
  name: 'volumes',
  summary:
    'list, create, remove, inspect, clone, rename, empty, export, import and transfer volumes, list their files and copy files in and out (ailab volumes --help)',
  help: HELP,
  options: OPTIONS,
  prepare: nameAfterCreate,
  subcommands: (ctx, values) => ({
    ls: { options: ['no-size'], noArguments: true, run: () => ls(ctx, values) },
    create: { options: ['label'], run: (args) => create(ctx, values, args) },
    rm: { options: ['force', 'confirm-name', 'yes'], run: (args) => rm(ctx, values, args) },
    inspect: { options: [], run: (args) => inspect(ctx, values, args) },
    'ls-files': { options: [], run: (args) => lsFiles(ctx, values, args) },
    cp: { options: ['as-tgz', 'conflict', 'owner'], run: (args) => cp(ctx, values, args) },
    cleanup: { options: ['yes'], noArguments: 'it removes exactly the volumes it lists', run: () => cleanup(ctx, values) },
    clone: { options: ['label', 'stop-containers', 'verbose'], run: (args) => clone(ctx, values, args) },
    rename: { options: ['verbose'], run: (args) => rename(ctx, values, args) },
    empty: { options: ['yes', 'no-safety-backup', 'stop-containers', 'verbose'], run: (args) => empty(ctx, values, args) },
    export: { options: ['image', 'push', 'stop-containers', 'verbose'], run: (args) => exportImage(ctx, values, args) },
    import: { options: ['mode', 'pull', 'stop-containers', 'verbose'], run: (args) => importImage(ctx, values, args) },
    transfer: { options: ['to-context', 'as', 'mode', 'stop-containers', 'verbose'], run: (args) => transfer(ctx, values, args) },
  }),
  aliases: { list: 'ls', remove: 'rm' },
});

export const volumeCommands: CliCommand[] = [volumes];
