import { randomUUID } from 'node:crypto';
import readline from 'node:readline';
import { AppError } from '../../../shared/contract/errors';
import type { PendingUpgrade, PullProgressEvent, UpgradeFinished, UpgradePlan, UpgradeProgressEvent } from '../../../shared/contract/launcher';
import { formatBytes } from '../../../shared/format';
import { parse, UsageError } from '../args';
import type { CliCommand, CliContext } from '../command';
import { EXIT } from '../exitCodes';

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} [y/N] `, resolve));
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

function planText(p: UpgradePlan): string {
  const c = p.container;
  const lines = [
    `Upgrade "${c.name}" (${c.image}, ${c.state}) to ${p.image.image}:`,
    `  ${p.version.message}`,
    `  1. ${c.state === 'running' ? `stop "${c.name}", then ` : ''}back up volume ${p.volume} (${formatBytes(p.volumeBytes)}) to ${p.backupFile}, verified;`,
    `  2. keep the old container as "${p.keptAs}" (stopped, not removed);`,
    `  3. start ${p.image.image} as "${c.name}" with volume ${p.volume} at ${p.newNotebooksPath}, ${c.listenIp}:${c.hostPort}, the same password setting${c.dockerSocket ? ' and the Docker socket' : ''};`,
    '  4. wait for Jupyter; if it does not get ready, roll back by itself.',
    ...p.notes.map((n) => `  Note: ${n}`),
  ];
  if (p.needsPull) lines.push(`  ${p.image.image} is not on the Docker host: it is pulled first (nothing changes if the pull fails).`);
  return `${lines.join('\n')}\n`;
}

/** The only pending upgrade when none is named; a usage error naming them when there are several. */
async function pickPending(ctx: CliContext, name: string | undefined, verb: string): Promise<string> {
  if (name !== undefined) return name;
  const pending = await ctx.call('listPendingAiLabUpgrades');
  if (pending.length === 1 && pending[0]) return pending[0].name;
  if (pending.length === 0)
    throw new AppError('CONTAINER_NOT_FOUND', 'No upgrade is waiting for Keep or Roll back.', {
      hint: 'Start one with `ailab upgrade CONTAINER --image IMAGE`.',
    });
  throw new UsageError(`${pending.length} upgrades are waiting (${pending.map((p) => p.name).join(', ')}); name the one to ${verb}.`);
}

async function pickContainer(ctx: CliContext, name: string | undefined): Promise<string> {
  if (name !== undefined) return name;
  const list = await ctx.call('listAiLabContainers');
  if (list.length === 1 && list[0]) return list[0].name;
  if (list.length === 0) throw new AppError('CONTAINER_NOT_FOUND', 'There are no AI-Lab containers to upgrade.', { hint: 'Start one with `ailab launch`.' });
  throw new UsageError(`${list.length} AI-Lab containers exist (${list.map((c) => c.name).join(', ')}); name the one to upgrade.`);
}

function finishedText(f: UpgradeFinished): string {
  return `${f.message}\n`;
}

function pendingRow(p: PendingUpgrade): string {
  return `${p.name}: ${p.oldImage} → ${p.newImage} (${p.state === 'ready' ? 'ready' : 'never got ready'}), old container kept as "${p.keptAs}", backup ${p.backupFile}\n`;
}

async function withProgress<T>(ctx: CliContext, id: string, json: boolean, body: () => Promise<T>): Promise<T> {
  const core = await ctx.core();
  const { io } = ctx;
  const offs = [
    core.bus.on('aiLabUpgradeProgress', (e: UpgradeProgressEvent) => {
      if (e.upgradeId !== id || e.status === 'running') return;
      io.err(`${e.status === 'failed' ? 'Failed: ' : e.status === 'skipped' ? 'Skipped: ' : ''}${e.message}\n`);
    }),
    core.bus.on('launchPullProgress', (p: PullProgressEvent) => {
      if (p.launchId === id && p.done && !json) io.err(`Pulled ${p.image}.\n`);
    }),
  ];
  try {
    return await body();
  } finally {
    for (const off of offs) off();
  }
}

export const upgrade: CliCommand = {
  name: 'upgrade',
  summary: 'move an AI-Lab container to a newer image, keeping the notebooks (Keep or Roll back after)',
  help: `Usage: ailab upgrade [CONTAINER] --image IMAGE[:TAG] [--yes] [--backup-dir DIR] [--timeout S] [--json]
       ailab upgrade --keep [CONTAINER] [--json]
       ailab upgrade --rollback [CONTAINER] [--json]
       ailab upgrade --pending [--json]

