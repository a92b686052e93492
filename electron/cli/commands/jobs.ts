import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { SCS_FILE } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type {
  BackupManifest,
  ConflictChoice,
  JobLogChunk,
  JobProgress,
  JobSummary,
  RestorePlan,
  RestoreResult,
  RestoreSelectionPlan,
  RestoreSelectionResult,
  StartRestoreOptions,
} from '../../../shared/contract/jobs';
import type { Core } from '../../services/createCore';
import { parse, UsageError } from '../args';
import type { CliCommand, CliContext } from '../command';
import { EXIT, exitCodeFor } from '../exitCodes';
import { freeBackupName } from '../../services/backups/catalogue';
import { readManifest } from '../../services/archive/manifest';
import { volumeOpLines } from '../../../shared/jobKinds';
import { KEEP_HELP, KEEP_OPTIONS, keepPolicy, printPrune } from './retentionArgs';
import { archiveParts, formatBytes, formatCount as count, formatDuration as duration, hintBeyond, plural, printList } from '../format';

const PHASE_LABEL: Record<JobProgress['phase'], string> = {
  starting: 'Starting',
  'checking-archive': 'Checking archive',
  'stopping-containers': 'Stopping containers',
  measuring: 'Measuring',
  'safety-backup': 'Safety backup',
  'clearing-volume': 'Clearing volume',
  packing: 'Packing',
  unpacking: 'Unpacking',
  verifying: 'Verifying',
  counting: 'Counting',
  'rolling-back': 'Rolling back',
  'restarting-containers': 'Restarting containers',
  copying: 'Copying',
  'sending-helper': 'Sending the helper image',
  pushing: 'Pushing',
  'removing-old': 'Removing the old volume',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** One line: phase, bar, percent, files, bytes, throughput, elapsed/ETA, current file. */
export function progressLine(p: JobProgress, width: number, bar: boolean): string {
  const pct = p.percent === null ? '' : `${p.percent.toFixed(1).padStart(5)}%`;
  const barText = bar && p.percent !== null ? `[${'#'.repeat(Math.round(p.percent / 5)).padEnd(20, '-')}] ` : '';
  const files = p.filesTotal !== null ? `${count(p.filesDone)}/${count(p.filesTotal)} files` : p.filesDone > 0 ? `${count(p.filesDone)} files` : '';
  const bytes = p.bytesTotal !== null ? `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}` : p.bytesDone > 0 ? formatBytes(p.bytesDone) : '';
  const speed = p.throughput > 0 ? `${formatBytes(p.throughput)}/s` : '';
  const time = `${duration(p.elapsedMs)}${p.etaSeconds !== null ? ` ETA ${duration(p.etaSeconds * 1000)}` : ''}`;
  const stalled = p.stalled ? 'no progress for 30 s' : '';
  const head = [PHASE_LABEL[p.phase], `${barText}${pct}`.trim(), files, bytes, speed, time, stalled].filter(Boolean).join('  ');
  const room = width - head.length - 2;
  const current = p.currentFile && room > 8 ? `  ${p.currentFile.length > room ? `…${p.currentFile.slice(-(room - 1))}` : p.currentFile}` : '';
  return `${head}${current}`.slice(0, Math.max(20, width - 1));
}

interface Watch {
  /** Resolves with the final summary. */
  finished: Promise<JobSummary>;
  setJob(id: string): void;
  stop(): void;
}

/**
 * Follows the job through the bus: a progress bar on a terminal, a line per second otherwise, or
 * JSON lines with --json. Ctrl+C cancels the job cleanly (containers restarted, partial file removed)
 * and the command exits with 130; a second Ctrl+C exits at once.
 */
function watchJob(ctx: CliContext, core: Core, opts: { json: boolean; verbose: boolean }): Watch {
  const io = ctx.io;
  const width = Math.max(40, process.stdout.columns ?? 100);
  let jobId: string | null = null;
  let lastLine = 0;
  let barShown = false;
  let resolveFinished: (s: JobSummary) => void = () => undefined;
  const finished = new Promise<JobSummary>((r) => (resolveFinished = r));
  const clearBar = () => {
    if (barShown) io.out('\r\x1b[K');
    barShown = false;
  };
  const offProgress = core.bus.on('jobProgress', (list: JobProgress[]) => {
    for (const p of list) {
      if (jobId !== null && p.jobId !== jobId) continue;
      if (opts.json) {
        io.out(`${JSON.stringify({ event: 'progress', ...p })}\n`);
      } else if (io.tty) {
        io.out(`\r\x1b[K${progressLine(p, width, true)}`);
        barShown = true;
      } else if (Date.now() - lastLine >= 1000) {
        lastLine = Date.now();
        io.out(`${progressLine(p, 200, false)}\n`);
      }
    }
  });
  const offLog = core.bus.on('jobLog', (chunks: JobLogChunk[]) => {
    for (const c of chunks) {
      if (jobId !== null && c.jobId !== jobId) continue;
      if (opts.json) io.out(`${JSON.stringify({ event: 'log', jobId: c.jobId, from: c.from, lines: c.lines })}\n`);
      else if (opts.verbose) {
        clearBar();
        io.out(`${c.lines.join('\n')}\n`);
      }
    }
  });
  const offFinished = core.bus.on('jobFinished', (s) => {
    if (jobId !== null && s.id !== jobId) return;
    clearBar();
    resolveFinished(s);
  });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1 || jobId === null) {
      clearBar();
      io.err('\nInterrupted.\n');
      process.exit(EXIT.CANCELLED);
    }
    clearBar();
    io.err('\nCancelling: stopping the job, cleaning up (Ctrl+C again to quit at once)…\n');
    void ctx.call('cancelJob', jobId).catch(() => undefined);
  };
  // `kill`, `timeout` and service managers send SIGTERM: the same clean cancel as Ctrl+C.
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    finished,
    setJob: (id) => (jobId = id),
    stop: () => {
      offProgress();
      offLog();
      offFinished();
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    },
  };
}

