export const DEFAULT_PORT = 49500;

export interface ServeOptions {
  port: number;
  open: boolean;
  help: boolean;
}

export const SERVE_HELP = `AI-Lab Desktop in your browser: serves the app on 127.0.0.1 with a one-time token.

Usage: npm run serve -- [options]        (or: node dist/server/serve.cjs [options])

Options:
  --port N      port on 127.0.0.1 (default ${DEFAULT_PORT}; 0 picks any free port)
  --open        open the app in the default browser once it is running
  --no-open     do not open a browser (the default)
  -h, --help    show this help

Environment:
  AILAB_SERVE_TOKEN     use this token instead of a random one (16+ characters of A-Z a-z 0-9 - _)
  AILAB_DESKTOP_HOME    the data folder (settings, job history, uploads)
  DOCKER_HOST, DOCKER_CONTEXT   which Docker engine to use, as for the docker CLI

The server listens on 127.0.0.1 only. Open the URL it prints; the token in it is what lets your
browser in, so do not share it.
`;

export class ServeUsageError extends Error {}

export function parseServeArgs(argv: readonly string[]): ServeOptions {
  const opts: ServeOptions = { port: DEFAULT_PORT, open: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h' || arg === '--help') opts.help = true;
    else if (arg === '--open') opts.open = true;
    else if (arg === '--no-open') opts.open = false;
    else if (arg === '--port' || arg.startsWith('--port=')) {
      const value = arg === '--port' ? argv[++i] : arg.slice('--port='.length);
      opts.port = parsePort(value);
    } else {
      throw new ServeUsageError(`unknown option "${arg}". Run with --help for the options.`);
    }
  }
  return opts;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || !/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new ServeUsageError(`--port needs a number from 0 to 65535${value === undefined ? '' : `, not "${value}"`}.`);
  }
  return Number(value);
}
