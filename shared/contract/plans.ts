import { z } from 'zod';
import { retentionPolicySchema, type RetentionPolicy } from './backups';
import { event, method } from './define';
import type { JobEngine } from './jobs';
import { volumeNameSchema } from './validation';

/**
 * Backup plans (issue 14): one per volume, kept in the data folder, run by a scheduler (`ailab plans
 * run`) when due. Times are epoch milliseconds; HH:MM and weekdays are the machine's local time.
 */

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (00:00 to 23:59)');

export const planScheduleSchema = z.discriminatedUnion('every', [
  z.object({
    every: z.literal('hours'),
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 7),
  }),
  z.object({ every: z.literal('day'), at: hhmm }),
  /** day: 0 = Sunday … 6 = Saturday. */
  z.object({ every: z.literal('week'), day: z.number().int().min(0).max(6), at: hhmm }),
]);

export type PlanSchedule = z.infer<typeof planScheduleSchema>;

/**
 * A copy off the machine: each backup (the .tgz and its .json sidecar) uploaded to an SFTP folder after
 * the local run (electron/services/offsite). The key comes from `keyFile`, else the SSH agent
 * (SSH_AUTH_SOCK); the host key must be in known_hosts (checkSftpHost / trustSftpHost).
 */
export const sftpTargetSchema = z
  .object({
    /** A host name, an IPv4 address, or an IPv6 address without brackets. */
    host: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9._:%-]+$/, 'a host name or an IP address'),
    port: z.number().int().min(1).max(65535),
    user: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9._][A-Za-z0-9._-]*$/, 'a user name (letters, digits, . _ -)'),
    /** The remote folder, absolute; it must exist. */
    path: z
      .string()
      .min(1)
      .max(4096)
      .refine((p) => p.startsWith('/') && !/[\0\r\n]/.test(p), 'an absolute remote folder (/…)'),
    /** A private key file (OpenSSH or PEM, without passphrase); null: the SSH agent. */
    keyFile: z.string().min(1).max(4096).nullable(),
  })
  .strict();

export type SftpTarget = z.infer<typeof sftpTargetSchema>;

export const planSchema = z
  .object({
    volume: volumeNameSchema,
    /** An absolute folder. */
    dir: z
      .string()
      .min(1)
      .max(4096)
      .refine((d) => d.startsWith('/') || /^[A-Za-z]:[\\/]/.test(d), 'a full path'),
    schedule: planScheduleSchema,
    retention: retentionPolicySchema,
    /** Null: the engine in Settings at run time. */
    engine: z.enum(['fast', 'tar']).nullable(),
    /** Stop the containers using the volume during the backup (a consistent SCS file and notebooks; the notebook server is away meanwhile). */
    stopContainers: z.boolean(),
    /** Also upload each backup to this SFTP folder, with the same retention there. Absent: local only. */
    sftp: sftpTargetSchema.optional(),
    /**
     * The Docker engine the plan backs up (issue 16: several engines): set by main when the plan is saved,
     * to the engine in use then. A run while the app is on another engine fails, saying so, rather than
     * backing up another engine's volume of the same name into this plan's folder. Absent in plans saved
     * before: they run on whichever engine is in use.
     */
    dockerEngine: z
      .object({ context: z.string().max(200).nullable(), url: z.string().max(4096) })
      .strict()
      .nullable()
      .optional(),
  })
  .strict();

export interface Plan {
  volume: string;
  dir: string;
  schedule: PlanSchedule;
  retention: RetentionPolicy;
  engine: JobEngine | null;
  stopContainers: boolean;
  sftp?: SftpTarget;
  /** The engine it backs up (planSchema's dockerEngine): set by main when saved. */
  dockerEngine?: { context: string | null; url: string } | null;
}

export interface PlanRun {
  startedAt: number;
  finishedAt: number;
  status: 'succeeded' | 'failed' | 'skipped';
  /** What happened, in words: the file written, or why it failed or was skipped. */
  message: string;
  file: string | null;
  jobId: string | null;
  /** Backups retention removed after this run. */
  deleted: string[];
  /** The upload to the plan's SFTP folder; absent when the plan has none or the local backup failed. */
  copy?: PlanCopy;
}