function peakRss(): { maxRssKb: number; peakRssBytes: number } {
  const kb = process.resourceUsage().maxRSS;
  return { maxRssKb: kb, peakRssBytes: kb * 1024 };
}

/** Starts a job, prints its progress (a bar, `-v` lines, or JSON events), its outcome, and returns the exit code. */
export async function follow(ctx: CliContext, core: Core, start: () => Promise<JobSummary>, opts: { json: boolean; verbose: boolean }): Promise<number> {
  const watch = watchJob(ctx, core, opts);
  try {
    const job = await start();
    watch.setJob(job.id);
    if (opts.json) io(ctx, { event: 'started', job });
    const done = await watch.finished;
    if (opts.json) {
      io(ctx, { event: 'finished', ok: done.status === 'succeeded', status: done.status, job: done, result: done.result, error: done.error, ...peakRss() });
    } else {
      printOutcome(ctx, done);
    }
    if (done.status === 'succeeded') return EXIT.OK;
    if (done.status === 'cancelled') return EXIT.CANCELLED;
    return done.error ? exitCodeFor(done.error.code) : EXIT.FAILURE;
  } finally {
    watch.stop();
  }
}

function io(ctx: CliContext, value: unknown): void {
  ctx.io.out(`${JSON.stringify(value)}\n`);
}

/** What the restore did, in words: "into the new volume x", "into x, replacing its contents", "merged into x". */
export function restoredLine(file: string, r: RestoreResult): string {
  if (r.mode === 'new') return `Restored ${file} into the new volume ${r.volume}.`;
  if (r.mode === 'replace') return `Restored ${file} into ${r.volume}, replacing its contents.`;
  return `Merged ${file} into ${r.volume}: files of the same names were overwritten, all others kept.`;
}

function conflictOption(v: string | undefined): ConflictChoice | undefined {
  if (v === undefined) return undefined;
  if (v !== 'overwrite' && v !== 'keep-both' && v !== 'skip') throw new UsageError(`--conflict must be overwrite, keep-both or skip, not "${v}".`);
  return v;
}

async function askConflict(): Promise<ConflictChoice | undefined> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question('Overwrite them, keep both, or skip them? [o/k/s, anything else cancels] ', resolve));
    const a = answer.trim().toLowerCase();
    return a === 'o' ? 'overwrite' : a === 'k' ? 'keep-both' : a === 's' ? 'skip' : undefined;
  } finally {
    rl.close();
  }
}

