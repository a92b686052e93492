import pkg from '../../package.json';
import type { ArgsOf, Handlers, MethodName } from '../../shared/contract';
import { AppError } from '../../shared/contract/errors';
import { invokeHandler } from '../../shared/contract/invoke';
import { createCore, type Core } from '../services/createCore';
import { createHandlers } from '../services/handlers';
import { openWithPlatform } from '../services/core/openExternal';
import { UsageError } from './args';
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
  -h, --help     show help
  -v, --version  print the version

Docker is found like the docker CLI finds it: DOCKER_HOST, then DOCKER_CONTEXT or the current
context, then the platform's default socket.

${EXIT_CODE_HELP}
`;
}

export async function runCli(argv: string[], io: CliContext['io']): Promise<number> {
  const commands = allCommands;
  let core: Core | undefined;
  let handlers: Handlers | undefined;
  const getCore = async () => (core ??= await createCore({ mode: 'browser', openExternal: openWithPlatform, watchDocker: false }));
  const getHandlers = async () => (handlers ??= createHandlers(await getCore()));
  const ctx: CliContext = {
    io,
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
    if (!command) {
      io.err(`ailab: unknown command "${name}". Run \`ailab --help\` for the list.\n`);
      return EXIT.USAGE;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`${command.help.trimEnd()}\n`);
      return EXIT.OK;
    }
    return await command.run(ctx, rest);
  } catch (err) {
    return reportError(err, io);
  } finally {
    await core?.shutdown();
  }
}

export function reportError(err: unknown, io: CliContext['io']): number {
  if (err instanceof UsageError) {
    io.err(`ailab: ${err.message}\n`);
    return EXIT.USAGE;
  }
  if (err instanceof AppError) {
    io.err(`Error: ${err.message}\n`);
    if (err.hint) io.err(`  ${err.hint}\n`);
    return exitCodeFor(err.code);
  }
  io.err(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.FAILURE;
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