Upgrade the AI-Lab container CONTAINER (default: the only one) to IMAGE (pulled when it is not on
the Docker host). Before anything is stopped, the image must be AI-Lab (it exposes 49494 and declares
its notebooks folder) and newer, the volume used by no other AI-Lab container, and the backup folder
big enough. Then: the container is stopped, its volume backed up (verified) into the backup folder,
the container kept under a new name, and IMAGE started under its name with the same volume (mounted
where the new image wants it: AI-Lab 2.0.0 moved /root/notebooks to /home/jupyter/notebooks, and its
start-up gives the files to uid 1001), port, password setting and Docker socket choice. If Jupyter
does not get ready, everything is rolled back by itself.

The upgrade then waits for your choice, recorded in the data folder (the app shows it too):
  --keep       keep the new version: the old container is removed (the backup stays)
  --rollback   back to the old container (started if it was running), the volume restored from the
               backup if the new version changed it: notebooks saved since go back too, and so does the
               Secure Configuration Storage (connections, master password) unless --keep-scs
  --keep-scs   with --rollback: keep the SCS file as it is now
  --pending    list the upgrades waiting for Keep or Roll back

Options:
  --image I       the newer image, e.g. exasol/ai-lab:6.2.0
  --yes           do not ask before upgrading (needed without a terminal and with --json)
  --backup-dir D  where the backup goes (default: the backup folder of the settings, else ~/ailab-backups)
  --timeout S     seconds to wait for Jupyter (default 120)
  --json          print the result as JSON`,
  async run(ctx, argv) {
    const { values, positionals } = parse(
      argv,
      {
        image: { type: 'string' },
        yes: { type: 'boolean' },
        keep: { type: 'boolean' },
        rollback: { type: 'boolean' },
        'keep-scs': { type: 'boolean' },
        pending: { type: 'boolean' },
        'backup-dir': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
      },
      true,
    );
    const json = values.json ?? false;
    if (positionals.length > 1) throw new UsageError('name one container.');
    const modes = [values.keep, values.rollback, values.pending, values.image !== undefined].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('give --image IMAGE to upgrade, or one of --keep, --rollback, --pending.');
    const out = (value: unknown, text: string) => ctx.io.out(json ? `${JSON.stringify(value, null, 2)}\n` : text);

    if (values.pending) {
      const pending = await ctx.call('listPendingAiLabUpgrades');
      out(pending, pending.length ? pending.map(pendingRow).join('') : 'No upgrade is waiting for Keep or Roll back.\n');
      return EXIT.OK;
    }
    if (values.keep) {
      const name = await pickPending(ctx, positionals[0], 'keep');
      const f = await ctx.call('keepAiLabUpgrade', name);
      out(f, finishedText(f));
      return EXIT.OK;
    }
    if (values.rollback) {
      const name = await pickPending(ctx, positionals[0], 'roll back');
      const id = randomUUID();
      const f = await withProgress(ctx, id, json, () => ctx.call('rollBackAiLabUpgrade', id, name, { keepScs: values['keep-scs'] === true }));
      out(f, finishedText(f));
      return EXIT.OK;
    }

    const image = values.image ?? '';
    const container = await pickContainer(ctx, positionals[0]);
    let timeoutSeconds = 120;
    if (values.timeout !== undefined) {
      const n = Number(values.timeout);
      if (!Number.isInteger(n) || n < 1 || n > 3600) throw new UsageError(`--timeout must be a whole number from 1 to 3600 (got "${values.timeout}").`);
      timeoutSeconds = n;
    }
    const plan = await ctx.call('planAiLabUpgrade', container, image);
    const blocker = plan.blockers[0];
    if (blocker) throw AppError.fromPayload(blocker);
    if (!values.yes) {
      if (json || !process.stdin.isTTY) throw new UsageError(`upgrade: upgrading "${plan.container.name}" to ${image} needs confirmation: add --yes.`);
      ctx.io.err(planText(plan));
      if (!(await confirm('Upgrade?'))) {
        ctx.io.err('Nothing was changed.\n');
        return EXIT.CANCELLED;
      }
    } else if (!json) {
      ctx.io.err(planText(plan));
    }
    const id = randomUUID();
    const outcome = await withProgress(ctx, id, json, () =>
      ctx.call('upgradeAiLab', id, {
        container,
        image,
        pull: true,
        timeoutSeconds,
        ...(values['backup-dir'] !== undefined ? { backupDir: values['backup-dir'] } : {}),
      }),
    );
    out(
      outcome,
      `AI-Lab ${outcome.upgrade.newImage} is ready: ${outcome.url}\n${outcome.loginHint}\n` +
        `The old container is kept as "${outcome.upgrade.keptAs}"; the backup is ${outcome.upgrade.backupFile}.\n` +
        `Keep the new version:  ailab upgrade --keep ${outcome.upgrade.name}\n` +
        `Roll back:             ailab upgrade --rollback ${outcome.upgrade.name}\n`,
    );
    return EXIT.OK;
  },
};

export const upgradeCommands: CliCommand[] = [upgrade];