function describeSelection(sel: RestoreSelectionPlan, volume: string, keepScs: boolean): string {
  const lines = [
    `Chosen: ${sel.only.join(', ')} (${plural(sel.entries, 'entry', 'entries')}, ${formatBytes(sel.bytes)})${sel.into ? `, restored below ${sel.into}/ in ${volume}` : ` into ${volume}`}.`,
    'Nothing else in the volume is touched; a running AI-Lab does not need to be stopped.',
  ];
  if (sel.conflictCount > 0) lines.push(`Already in ${volume}: ${sel.conflicts.slice(0, 20).join(', ')}${sel.conflictCount > 20 ? ', …' : ''}`);
  if (sel.writesScs && keepScs) lines.push(`${SCS_FILE} is chosen but not restored: ${volume} keeps its own as it is (--keep-scs).`);
  else if (sel.writesScs)
    lines.push(
      `${SCS_FILE} is chosen: the archive's replaces ${sel.overwritesScs ? `the one in ${volume}` : 'none yet'}, and its master password and connection settings become those of the archive (--keep-scs leaves the volume's as it is).`,
    );
  return `${lines.join('\n')}\n`;
}

/** What a restore of chosen paths did with the files that existed. */
export function selectionLines(sel: RestoreSelectionResult): string[] {
  const more = (n: number, shownCount: number) => (n > shownCount ? `, and ${n - shownCount} more` : '');
  const lines: string[] = [];
  if (sel.overwrittenCount > 0) lines.push(`  Overwritten: ${sel.overwritten.join(', ')}${more(sel.overwrittenCount, sel.overwritten.length)}`);
  if (sel.skippedCount > 0) lines.push(`  Skipped (left as they were): ${sel.skipped.join(', ')}${more(sel.skippedCount, sel.skipped.length)}`);
  for (const r of sel.renamed) lines.push(`  Kept both: ${r.path} → backup's copy as ${r.as}`);
  if (sel.renamedCount > sel.renamed.length) lines.push(`  …and ${sel.renamedCount - sel.renamed.length} more kept both`);
  return lines;
}

function printOutcome(ctx: CliContext, s: JobSummary): void {
  const out = ctx.io.out;
  for (const w of s.warnings) ctx.io.err(`Warning: ${w}\n`);
  if (s.status === 'succeeded' && s.result) {
    const r = s.result;
    if (r.kind === 'backup') {
      out(`Backed up ${s.volume} to ${r.file}\n`);
      out(
        `  ${plural(r.entries, 'entry', 'entries')}, ${formatBytes(r.totalBytes)} → ${formatBytes(r.compressedBytes)} compressed, ${duration(r.durationMs)}\n`,
      );
      out(`  sha256 ${r.sha256}\n`);
    } else if (r.kind !== 'restore') {
      const [first, ...rest] = volumeOpLines(r, { bytes: formatBytes, duration, count });
      out(`${first}\n`);
      for (const line of rest) out(`  ${line}\n`);
    } else if (r.selection) {
      const sel = r.selection;
      out(`Restored ${sel.only.join(', ')} from ${path.basename(s.file)} into ${r.volume}${sel.into ? ` below ${sel.into}/` : ''}.\n`);
      out(`  ${plural(r.entries, 'entry', 'entries')}, ${formatBytes(r.totalBytes)}, ${duration(r.durationMs)}\n`);
      for (const line of selectionLines(sel)) out(`${line}\n`);
      if (r.keptScs) out(`  ${SCS_FILE} of ${r.volume} was kept as it was (--keep-scs).\n`);
    } else {
      out(`${restoredLine(path.basename(s.file), r)}\n`);
      out(
        `  ${plural(r.entries, 'entry', 'entries')}, ${formatBytes(r.totalBytes)}, ${duration(r.durationMs)}; ${count(r.volumeEntries)} counted in the volume\n`,
      );
      if (r.safetyBackup) out(`  The previous contents are kept in ${r.safetyBackup}\n`);
      if (r.keptScs) out(`  ${SCS_FILE} of ${r.volume} was kept as it was (--keep-scs).\n`);
    }
    return;
  }
  if (s.status === 'cancelled') {
    ctx.io.err(`Cancelled: ${s.error?.message ?? 'the job was cancelled.'}\n`);
    return;
  }
  ctx.io.err(`Error: ${s.error?.message ?? 'the job failed.'}\n`);
  const hint = s.error ? hintBeyond(s.error.message, s.error.hint) : undefined;
  if (hint) ctx.io.err(`  ${hint}\n`);
}

