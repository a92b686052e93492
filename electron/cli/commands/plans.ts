import path from 'node:path';
import { EXASOL_DB_STOP_WHY, isExasolDbVolume, SCS_FILE } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type { PlanList, PlanSchedule, SftpTarget } from '../../../shared/contract/plans';
import { parseSftpTarget, sftpUrl } from '../../../shared/sftpTarget';
import { describePolicy } from '../../services/backups/retention';
import { describeSchedulerEvent } from '../../services/plans/background';
import { dayNumber, describeSchedule } from '../../services/plans/schedule';
import { commandWithSubcommands, parse, UsageError } from '../args';
import type { CliCommand, CliContext } from '../command';
import { EXIT, EXIT_CODE_HELP } from '../exitCodes';
import { formatTable, formatTimestamp } from '../format';
import { KEEP_HELP, KEEP_OPTIONS, keepPolicy } from './retentionArgs';

const HELP = `Usage: ailab plans [SUBCOMMAND] [options]

Backups that run by themselves: one plan per volume, kept in the app's data folder (plans.json).

Subcommands:
  ls                       the plans: schedule, folder, retention, last result, state (ok, never-run,
                           failing, overdue: no good backup for longer than the schedule allows),
                           next run (default)
  set VOLUME --to DIR --every 1h|6h|…|1d|1w [--at HH:MM] [--on DAY] [--keep-… N] [--stop-containers]
                           [--engine fast|tar] [--sftp user@host:port/folder [--sftp-key FILE]
                           [--accept-new-host-key]]
                           create or replace VOLUME's plan. --every Nh: every N hours (1-168) after
                           the last run; 1d: daily at --at (default 02:00); 1w: weekly on --on
                           (sun…sat, default sun) at --at. Times are this machine's local time.
                           DIR must exist. Each run writes <volume>-<UTC yyyymmdd-hhmmss>.tgz and
                           its .json sidecar, verified, then applies the --keep-… rules (only when
                           the backup succeeded). With --sftp each backup and its sidecar are
                           also uploaded to that SFTP folder, and the same retention applies there
  rm VOLUME                remove VOLUME's plan (its backups stay)
  run [--once]             the scheduler: stays in the foreground and runs each plan when due;
                           --once runs what is due now and exits (for cron). A plan that never ran,
                           or missed its time while nothing was running, runs once at the start, never
                           once per missed slot. One scheduler per data folder: a second one exits 5.

Options:
  --to DIR             set: the folder the backups go to
  --every PERIOD       set: 1h, 6h, 12h, … (hours), 1d (daily), 1w (weekly)
  --at HH:MM           set: the time of day for 1d and 1w
  --on DAY             set: the weekday for 1w (sun, mon, tue, wed, thu, fri, sat)
${KEEP_HELP}
  --stop-containers    set: stop the containers using the volume during each backup, start them
                       again after. Off by default: a running notebook server may be writing, so a
                       notebook or ai_lab_secure_configuration_storage.sqlite can be caught mid-write;
                       on, the backup is consistent but AI-Lab is away for its duration
  --engine fast|tar    set: the backup engine (default: the one in Settings at run time)
  --sftp user@host:port/folder
                       set: also copy each backup off the machine, to this folder on an SFTP
                       server (the folder must exist; the port defaults to 22). A failed upload
                       makes the run failed; the local backup is kept. The server's host key must
                       be in ~/.ssh/known_hosts or the app's own known_hosts (data folder)
  --sftp-key FILE      set: the private key to log in with (no passphrase; default: the SSH agent,
                       SSH_AUTH_SOCK, as the scheduler sees it)
  --accept-new-host-key
                       set: trust the server's host key on first contact (added to the app's
                       known_hosts). Without it an unknown key is refused and its fingerprint shown;
                       a changed key is always refused
  --once               run: run what is due now, then exit
  --json               print JSON (run: one object per line; errors: {"ok":false,"error":{...}})

${EXIT_CODE_HELP}`;

const OPTIONS = {
  json: { type: 'boolean' },
  to: { type: 'string' },
  every: { type: 'string' },
  at: { type: 'string' },
  on: { type: 'string' },
  'stop-containers': { type: 'boolean' },
  engine: { type: 'string' },
  once: { type: 'boolean' },
  sftp: { type: 'string' },
  'sftp-key': { type: 'string' },
  'accept-new-host-key': { type: 'boolean' },
  ...KEEP_OPTIONS,
} as const;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