/** How a run's SFTP upload went. A failed copy makes the run failed; the local backup stays. */
export interface PlanCopy {
  status: 'succeeded' | 'failed';
  message: string;
  /** The archive's path on the server (sftp://user@host:port/path/file.tgz), or null when it did not get there. */
  remoteFile: string | null;
  /** Remote backups removed by retention after this upload (their paths on the server). */
  deleted: string[];
  /** Connections it took (1 when nothing dropped). */
  attempts: number;
}

/**
 * At a glance, for a badge: `ok`; `never-run`; `failing` (the last run failed or was skipped);
 * `overdue` (no good backup for longer than the schedule allows: its period plus half of it, at least
 * an hour more). `message` says it in words.
 */
export interface PlanHealth {
  state: 'ok' | 'never-run' | 'failing' | 'overdue';
  message: string;
}

export interface PlanStatus {
  plan: Plan;
  health: PlanHealth;
  last: PlanRun | null;
  lastSuccessAt: number | null;
  /** When it runs next (now, when due). */
  nextRunAt: number;
  due: boolean;
  /** A run of this plan is going now in this process (scheduled or "Back up now"). */
  running: boolean;
}

export interface PlanList {
  file: string;
  plans: PlanStatus[];
  /** Entries of the plans file that were ignored, and why (a hand edit gone wrong); the others still run. */
  problems: string[];
}

export const planMethods = {
  listPlans: method<PlanList>()(z.tuple([])),
  /** Creates or replaces the volume's plan. */
  setPlan: method<PlanList>()(z.tuple([planSchema])),
  removePlan: method<PlanList>()(z.tuple([volumeNameSchema])),
  /** The SFTP server's host key against known_hosts: known, unknown (ask the user) or changed (refuse). */
  checkSftpHost: method<SftpHostCheck>()(z.tuple([sftpTargetSchema])),
  /** Adds the server's key to the app's known_hosts when it still has this fingerprint (what the user saw and accepted). */
  trustSftpHost: method<SftpHostCheck>()(z.tuple([sftpTargetSchema, z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a fingerprint as SHA256:…')])),
  /**
   * "Back up now": runs the volume's plan at once (backup, then retention) through the same path as a
   * scheduled run, and resolves when it ended, with the run as recorded. FILE_NOT_FOUND without a plan;
   * JOB_CONFLICT while a run of that plan (scheduled or not) is going.
   */
  runPlanNow: method<PlanRunOutcome>()(z.tuple([volumeNameSchema])),
};

/** What `runPlanNow` resolves with: the run as recorded, and the plans as they are after it. */
export interface PlanRunOutcome {
  run: PlanRun;
  plans: PlanList;
}

/**
 * A plan run ended (scheduled or "Back up now"), in whichever process runs plans. `firstFailure`: this
 * run failed and no run failed since the plan's last success (skipped runs do not count), so a
 * notification or banner shows once per failure, not once per retry.
 */
export interface PlanRunFinished {
  volume: string;
  run: PlanRun;
  firstFailure: boolean;
}

export const planEvents = {
  /** The plans or their statuses changed: after setPlan, removePlan, and every run (started and ended). */
  plansChanged: event<PlanList>(),
  planRunFinished: event<PlanRunFinished>(),
};

/** A server's host key as known_hosts sees it. */
export interface SftpHostCheck {
  /** host:port as checked. */
  host: string;
  /** known: a known_hosts line has this key; unknown: no line for the host (ask, then trustSftpHost); changed: a line has another key (refuse). */
  status: 'known' | 'unknown' | 'changed';
  keyType: string;
  /** SHA256:… as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The known_hosts file and line that matched (known) or conflicts (changed); null when unknown. */
  knownHostsFile: string | null;
  line: number | null;
  message: string;
}