function engineOption(v: string | undefined): 'fast' | 'tar' | undefined {
  if (v === undefined) return undefined;
  if (v !== 'fast' && v !== 'tar') throw new AppError('INVALID_ARGUMENT', `--engine must be fast or tar, not "${v}".`);
  return v;
}

async function withPull<T>(ctx: CliContext, pull: boolean, json: boolean, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'IMAGE_NOT_FOUND' || !pull) throw err;
    const image = typeof err.details?.image === 'string' ? err.details.image : undefined;
    if (!json) ctx.io.err(`Pulling ${image ?? 'the helper image'}…\n`);
    await ctx.call('pullHelperImage', image);
    return fn();
  }
}

/**
 * The Exasol DB's volume: its running DB container is better stopped for the backup. On a terminal the
 * question defaults to yes; a script that did not pass --stop-containers gets the warning (text on
 * stderr, or a `warning` event with --json) and the backup runs as asked.
 */
async function stopDbFirst(ctx: CliContext, volume: string, json: boolean): Promise<boolean> {
  const plan = await ctx.call('prepareBackup', volume);
  const running = plan.containers.filter((c) => c.running).map((c) => c.name);
  if (!plan.stopFirst || running.length === 0) return false;
  const warning = `${volume} holds AI-Lab's Exasol database and ${running.join(', ')} is running. ${plan.stopFirst.why}`;
  if (!json && process.stdin.isTTY) {
    ctx.io.err(`${warning}\n`);
    return confirm(`Stop ${running.join(', ')} for the backup?`, true);
  }
  if (json) io(ctx, { event: 'warning', message: `${warning} Add --stop-containers to stop it.`, containers: running });
  else ctx.io.err(`Warning: ${warning} Add --stop-containers to stop it.\n`);
  return false;
}

const backup: CliCommand = {
  name: 'backup',
  summary: "back up a volume to a .tgz (like the AI-Lab guide's tar -czvf command, with progress)",
  help: `Usage: ailab backup VOLUME [--out FILE|DIR] [--engine fast|tar] [--stop-containers] [--overwrite] [--json]
       ailab backup VOLUME --to DIR [--keep-last N] [--keep-daily N] [--keep-weekly N] [--keep-monthly N] [--json]

Writes the volume to a gzip'd tar whose entries are ./… (owners, modes, links, times kept), restorable
with the AI-Lab guide's \`tar -C /volume -xvf backup.tgz\` command. The file appears only when complete
and verified.

Options:
  --out FILE|DIR       the archive (default: <volume>-<YYYYMMDD-HHMMSS>.tgz in the remembered backup
                       folder, or ~/ailab-backups)
  --to DIR             for scripts and cron: <volume>-<UTC yyyymmdd-hhmmss>.tgz in DIR (which must
                       exist), then retention (the --keep-… rules) over the volume's backups in DIR,
                       only when the backup succeeded; every decision is printed with its reason
${KEEP_HELP}
  --engine fast|tar    fast: the same .tgz, compressed on the host on all cores (default);
                       tar: the guide's tar -czvf command in the helper image (ubuntu)
  --stop-containers    stop the containers using the volume during the backup, start them again after.
                       For db_container_DemoDb_volume (AI-Lab's Exasol database) it is recommended: a
                       database copied while it runs may not start again. Without it a terminal asks
                       (default yes); otherwise a warning is printed and the DB keeps running
  --overwrite          replace an existing backup of that name (only one this app wrote)
  --pull               pull the helper image when it is missing
  -v, --verbose        print every file as it is packed
  --json               one JSON object per line: started, progress, log, finished (with the result
                       and the process's peak memory, maxRssKb)

Ctrl+C (or SIGTERM) cancels cleanly (no partial file, stopped containers started again) and exits
with 130.`,
  async run(ctx, argv) {
    const { values, positionals } = parse(argv, {
      out: { type: 'string', short: 'o' },
      to: { type: 'string' },
      ...KEEP_OPTIONS,
      engine: { type: 'string' },
      'stop-containers': { type: 'boolean' },
      overwrite: { type: 'boolean' },
      pull: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      json: { type: 'boolean' },
    });
    const volume = positionals[0];
    if (!volume || positionals.length > 1)
      throw new UsageError('name one volume: ailab backup VOLUME [--out FILE|DIR] [--engine fast|tar] [--stop-containers] [--json]');
    const engine = engineOption(values.engine);
    const policy = keepPolicy(values);
    if (values.to !== undefined && values.out !== undefined)
      throw new UsageError('--to and --out do not go together: --to DIR names the file itself (<volume>-<UTC time>.tgz).');
    if (policy !== null && values.to === undefined) throw new UsageError('the --keep-… rules need --to DIR: the folder whose backups they apply to.');
    let dir: string | undefined;
    let fileName: string | undefined;
    if (values.to !== undefined) {
      dir = path.resolve(values.to);
      fileName = await freeBackupName(dir, volume, new Date());
    } else if (values.out) {
      const target = path.resolve(values.out);
      const st = await fs.stat(target).catch(() => null);
      if (st?.isDirectory() || values.out.endsWith('/')) dir = target;
      else {
        dir = path.dirname(target);
        fileName = path.basename(target);
      }
    }
    const core = await ctx.core();
    const json = values.json === true;
    const stopContainers = values['stop-containers'] === true || (await stopDbFirst(ctx, volume, json));
    const code = await follow(
      ctx,
      core,
      () =>
        withPull(ctx, values.pull === true, json, () =>
          ctx.call('startBackup', { volume, dir, fileName, engine, stopContainers, overwrite: values.overwrite === true }),
        ),
      { json, verbose: values.verbose === true },
    );
    if (policy === null || dir === undefined) return code;
    if (code !== EXIT.OK) {
      // A failed run deletes nothing: the backups there may be all that is left.
      if (json) io(ctx, { event: 'retention', skipped: true, reason: 'the backup failed: nothing is deleted' });
      else ctx.io.err('Retention skipped: the backup failed, so nothing is deleted.\n');
      return code;
    }
    const pruned = await ctx.call('pruneBackups', { dir, volume, policy });
    if (json) io(ctx, { event: 'retention', skipped: false, ...pruned });
    else printPrune(ctx, pruned);
    return pruned.failures.length > 0 ? EXIT.FAILURE : EXIT.OK;
  },
};