/** --every/--at/--on into a schedule. */
export function scheduleFrom(every: string | undefined, at: string | undefined, on: string | undefined): PlanSchedule {
  if (every === undefined) throw new UsageError('say how often: --every 1h|6h|1d|1w (ailab plans --help).');
  const hours = /^(\d{1,3})h$/.exec(every.trim());
  if (hours) {
    if (at !== undefined || on !== undefined) throw new UsageError('--at and --on go with --every 1d or 1w; every N hours counts from the last run.');
    const n = Number(hours[1]);
    if (n < 1 || n > 168) throw new AppError('INVALID_ARGUMENT', `--every ${every}: between 1h and 168h.`);
    return { every: 'hours', hours: n };
  }
  const time = at ?? '02:00';
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) throw new AppError('INVALID_ARGUMENT', `--at must be a time of day as HH:MM (00:00 to 23:59), not "${time}".`);
  if (every === '1d') {
    if (on !== undefined) throw new UsageError('--on goes with --every 1w.');
    return { every: 'day', at: time };
  }
  if (every === '1w') {
    const day = dayNumber(on ?? 'sun');
    if (day === null) throw new AppError('INVALID_ARGUMENT', `--on must be a weekday (sun, mon, tue, wed, thu, fri, sat), not "${on}".`);
    return { every: 'week', day, at: time };
  }
  throw new AppError('INVALID_ARGUMENT', `--every must be Nh (1h … 168h), 1d or 1w, not "${every}".`);
}

function when(ms: number | null): string {
  return ms === null ? '-' : formatTimestamp(new Date(ms).toISOString());
}

