import { randomUUID } from 'node:crypto';
import { AppError } from '../../../shared/contract/errors';
import type { AiLabContainer, LaunchOptions, LaunchStateEvent, LogLine, PullProgressEvent } from '../../../shared/contract/launcher';
import { parse, UsageError } from '../args';
import type { CliCommand, CliContext } from '../command';
import { EXIT } from '../exitCodes';
import { formatBytes, formatUptime, printList, UPTIME_UNITS_COMPACT } from '../format';
import { resolveJupyterPassword } from '../password';

function intOption(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got "${raw}").`);
  return n;
}

/** Ctrl+C runs `onInterrupt` once instead of killing the process; returns the way to stop listening. */
function onCtrlC(onInterrupt: () => void): () => void {
  const handler = () => onInterrupt();
  process.once('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

function pullLine(p: PullProgressEvent): string {
  let current = 0;
  let total = 0;
  let done = 0;
  for (const l of p.layers) {
    if (/complete|already exists/i.test(l.status)) done++;
    if (l.total) {
      total += l.total;
      current += Math.min(l.current ?? 0, l.total);
    }
  }
  const bytes = total > 0 ? ` ${formatBytes(current)} / ${formatBytes(total)}` : '';
  return `Pulling ${p.image}: ${done}/${p.layers.length} layers${bytes}`;
}

const launch: CliCommand = {
  name: 'launch',
  summary: 'start AI-Lab with a volume and wait until Jupyter answers',
  help: `Usage: ailab launch [--volume V] [--image I] [--port P] [--listen-ip IP] [--name N] [options]

Start Exasol AI-Lab with volume V mounted at the image's notebooks folder (read from the image),
wait until Jupyter answers, and print its URL and how to log in. A missing image is pulled first;
a missing volume is created.