function describePlan(plan: RestorePlan, strip: boolean, keepSetuid: boolean, keepScs: boolean): string {
  // Chosen paths: the whole-volume lines (top folder, what a full merge overwrites) do not apply; describeSelection says what does.
  const whole = plan.selection === null;
  const a = plan.archive;
  const lines = [
    `Archive ${plan.fileName}: ${plural(a.entries, 'entry', 'entries')} (${archiveParts(a)}), ${formatBytes(a.totalBytes)} (${formatBytes(a.compressedBytes)} compressed).`,
  ];
  if (plan.manifest) lines.push(`Backup of volume ${plan.manifest.volume}, made ${plan.manifest.createdAt} by AI-Lab Desktop ${plan.manifest.appVersion}.`);
  if (plan.manifestWarning) lines.push(`Note: ${plan.manifestWarning}`);
  const t = plan.target;
  const top = plan.topFolder;
  if (top && whole) {
    const example = top.examples[0];
    const shown = example ? ` (${example.path} → ${example.stripped})` : '';
    lines.push(strip ? `${top.folder} is stripped: its contents go to the top of the volume${shown}.` : top.why);
    if (!strip && top.offered) lines.push(`Add --strip-top-folder to restore its contents at the top of the volume${shown}.`);
  }
  if (a.containsScs && whole && !t?.overwritesScs) {
    lines.push(`The archive holds ${SCS_FILE}: restoring it brings back the archive's Secure Configuration Storage and its master password.`);
  }
  if (a.setuidRootCount > 0) {
    const files = `${a.setuidRootFiles.slice(0, 5).join(', ')}${a.setuidRootCount > 5 ? ', …' : ''}`;
    lines.push(
      keepSetuid
        ? `${count(a.setuidRootCount)} root-owned setuid/setgid files (${files}) keep those bits (--keep-setuid).`
        : `${count(a.setuidRootCount)} root-owned setuid/setgid files (${files}) are restored without those bits; --keep-setuid keeps them.`,
    );
  }
  if (t?.exists && whole) {
    if (t.overwritten.length > 0)
      lines.push(
        `Present in both the archive and ${t.volume} (overwritten): ${t.overwritten.slice(0, 20).join(', ')}${t.overwritten.length > 20 ? ', …' : ''}`,
      );
    if (t.overwritesScs && keepScs) lines.push(`${t.volume} keeps its own ${SCS_FILE} exactly as it is (--keep-scs); the archive's is not restored.`);
    else if (t.overwritesScs && t.scs?.differs === false) lines.push(`The archive's ${SCS_FILE} is the same as the one in ${t.volume}.`);
    else if (t.overwritesScs)
      lines.push(
        `${t.volume} has its own ${SCS_FILE}; it will be replaced by the archive's: its master password and connection settings become those of the archive (--keep-scs keeps the current one).`,
      );
    const running = t.containers.filter((c) => c.running);
    if (running.length > 0)
      lines.push(`Running containers use ${t.volume}: ${running.map((c) => c.name).join(', ')} (--stop-containers stops them during the restore).`);
  }
  return `${lines.join('\n')}\n`;
}

