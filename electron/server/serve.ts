import fs from 'node:fs';
import path from 'node:path';
import type { DockerStatus } from '../../shared/contract/docker';
import { openWithPlatform } from '../services/core/openExternal';
import { sweepUploads } from '../services/core/uploads';
import { createCore, type Core } from '../services/createCore';
import { runPlansInBackground } from '../services/plans/background';
import { createHandlers } from '../services/handlers';
import { createAppServer } from './appServer';
import { parseServeArgs, SERVE_HELP, ServeUsageError } from './args';
import { generateToken, tokenFromEnv } from './security';

/** Uploads a restore never used are removed after this long (checked when the server starts). */
const UPLOAD_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const log = (line: string) => process.stdout.write(`${line}\n`);
const fail = (line: string, code: number): never => {
  process.stderr.write(`ailab serve: ${line}\n`);
  process.exit(code);
};

function describeDocker(s: DockerStatus): string {
  const where = s.endpoint ? `${s.endpoint.url} (${s.endpoint.context ? `context ${s.endpoint.context}` : s.endpoint.source})` : 'endpoint not resolved yet';
  if (s.state === 'connected') return `Docker: ${where}, Engine ${s.engineVersion ?? '?'}`;
  if (s.state === 'unreachable') return `Docker: ${where} is unreachable: ${s.error?.message ?? 'no answer'}${s.error?.hint ? ` ${s.error.hint}` : ''}`;
  return `Docker: connecting to ${where}…`;
}

async function main(): Promise<void> {
  let opts;
  try {
    opts = parseServeArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ServeUsageError) return fail(err.message, 2);
    throw err;
  }
  if (opts.help) {
    process.stdout.write(SERVE_HELP);
    return;
  }
  const fromEnv = tokenFromEnv(process.env.AILAB_SERVE_TOKEN);
  if (fromEnv && 'error' in fromEnv) return fail(fromEnv.error, 2);
  const token = fromEnv?.token ?? generateToken();

  const rendererDir = path.resolve(__dirname, '..', 'renderer');
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) {
    return fail(`the page is not built (${path.join(rendererDir, 'index.html')} is missing). Run \`npm run build\` first, or start with \`npm run serve\`.`, 1);
  }

  let connectedPages = () => 0;
  const core: Core = await createCore({
    mode: 'browser',
    // In the browser mode the page opens URLs (window.open): the server may run where no browser can.
    openExternal: async (url) => {
      const parsed = new URL(url);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`Refusing to open ${parsed.protocol} URL.`);
      core.bus.emit('openUrl', { url: parsed.href });
      if (connectedPages() === 0) log(`Open in your browser: ${parsed.href}`);
    },
  });
  const handlers = createHandlers(core);
  await sweepUploads(core.dataDir, UPLOAD_MAX_AGE_MS);

  const server = createAppServer({
    bus: core.bus,
    handlers,
    dataDir: core.dataDir,
    rendererDir,
    token,
    onUnexpected: (method, err) =>
      process.stderr.write(`ailab serve: unexpected error in ${method}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
  });

  connectedPages = () => server.connections();

  let port: number;
  try {
    port = await server.listen(opts.port);
  } catch (err) {
    await core.shutdown();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      return fail(
        `port ${opts.port} on 127.0.0.1 is already in use (another AI-Lab Desktop server?). Use --port 0 for any free port, or --port <another port>.`,
        1,
      );
    }
    if (code === 'EACCES') return fail(`not allowed to listen on port ${opts.port}. Use --port 0 or a port above 1023.`, 1);
    throw err;
  }

  const url = `http://127.0.0.1:${port}/?token=${token}`;
  log(`AI-Lab Desktop is running at: ${url}`);
  let lastDockerLine = describeDocker(core.docker.status());
  log(lastDockerLine);
  core.docker.onStatus((s) => {
    const line = describeDocker(s);
    if (line !== lastDockerLine) log(line);
    lastDockerLine = line;
  });
  log('Press Ctrl+C to stop.');
  // Plans (`ailab plans set`) run while the server runs, unless another process already runs them.
  runPlansInBackground(core, log);

  if (opts.open) {
    openWithPlatform(url).catch((err: unknown) =>
      log(`Could not open a browser (${err instanceof Error ? err.message : String(err)}); open the URL above yourself.`),
    );
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl+C means now.
      process.exit(130);
    }
    stopping = true;
    log(`Stopping (${signal})…`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void (async () => {
      await server.close().catch(() => undefined);
      await core.shutdown().catch(() => undefined);
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  fail(err instanceof Error ? (err.stack ?? err.message) : String(err), 1);
});