function printList(ctx: CliContext, list: PlanList, json: boolean): void {
  if (json) {
    ctx.io.out(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  for (const p of list.problems) ctx.io.err(`Warning: ${p}\n`);
  if (list.plans.length === 0) {
    ctx.io.out('No plans. Add one with `ailab plans set VOLUME --to DIR --every 1d`.\n');
    return;
  }
  // The COPY TO column only when a plan has one: the table stays as it was for plans without SFTP.
  const copies = list.plans.some((s) => s.plan.sftp);
  ctx.io.out(
    formatTable(
      ['VOLUME', 'SCHEDULE', 'FOLDER', ...(copies ? ['COPY TO'] : []), 'KEEP', 'LAST RUN', 'RESULT', 'STATE', 'NEXT RUN'],
      list.plans.map((s) => [
        s.plan.volume,
        describeSchedule(s.plan.schedule),
        s.plan.dir,
        ...(copies ? [s.plan.sftp ? sftpUrl(s.plan.sftp) : '-'] : []),
        describePolicy(s.plan.retention),
        when(s.last?.startedAt ?? null),
        s.last?.status ?? 'never run',
        s.health.state,
        s.due ? 'now (due)' : when(s.nextRunAt),
      ]),
    ),
  );
  for (const s of list.plans.filter((x) => x.health.state === 'failing' || x.health.state === 'overdue')) ctx.io.out(`${s.plan.volume}: ${s.health.message}\n`);
}

async function run(ctx: CliContext, values: Values): Promise<number> {
  const core = await ctx.core();
  const json = values.json === true;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let failed = false;
  try {
    await core.plans.run({
      once: values.once === true,
      signal: stop.signal,
      emit: (e) => {
        if (e.event === 'run-finished' && e.run.status === 'failed') failed = true;
        if (e.event === 'idle' && !json && !ctx.io.tty) return;
        ctx.io.out(json ? `${JSON.stringify(e)}\n` : `${describeSchedulerEvent(e)}\n`);
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return failed && values.once === true ? EXIT.FAILURE : EXIT.OK;
}

async function setPlan(ctx: CliContext, values: Values, args: string[]): Promise<number> {
  const json = values.json === true;
  const [volume] = args;
  if (!volume || args.length > 1) throw new UsageError('name one volume: ailab plans set VOLUME --to DIR --every 1h|6h|1d|1w');
  if (values.to === undefined) throw new UsageError('name the folder: --to DIR.');
  const engine = values.engine;
  if (engine !== undefined && engine !== 'fast' && engine !== 'tar') throw new AppError('INVALID_ARGUMENT', `--engine must be fast or tar, not "${engine}".`);
  if (values.sftp === undefined && (values['sftp-key'] !== undefined || values['accept-new-host-key'] === true))
    throw new UsageError('--sftp-key and --accept-new-host-key go with --sftp user@host:port/folder.');
  const sftp = values.sftp === undefined ? undefined : parseSftpTarget(values.sftp, values['sftp-key'] === undefined ? null : path.resolve(values['sftp-key']));
  if (sftp) await checkHost(ctx, sftp, values['accept-new-host-key'] === true, json);
  const list = await ctx.call('setPlan', {
    volume,
    dir: path.resolve(values.to),
    schedule: scheduleFrom(values.every, values.at, values.on),
    retention: keepPolicy(values) ?? { keepLast: 0, keepDaily: 0, keepWeekly: 0, keepMonthly: 0 },
    engine: engine ?? null,
    stopContainers: values['stop-containers'] === true,
    ...(sftp ? { sftp } : {}),
  });
  if (!json) {
    ctx.io.out(`Plan for ${volume} saved.\n`);
    ctx.io.out(
      values['stop-containers'] === true
        ? `Containers using ${volume} are stopped during each backup and started again after: the backup is consistent, AI-Lab is away meanwhile.\n`
        : isExasolDbVolume(volume)
          ? `Warning: ${volume} holds AI-Lab's Exasol database and its DB container keeps running during backups. ${EXASOL_DB_STOP_WHY} Add --stop-containers.\n`
          : `Containers using ${volume} keep running during backups: a notebook or ${SCS_FILE} being written at that moment may be caught mid-write (--stop-containers stops them).\n`,
    );
  }
  printList(ctx, list, json);
  return EXIT.OK;
}

/** The server's host key before a plan names it: known goes on, unknown needs --accept-new-host-key, changed never. */
async function checkHost(ctx: CliContext, target: SftpTarget, accept: boolean, json: boolean): Promise<void> {
  const check = await ctx.call('checkSftpHost', target);
  if (check.status === 'known') return;
  if (check.status === 'changed') {
    throw new AppError('HOST_KEY_CHANGED', check.message, {
      hint: `If the server was reinstalled and you trust its new key, delete line ${check.line ?? '?'} of ${check.knownHostsFile ?? 'known_hosts'}, then run this again with --accept-new-host-key.`,
      details: { ...check },
    });
  }
  if (!accept) {
    throw new AppError('HOST_KEY_UNKNOWN', `${check.host} is not in known_hosts. It offers the key ${check.keyType} ${check.fingerprint}.`, {
      hint: `Check that fingerprint with the server's administrator (on the server: ssh-keygen -lf on its host key .pub file); if it matches, run this again with --accept-new-host-key.`,
      details: { ...check },
    });
  }
  const trusted = await ctx.call('trustSftpHost', target, check.fingerprint);
  if (!json) ctx.io.out(`Trusted ${trusted.host}: ${trusted.keyType} ${trusted.fingerprint}, added to ${trusted.knownHostsFile ?? 'known_hosts'}.\n`);
}

async function removePlan(ctx: CliContext, values: Values, args: string[]): Promise<number> {
  const json = values.json === true;
  const [volume] = args;
  if (!volume || args.length > 1) throw new UsageError('name one volume: ailab plans rm VOLUME');
  const list = await ctx.call('removePlan', volume);
  if (!json) ctx.io.out(`Plan for ${volume} removed; its backups stay where they are.\n`);
  printList(ctx, list, json);
  return EXIT.OK;
}

const plans = commandWithSubcommands({
  name: 'plans',
  summary: 'backup plans and their scheduler: list, set, rm, run (ailab plans --help)',
  help: HELP,
  options: OPTIONS,
  subcommands: (ctx, values) => ({
    ls: {
      options: [],
      noArguments: true,
      run: async () => {
        printList(ctx, await ctx.call('listPlans'), values.json === true);
        return EXIT.OK;
      },
    },
    set: {
      options: [
        'to',
        'every',
        'at',
        'on',
        'stop-containers',
        'engine',
        'keep-last',
        'keep-daily',
        'keep-weekly',
        'keep-monthly',
        'sftp',
        'sftp-key',
        'accept-new-host-key',
      ],
      run: (args) => setPlan(ctx, values, args),
    },
    rm: { options: [], run: (args) => removePlan(ctx, values, args) },
    run: { options: ['once'], noArguments: true, run: () => run(ctx, values) },
  }),
  aliases: { list: 'ls', remove: 'rm' },
});

export const planCommands: CliCommand[] = [plans];