export async function confirm(question: string, byDefault = false): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(`${question} ${byDefault ? '[Y/n]' : '[y/N]'} `, resolve));
    if (byDefault && answer.trim() === '') return true;
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

const restore: CliCommand = {
  name: 'restore',
  summary: 'restore a .tgz/.tar.gz/.tar into a volume (checked before anything changes)',
  help: `Usage: ailab restore ARCHIVE VOLUME [--mode new|replace|merge] [--engine fast|tar] [--strip-top-folder]
                     [--stop-containers] [--keep-setuid] [--keep-scs] [--yes] [--json]
       ailab restore ARCHIVE VOLUME --mode merge --only PATH [--only PATH…] [--into FOLDER]
                     [--conflict overwrite|keep-both|skip] [--keep-scs] [--json]

The whole archive is read first (gzip integrity, tar structure, unsafe paths, free space); a corrupt,
truncated, non-tar or path-escaping archive, or one that does not fit, is refused and nothing is
changed. The extraction reads the same open file and stops if it is not what was checked.
One exception, for speed: an AI-Lab Desktop backup (its .json sidecar beside it) restored into a new
volume is read once, every entry checked on its way in; any problem stops it, removes the new volume
and reports what the whole-archive check says.

Modes:
  new        create VOLUME and restore into it (the default when VOLUME does not exist)
  replace    back up VOLUME's current contents (kept in the app's safety folder), empty it, restore;
             the previous contents are put back automatically if the restore fails
  merge      like the guide's tar -xvf: files with the same names are overwritten, all others kept

Options:
  --engine fast|tar     fast: gunzip on all cores, several tar processes writing at once (default);
                        tar: the guide's tar -xvf command in the helper image
  --strip-top-folder    the archive wraps everything in one folder (notebooks/, e.g. from docker cp):
                        restore that folder's contents at the top of the volume. Never done unless
                        asked; the plan printed first says whether the archive looks like a copied
                        folder (no "./" entry, no AI-Lab Desktop manifest) or a volume backup
  --stop-containers     stop the containers using VOLUME during the restore, start them again after
  --only PATH           restore only this file or folder of the archive (a folder with everything in
                        it; repeatable; relative to the archive's top, with or without ./ or /).
                        Needs --mode merge; nothing else in VOLUME is touched, and a running AI-Lab
                        need not be stopped
  --into FOLDER         restore the chosen paths below this folder of VOLUME (made if missing), e.g.
                        --only notebooks/a.ipynb --into restored → restored/notebooks/a.ipynb
  --conflict CHOICE     what to do with chosen files that exist in VOLUME: overwrite, keep-both (the
                        backup's copy beside it, "a (backup 2026-12-01 10-00).ipynb") or skip; asked
                        on a terminal, required otherwise (the restore refuses and lists them).
                        A restore with --only needs no --yes: --conflict is the decision
  --keep-setuid         keep the setuid/setgid bit of root-owned files (removed by default, with a
                        warning: in AI-Lab such a file lets the notebook user become root)
  --keep-scs            keep VOLUME's Secure Configuration Storage (ai_lab_secure_configuration_storage.sqlite)
                        exactly as it is (content, owner, mode, time): the archive's is not restored,
                        everything else is; replace keeps it across the emptying. Without it the
                        archive's SCS is restored, and with it the archive's master password and
                        connection settings (asked on a terminal when the two differ)
  --yes                 do not ask before replace or merge (needed when not on a terminal)
  --pull                pull the helper image when it is missing
  -v, --verbose         print every file as it is unpacked
  --json                one JSON object per line: plan, started, progress, log, finished

Ctrl+C (or SIGTERM) cancels cleanly and exits with 130 (a cancelled replace puts the previous
contents back).`,
  async run(ctx, argv) {
    const { values, positionals } = parse(argv, {
      mode: { type: 'string' },
      engine: { type: 'string' },
      'strip-top-folder': { type: 'boolean' },
      'stop-containers': { type: 'boolean' },
      'keep-setuid': { type: 'boolean' },
      'keep-scs': { type: 'boolean' },
      only: { type: 'string', multiple: true },
      into: { type: 'string' },
      conflict: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      pull: { type: 'boolean' },
      verbose: { type: 'boolean', short: 'v' },
      json: { type: 'boolean' },
    });
    const [archive, volume] = positionals;
    if (!archive || !volume || positionals.length > 2) {
      throw new UsageError(
        'name the archive and the volume: ailab restore ARCHIVE VOLUME [--mode new|replace|merge] [--engine fast|tar] [--strip-top-folder] [--yes] [--json]',
      );
    }
    const mode = values.mode;
    if (mode !== undefined && mode !== 'new' && mode !== 'replace' && mode !== 'merge') {
      throw new AppError('INVALID_ARGUMENT', `--mode must be new, replace or merge, not "${mode}".`);
    }
    const engine = engineOption(values.engine);
    const json = values.json === true;
    const strip = values['strip-top-folder'] === true;
    const archivePath = path.resolve(archive);
    const only = values.only ?? [];
    if (only.length === 0 && (values.into !== undefined || values.conflict !== undefined)) throw new UsageError('--into and --conflict go with --only PATH.');
    if (only.length > 0 && mode !== 'merge') throw new UsageError('--only restores chosen paths into an existing volume: add --mode merge.');
    if (only.length > 0 && strip)
      throw new UsageError('--strip-top-folder does not go with --only: give archive paths as they are, and --into FOLDER for another place.');
    let conflict = conflictOption(values.conflict);
    const selection = only.length > 0 ? { only, into: values.into, conflict } : undefined;
    const core = await ctx.core();

    const startAndFollow = (opts: Pick<StartRestoreOptions, 'mode' | 'keepScs' | 'selection'> & { stripTopFolder: boolean; stopContainers: boolean }) =>
      follow(
        ctx,
        core,
        () =>
          withPull(ctx, values.pull === true, json, () =>
            ctx.call('startRestore', { source: { archivePath }, volume, engine, keepSetuid: values['keep-setuid'] === true, ...opts }),
          ),
        { json, verbose: values.verbose === true },
      );

    // Our own backup into a new volume: no plan to show that its sidecar does not already say, so the
    // archive is not read before the job, which reads it once (jobs/onePassRestore.ts).
    const onePass = selection || strip || (mode !== undefined && mode !== 'new') ? null : await ownBackupForNewVolume(ctx, archivePath, volume);
    if (onePass) {
      if (json) io(ctx, { event: 'plan', plan: null, onePass: { fileName: path.basename(archivePath), manifest: onePass } });
      else
        ctx.io.out(
          `Backup of volume ${onePass.volume}, made ${onePass.createdAt} by AI-Lab Desktop ${onePass.appVersion}: ${plural(onePass.entries, 'entry', 'entries')}, ${formatBytes(onePass.totalBytes)}. Restored into the new volume ${volume} as it was, read once with every entry checked on the way.\n`,
        );
      return startAndFollow({ mode: 'new', stripTopFolder: false, stopContainers: false });
    }

    let lastPct = -1;
    const offPlan = core.bus.on('restorePlanProgress', (p) => {
      if (json || !ctx.io.tty || p.bytesTotal === 0) return;
      const pct = Math.floor((p.bytesDone / p.bytesTotal) * 100);
      if (pct !== lastPct) ctx.io.out(`\r\x1b[KChecking ${path.basename(archivePath)}… ${pct}%`);
      lastPct = pct;
    });
    let plan: RestorePlan;
    try {
      plan = await ctx.call('planRestore', { source: { archivePath }, volume, stripTopFolder: strip, selection, keepScs: values['keep-scs'] === true });
    } finally {
      offPlan();
      if (lastPct >= 0) ctx.io.out('\r\x1b[K');
    }
    let keepScs = values['keep-scs'] === true;
    if (json) io(ctx, { event: 'plan', plan });
    else ctx.io.out(describePlan(plan, strip, values['keep-setuid'] === true, keepScs));

    if (selection && plan.selection) {
      if (!json) ctx.io.out(describeSelection(plan.selection, volume, keepScs));
      if (plan.selection.conflictCount > 0 && conflict === undefined) {
        const listed = `${plan.selection.conflicts.slice(0, 10).join(', ')}${plan.selection.conflictCount > 10 ? ', …' : ''}`;
        if (!process.stdin.isTTY || json) {
          throw new UsageError(
            `restore: ${plural(plan.selection.conflictCount, 'chosen file exists', 'chosen files exist')} in ${volume} already (${listed}): choose --conflict overwrite (replace them), --conflict keep-both (the backup's copy beside each) or --conflict skip (leave them).`,
          );
        }
        conflict = await askConflict();
        if (conflict === undefined) {
          ctx.io.err('Nothing was changed.\n');
          return EXIT.CANCELLED;
        }
      }
      return startAndFollow({
        mode: 'merge',
        stripTopFolder: false,
        stopContainers: values['stop-containers'] === true,
        keepScs,
        selection: { ...selection, conflict },
      });
    }
    const exists = plan.target?.exists === true;
    const chosen = mode ?? (exists ? null : 'new');
    if (chosen === null) {
      throw new AppError('VOLUME_EXISTS', `The volume ${volume} already exists.`, {
        hint: 'Choose --mode replace (its contents are backed up first, then replaced) or --mode merge (same names overwritten, others kept), or another volume name.',
      });
    }
    if (chosen !== 'new' && values.yes !== true) {
      const what =
        chosen === 'replace'
          ? `Replace the contents of ${volume} (a safety backup is taken first)?`
          : `Merge into ${volume} (files with the same names are overwritten, others kept)?`;
      if (!process.stdin.isTTY || json) throw new UsageError(`restore: ${what.replace(/\?$/, '')} needs confirmation: add --yes.`);
      if (!(await confirm(what))) {
        ctx.io.err('Nothing was changed.\n');
        return EXIT.CANCELLED;
      }
      // Asked only on a terminal, and only when the two differ; --yes keeps the default (the archive's).
      if (!keepScs && plan.target?.scs?.differs)
        keepScs = await confirm(`Keep the current ${SCS_FILE} of ${volume} (its master password) instead of the archive's?`);
    }
    return startAndFollow({ mode: chosen, stripTopFolder: strip, stopContainers: values['stop-containers'] === true, keepScs });
  },
};

