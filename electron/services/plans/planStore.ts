import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { planSchema, type Plan, type PlanRun } from '../../../shared/contract/plans';
import { writeFileAtomic } from '../core/atomicWrite';

/**
 * plans.json in the data folder: `{ "version": 1, "plans": [ … ] }`, written atomically and 0600
 * like settings.json. Each plan is checked on its own, so a hand edit that breaks one plan leaves the
 * others running; the broken entry is reported and kept as it is on the next write (the user's text
 * is never thrown away). A file that is not JSON at all is moved aside, as settings.json is.
 *
 * plan-runs.json holds what the scheduler did (the last run of each plan); it is the app's alone, and
 * a damaged one only means every plan runs once more.
 */

export interface LoadedPlans {
  plans: Plan[];
  problems: string[];
}

const runSchema = z.object({
  startedAt: z.number(),
  finishedAt: z.number(),
  status: z.enum(['succeeded', 'failed', 'skipped']),
  message: z.string(),
  file: z.string().nullable(),
  jobId: z.string().nullable(),
  deleted: z.array(z.string()),
  copy: z
    .object({
      status: z.enum(['succeeded', 'failed']),
      message: z.string(),
      remoteFile: z.string().nullable(),
      deleted: z.array(z.string()),
      attempts: z.number(),
    })
    .optional(),
});

const runsFileSchema = z.object({
  version: z.literal(1),
  // failingSince came later: a file written before it reads as "not failing" (at most one notice more).
  runs: z.record(z.object({ last: runSchema, lastSuccessAt: z.number().nullable(), failingSince: z.number().nullable().default(null) })),
});

export interface RunRecord {
  last: PlanRun;
  lastSuccessAt: number | null;
  /**
   * When the first failed run since the last success finished; null when not failing. A skipped run
   * neither starts nor ends a streak: failed, skipped, failed is one failure, told once.
   */
  failingSince: number | null;
}

function issueText(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? `${i.path.join('.')}: ` : ''}${i.message}`)
    .join('; ');
}

export class PlanStore {
  readonly file: string;
  readonly runsFile: string;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'plans.json');
    this.runsFile = path.join(dataDir, 'plan-runs.json');
  }

  /** The raw entries as the file holds them (valid or not), or [] when there is no file. */
  private async readRaw(): Promise<{ entries: unknown[]; problems: string[] }> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], problems: [] };
      return { entries: [], problems: [`${this.file} could not be read (${(err as Error).message}); no plan runs until it can.`] };
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      const aside = `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await fs.rename(this.file, aside).catch(() => undefined);
      return {
        entries: [],
        problems: [`${this.file} was not valid JSON; it was kept as ${aside} and no plans are set. Set them again with \`ailab plans set\`.`],
      };
    }
    const list = (doc as { plans?: unknown } | null)?.plans;
    if (!Array.isArray(list)) return { entries: [], problems: [`${this.file} has no "plans" list; no plans are set.`] };
    return { entries: list, problems: [] };
  }

  async load(): Promise<LoadedPlans> {
    const { entries, problems } = await this.readRaw();
    const plans: Plan[] = [];
    entries.forEach((raw, i) => {
      const parsed = planSchema.safeParse(raw);
      const label = `plan ${i + 1}${typeof (raw as { volume?: unknown })?.volume === 'string' ? ` (${(raw as { volume: string }).volume})` : ''}`;
      if (!parsed.success) {
        problems.push(`${path.basename(this.file)}: ${label} is ignored: ${issueText(parsed.error)}.`);
        return;
      }
      if (plans.some((p) => p.volume === parsed.data.volume)) {
        problems.push(`${path.basename(this.file)}: ${label} is ignored: ${parsed.data.volume} has an earlier plan; a volume has one plan.`);
        return;
      }
      plans.push(parsed.data);
    });
    return { plans, problems };
  }

  /** Replaces (or adds) the plan of `plan.volume`, keeping every other entry as it was, broken ones included. */
  async set(plan: Plan): Promise<void> {
    await this.update((entries) => {
      const i = entries.findIndex((e) => (e as { volume?: unknown })?.volume === plan.volume);
      if (i >= 0) entries[i] = plan;
      else entries.push(plan);
      return true;
    });
  }

  /** False when the volume had no plan. */
  async remove(volume: string): Promise<boolean> {
    let found = false;
    await this.update((entries) => {
      for (let i = entries.length - 1; i >= 0; i--) {
        if ((entries[i] as { volume?: unknown })?.volume === volume) {
          entries.splice(i, 1);
          found = true;
        }
      }
      return found;
    });
    return found;
  }

  private async update(change: (entries: unknown[]) => boolean): Promise<void> {
    const next = this.writing.then(async () => {
      const { entries } = await this.readRaw();
      if (change(entries)) await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, plans: entries }, null, 2)}\n`);
    });
    this.writing = next.catch(() => undefined);
    await next;
  }

  async runs(): Promise<Record<string, RunRecord>> {
    try {
      const parsed = runsFileSchema.safeParse(JSON.parse(await fs.readFile(this.runsFile, 'utf8')));
      return parsed.success ? parsed.data.runs : {};
    } catch {
      return {};
    }
  }

  /** failureBegins: this run failed and the one before it did not fail since the last success (tell it). */
  async recordRun(volume: string, run: PlanRun): Promise<{ record: RunRecord; failureBegins: boolean }> {
    let record: RunRecord = { last: run, lastSuccessAt: null, failingSince: null };
    let failureBegins = false;
    const next = this.writing.then(async () => {
      const all = await this.runs();
      const before = all[volume];
      const succeeded = run.status === 'succeeded';
      record = {
        last: run,
        lastSuccessAt: succeeded ? run.finishedAt : (before?.lastSuccessAt ?? null),
        failingSince: succeeded ? null : (before?.failingSince ?? (run.status === 'failed' ? run.finishedAt : null)),
      };
      failureBegins = run.status === 'failed' && (before?.failingSince ?? null) === null;
      all[volume] = record;
      await writeFileAtomic(this.runsFile, `${JSON.stringify({ version: 1, runs: all }, null, 2)}\n`);
    });
    this.writing = next.catch(() => undefined);
    await next;
    return { record, failureBegins };
  }
}