Options:
  --volume V        the volume with your notebooks (default: the settings' default volume)
  --image I         the image (default: the image of the last launch, remembered in the settings'
                    image and version; at first exasol/ai-lab:latest)
  --port P          the port on the Docker host (default: the settings' port, 49494)
  --listen-ip IP    127.0.0.1 (default: this computer only) or 0.0.0.0 (reachable from the network)
  --name N          the container's name (default: ai-lab)
  --password-stdin  read the Jupyter password (AI-Lab 5.0.0 and later) from standard input: the first
                    line of a pipe, or typed without echo at a terminal; or set AILAB_JUPYTER_PASSWORD.
                    Either way it is visible in \`docker inspect\` of the container, as with docker run.
  --password PW     the same, but every user of this computer can read it (ps): avoid
  --docker-socket   mount /var/run/docker.sock so notebooks can start an Exasol Docker-DB
                    (WARNING: gives code in a notebook root access to the Docker host)
  --start-existing  if a container named N exists, start it instead (keeps its %pip extras)
  --timeout S       seconds to wait for Jupyter (default 120)
  --open            open the browser when Jupyter is ready
  --json            print the result as JSON

Ctrl+C while waiting stops waiting; the container is left running (\`ailab stop\` stops it).`,
  async run(ctx, argv) {
    const { values } = parse(
      argv,
      {
        volume: { type: 'string' },
        image: { type: 'string' },
        port: { type: 'string' },
        'listen-ip': { type: 'string' },
        name: { type: 'string' },
        password: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        'docker-socket': { type: 'boolean' },
        'start-existing': { type: 'boolean' },
        timeout: { type: 'string' },
        open: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      false,
    );
    const settings = await ctx.call('getSettings');
    const volume = values.volume ?? settings.defaultVolume;
    if (!volume) {
      throw new UsageError('name the volume with --volume V (it is created if it does not exist), or set a default volume in the app.');
    }
    const options: LaunchOptions = {
      image: values.image ?? `${settings.aiLabImage}:${settings.aiLabVersion}`,
      volume,
      createVolume: true,
      name: values.name ?? 'ai-lab',
      listenIp: values['listen-ip'] ?? settings.listenIp,
      hostPort: intOption('port', values.port, 1, 65535) ?? settings.hostPort,
      dockerSocket: values['docker-socket'] ?? false,
      startExisting: values['start-existing'] ?? false,
      timeoutSeconds: intOption('timeout', values.timeout, 1, 3600) ?? 120,
      open: values.open ?? false,
      pull: true,
    };
    const password = await resolveJupyterPassword({
      flag: values.password,
      fromStdin: values['password-stdin'] ?? false,
      env: process.env,
      stdin: ctx.io.stdin ?? process.stdin,
      say: ctx.io.err,
    });
    if (password !== undefined) options.password = password;
    return runLaunch(ctx, options, values.json ?? false);
  },
};

async function runLaunch(ctx: CliContext, options: LaunchOptions, json: boolean): Promise<number> {
  const { io } = ctx;
  const core = await ctx.core();
  const launchId = randomUUID();
  const tail: string[] = [];
  let pullShown = false;
  const offs = [
    core.bus.on('launchState', (e: LaunchStateEvent) => {
      if (e.launchId !== launchId || e.state === 'failed' || e.state === 'cancelled' || e.state === 'ready') return;
      if (pullShown && io.tty) io.err('\n');
      pullShown = false;
      io.err(`${e.message}\n`);
    }),
    core.bus.on('launchPullProgress', (p: PullProgressEvent) => {
      if (p.launchId !== launchId) return;
      if (io.tty) {
        io.err(`\r${pullLine(p)}\x1b[K`);
        pullShown = true;
      } else if (p.done) {
        io.err(`Pulled ${p.image}.\n`);
      }
    }),
    core.bus.on('launcherLog', (lines: LogLine[]) => {
      for (const l of lines) {
        if (l.source !== launchId) continue;
        tail.push(l.line);
        if (tail.length > 15) tail.shift();
      }
    }),
  ];
  let interrupted = false;
  const offSigint = onCtrlC(() => {
    interrupted = true;
    io.err('\nStopping the wait (the container, if already created, is left as it is)…\n');
    void ctx.call('cancelAiLabLaunch', launchId);
  });
  try {
    const outcome = await ctx.call('launchAiLab', launchId, options);
    for (const w of outcome.warnings) io.err(`Warning: ${w.message}\n`);
    if (outcome.volumeCreated) io.err(`Created volume ${outcome.volume}.\n`);
    if (json) {
      io.out(`${JSON.stringify(outcome, null, 2)}\n`);
    } else {
      io.out(
        `AI-Lab is ready: ${outcome.url}\n` +
          `${outcome.loginHint}\n` +
          `Container "${outcome.containerName}" (${outcome.image}), volume ${outcome.volume ?? '-'} at ${outcome.notebooksPath}.` +
          `${outcome.reused ? ' (an existing container was started)' : ''}\n` +
          `Stop it with: ailab stop ${outcome.containerName}\n`,
      );
    }
    return EXIT.OK;
  } catch (err) {
    if (err instanceof AppError && err.code !== 'CANCELLED' && !interrupted && tail.length > 0 && !json) {
      io.err(`Last lines of the container log:\n${tail.map((l) => `  | ${l}`).join('\n')}\n`);
    }
    if (err instanceof AppError && err.code === 'PORT_IN_USE' && typeof err.details?.suggestion === 'number') {
      throw new AppError(err.code, err.message, { hint: `Try: ailab launch --port ${err.details.suggestion} (same options otherwise).`, details: err.details });
    }
    if (err instanceof AppError && err.code === 'CONTAINER_EXISTS') {
      throw new AppError(err.code, err.message, {
        hint: `${err.hint ?? ''} Start it with: ailab launch --name ${options.name} --start-existing`.trim(),
        details: err.details,
      });
    }
    throw err;
  } finally {
    offSigint();
    for (const off of offs) off();
  }
}

function statusRow(c: AiLabContainer): string[] {
  return [c.name, c.state, c.version, c.volume ?? '', c.url ?? '', c.state === 'running' ? formatUptime(c.startedAt, Date.now(), UPTIME_UNITS_COMPACT) : ''];
}

const status: CliCommand = {
  name: 'status',
  summary: 'list AI-Lab containers: state, version, volume, URL, uptime',
  help: `Usage: ailab status [--json]

List the AI-Lab containers (from exasol/ai-lab or exasol/data-science-sandbox images, or launched by
this app): state, version, volume, URL and uptime.

Options:
  --json   print JSON instead of a table`,
  async run(ctx, argv) {
    const { values } = parse(argv, { json: { type: 'boolean' } }, false);
    printList(ctx.io.out, await ctx.call('listAiLabContainers'), {
      json: Boolean(values.json),
      empty: 'No AI-Lab containers. Start one with `ailab launch --volume NAME`.',
      header: ['NAME', 'STATE', 'VERSION', 'VOLUME', 'URL', 'UPTIME'],
      row: statusRow,
    });
    return EXIT.OK;
  },
};

/** NAME, or the only (running) AI-Lab container; otherwise a usage error that lists the candidates. */
async function pickContainer(ctx: CliContext, name: string | undefined, verb: string, preferRunning: boolean): Promise<AiLabContainer | null> {
  const list = await ctx.call('listAiLabContainers');
  if (name !== undefined) {
    const found = list.find((c) => c.name === name || c.id.startsWith(name));
    if (!found) {
      throw new AppError('CONTAINER_NOT_FOUND', `There is no AI-Lab container "${name}".`, {
        hint: list.length ? `AI-Lab containers: ${list.map((c) => c.name).join(', ')}.` : 'There are no AI-Lab containers; start one with `ailab launch`.',
      });
    }
    return found;
  }
  const running = list.filter((c) => c.state === 'running');
  const pool = preferRunning ? running : running.length > 0 ? running : list;
  if (pool.length === 1) return pool[0] ?? null;
  if (pool.length === 0) return null;
  throw new UsageError(
    `${pool.length} AI-Lab containers ${preferRunning ? 'are running' : 'exist'} (${pool.map((c) => c.name).join(', ')}); name the one to ${verb}.`,
  );
}

const stop: CliCommand = {
  name: 'stop',
  summary: 'stop an AI-Lab container (the only running one by default)',
  help: `Usage: ailab stop [NAME]

Stop the AI-Lab container NAME, or the only running one. The container is kept (with its %pip
extras); start it again with \`ailab launch --name NAME --start-existing\`.`,
  async run(ctx, argv) {
    const { positionals } = parse(argv, {}, true);
    if (positionals.length > 1) throw new UsageError('name one container to stop.');
    const c = await pickContainer(ctx, positionals[0], 'stop', true);
    if (!c) {
      ctx.io.out('No AI-Lab container is running.\n');
      return EXIT.OK;
    }
    if (c.state !== 'running') {
      ctx.io.out(
        `${c.name} ${c.state === 'exited' ? 'is already stopped' : c.state === 'created' ? 'was never started' : `is ${c.state}, not running`}: nothing to stop.\n`,
      );
      return EXIT.OK;
    }
    const after = await ctx.call('stopAiLabContainer', c.id);
    ctx.io.out(`Stopped ${after.name}.${after.exitNote ? ` ${after.exitNote}` : ''}\n`);
    return EXIT.OK;
  },
};

const logs: CliCommand = {
  name: 'logs',
  summary: 'print the log of an AI-Lab container',
  help: `Usage: ailab logs [NAME] [--follow] [--tail N]

Print the log of the AI-Lab container NAME (default: the only running one, or the only one).

Options:
  -f, --follow   keep printing new lines until the container stops or Ctrl+C
  --tail N       how many of the last lines to print first (default 200)`,
  async run(ctx, argv) {
    const { values, positionals } = parse(argv, { follow: { type: 'boolean', short: 'f' }, tail: { type: 'string' } }, true);
    if (positionals.length > 1) throw new UsageError('name one container.');
    const tail = intOption('tail', values.tail, 0, 10_000) ?? 200;
    const c = await pickContainer(ctx, positionals[0], 'show', false);
    if (!c) {
      ctx.io.out('There are no AI-Lab containers.\n');
      return EXIT.OK;
    }
    const print = (l: LogLine) => {
      if (l.stream === 'system') ctx.io.err(`[${l.line}]\n`);
      else if (l.stream === 'stderr') ctx.io.err(`${l.line}\n`);
      else ctx.io.out(`${l.line}\n`);
    };
    if (!values.follow) {
      for (const l of await ctx.call('getAiLabLogs', c.id, { tail })) print(l);
      return EXIT.OK;
    }
    const core = await ctx.core();
    const followId = randomUUID();
    let finish: () => void = () => undefined;
    const ended = new Promise<void>((r) => (finish = r));
    const off = core.bus.on('launcherLog', (lines: LogLine[]) => {
      for (const l of lines) {
        if (l.source !== followId) continue;
        print(l);
        if (l.end) finish();
      }
    });
    const offSigint = onCtrlC(() => finish());
    try {
      await ctx.call('followAiLabLogs', followId, c.id, { tail });
      await ended;
    } finally {
      offSigint();
      off();
      await ctx.call('stopFollowingAiLabLogs', followId).catch(() => undefined);
    }
    return EXIT.OK;
  },
};

export const launcherCommands: CliCommand[] = [launch, status, stop, logs];