/**
 * The sidecar of an archive this app wrote (its size matching the file) when `volume` does not exist
 * yet: then the restore needs no plan first. Null otherwise.
 */
async function ownBackupForNewVolume(ctx: CliContext, archivePath: string, volume: string): Promise<BackupManifest | null> {
  const manifest = await readManifest(archivePath);
  if (!manifest) return null;
  const size = await fs.stat(archivePath).then(
    (st) => st.size,
    () => null,
  );
  if (size !== manifest.compressedBytes) return null;
  try {
    await ctx.call('inspectVolume', volume);
    return null;
  } catch (err) {
    if (err instanceof AppError && err.code === 'VOLUME_NOT_FOUND') return manifest;
    throw err;
  }
}

const jobs: CliCommand = {
  name: 'jobs',
  summary: 'list past backup and restore jobs',
  help: `Usage: ailab jobs [--json]

The history of jobs: backups, restores and the volume operations (clone, rename, empty, export,
import, transfer); the desktop app, the browser mode and the CLI share it. ENGINE is the Docker
context (or address) each job ran on; TARGET the new volume, the image or <context>:<volume>.`,
  async run(ctx, argv) {
    const { values } = parse(argv, { json: { type: 'boolean' } }, false);
    printList(ctx.io.out, await ctx.call('getJobHistory'), {
      json: Boolean(values.json),
      empty: 'No jobs yet. Back up a volume with `ailab backup VOLUME`.',
      header: ['WHEN', 'KIND', 'VOLUME', 'RESULT', 'SIZE', 'DURATION', 'ENGINE', 'FILE OR TARGET'],
      row: (h) => [
        new Date(h.startedAt).toLocaleString(),
        h.kind,
        h.volume,
        h.status,
        h.compressedBytes !== null ? formatBytes(h.compressedBytes) : '',
        duration(h.durationMs),
        h.dockerEngine ? (h.dockerEngine.context ?? h.dockerEngine.url) : '',
        h.file || h.target || '',
      ],
    });
    return EXIT.OK;
  },
};

export const jobCommands: CliCommand[] = [backup, restore, jobs];
