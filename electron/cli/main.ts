import pkg from '../../package.json';
import type { ArgsOf, Handlers, MethodName } from '../../shared/contract';
import { AppError, type ApiErrorPayload } from '../../shared/contract/errors';
import { invokeHandler } from '../../shared/contract/invoke';
import { createCore, type Core } from '../services/createCore';
import { envForContext, knownContextNames } from '../services/docker/contexts';
import { createHandlers } from '../services/handlers';
import { openWithPlatform } from '../services/core/openExternal';
import { UsageError } from './args';
import { hintBeyond } from './format';
import type { CliCommand, CliContext } from './command';
import { allCommands } from './commands';
import { EXIT, EXIT_CODE_HELP, exitCodeFor } from './exitCodes';

function mainHelp(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `ailab ${pkg.version}: manage the Docker volumes behind Exasol AI-Lab from the command line.

Usage: ailab <command> [options]       ailab <command> --help for details

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -h, --help              show help
  -v, --version           print the version
  -c, --context NAME      use this docker context (\`ailab contexts\` lists them); anywhere before --

Docker is found like the docker CLI finds it: --context, then DOCKER_HOST, then DOCKER_CONTEXT or the
current context, then the platform's default socket. --context wins over DOCKER_HOST, as in
\`docker --context\`; the engine picked in the app does not apply here.

${EXIT_CODE_HELP}
`;
}

export async function runCli(argv: string[], io: CliContext['io']): Promise<number> {
  const commands = allCommands;
  let core: Core | undefined;
  let handlers: Handlers | undefined;
  let globalOpts: GlobalOptions;
  try {
    globalOpts = takeGlobalOptions(argv);
  } catch (err) {
    return reportError(err, io, argv.includes('--json'));
  }
  argv = globalOpts.argv;
  const context = globalOpts.context;
  const env = context === null ? process.env : envForContext(process.env, context);
  const getCore = async () => {
    if (!core && context !== null) assertKnownContext(env, context);
    return (core ??= await createCore({ mode: 'browser', role: 'cli', openExternal: openWithPlatform, watchDocker: false, env }));
  };
  const getHandlers = async () => (handlers ??= createHandlers(await getCore()));
  const ctx: CliContext = {
    io,
    env,
    core: getCore,
    handlers: getHandlers,
    async call<M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never) {
      const h = await getHandlers();
      const res = await invokeHandler(h, method, args);
      if (!res.ok) throw AppError.fromPayload(res.error);
      return res.value as never;
    },
  };

  const [name, ...rest] = argv;
  // A script that asked for JSON gets its error as JSON too, on stdout, whatever the command.
  const end = rest.indexOf('--');
  const json = (end < 0 ? rest : rest.slice(0, end)).includes('--json');
  try {
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      io.out(mainHelp(commands));
      return name === undefined ? EXIT.USAGE : EXIT.OK;
    }
    if (name === '-v' || name === '--version' || name === 'version') {
      io.out(`${pkg.version}\n`);
      return EXIT.OK;
    }
    const command = commands.find((c) => c.name === name);
    if (!command) throw new UsageError(`unknown command "${name}". Run \`ailab --help\` for the list.`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`${command.help.trimEnd()}\n`);
      return EXIT.OK;
    }
    return await command.run(ctx, rest);
  } catch (err) {
    return reportError(err, io, json);
  } finally {
    await core?.shutdown();
  }
}

interface GlobalOptions {
  context: string | null;
  /** argv without the global options. */
  argv: string[];
}

/**
 * Takes `--context NAME`, `--context=NAME` and `-c NAME` out of argv wherever they stand before `--`,
 * so both `ailab --context srv volumes ls` and `ailab volumes ls --context srv` work (the commands'
 * own parsers are strict and would refuse it).
 */
export function takeGlobalOptions(argv: string[]): GlobalOptions {
  const rest: string[] = [];
  let context: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    let value: string | undefined;
    if (a === '--context' || a === '-c') {
      value = argv[++i];
      if (value === undefined || value === '' || value.startsWith('-')) throw new UsageError(`${a} needs a context name (\`ailab contexts\` lists them).`);
    } else if (a.startsWith('--context=')) {
      value = a.slice('--context='.length);
      if (value === '') throw new UsageError('--context needs a context name (`ailab contexts` lists them).');
    } else {
      rest.push(a);
      continue;
    }
    if (context !== null && context !== value) throw new UsageError(`--context is given twice ("${context}" and "${value}").`);
    context = value;
  }
  return { context, argv: rest };
}

/** An unknown --context fails before anything connects, naming the contexts there are. */
function assertKnownContext(env: NodeJS.ProcessEnv, name: string): void {
  const known = knownContextNames(env);
  if (known.includes(name)) return;
  throw new AppError('DOCKER_UNREACHABLE', `There is no docker context "${name}". Known contexts: ${known.join(', ')}.`, {
    hint: 'Run `ailab contexts` to see them, or `docker context create` to make one.',
  });
}

/** The error a script reads with --json: `{"ok":false,"error":{code,message,hint?,details?},"exitCode":n}`; usage errors have code USAGE. */
export interface CliJsonError {
  ok: false;
  error: Omit<ApiErrorPayload, 'code'> & { code: ApiErrorPayload['code'] | 'USAGE' };
  exitCode: number;
}

/** Prints an error the way the command was asked to talk (text on stderr, or one JSON line on stdout) and returns its exit code. */
export function reportError(err: unknown, io: CliContext['io'], json = false): number {
  const [payload, exitCode] = errorPayload(err);
  if (json) {
    const out: CliJsonError = { ok: false, error: payload, exitCode };
    io.out(`${JSON.stringify(out)}\n`);
    return exitCode;
  }
  if (payload.code === 'USAGE') {
    io.err(`ailab: ${payload.message}\n`);
    return exitCode;
  }
  io.err(`Error: ${payload.message}\n`);
  const hint = hintBeyond(payload.message, payload.hint);
  if (hint) io.err(`  ${hint}\n`);
  return exitCode;
}

function errorPayload(err: unknown): [CliJsonError['error'], number] {
  if (err instanceof UsageError) return [{ code: 'USAGE', message: err.message }, EXIT.USAGE];
  if (err instanceof AppError) return [err.toPayload(), exitCodeFor(err.code)];
  return [{ code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) }, EXIT.FAILURE];
}

/** Entry point for bin/ailab.cjs and for `node dist/cli/ailab.cjs`. */
export function main(argv: string[] = process.argv.slice(2)): void {
  const io = {
    out: (t: string) => void process.stdout.write(t),
    err: (t: string) => void process.stderr.write(t),
    tty: Boolean(process.stdout.isTTY),
  };
  runCli(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportError(err, io);
    },
  );
}

if (require.main === module) main();
