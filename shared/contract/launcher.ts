import { z } from 'zod';
import { event, method } from './define';
import type { ApiErrorPayload } from './errors';
import { containerNameSchema, imageReferenceSchema, labelsSchema, volumeNameSchema } from './validation';

/**
 * Launching Exasol AI-Lab with a volume and managing its containers (issue 5). Main decides
 * everything that touches the host: the container port and notebooks path (from the image), the port
 * check, and the URL. The renderer never hands main a URL to open, only a container.
 */

/** An image reference as `docker run` takes it: repo[:tag] or repo@digest, optionally with a registry. */
export const imageRefSchema = imageReferenceSchema;

/** A container id (full or short) or name, as the panel and the CLI refer to one. */
export const containerRefSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'Not a container id or name.');

/** Ids the renderer picks for a launch or a log follow, so events that arrive before the reply can be matched. */
export const clientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'Not a valid id.');

export const portSchema = z.number().int().min(1, 'A port is 1–65535.').max(65535, 'A port is 1–65535.');

export const launchOptionsSchema = z.object({
  image: imageRefSchema,
  /** Mounted at the image's notebooks folder. */
  volume: volumeNameSchema,
  /** Create the volume when it does not exist (the "new volume" choice). */
  createVolume: z.boolean().default(false),
  name: containerNameSchema.default('ai-lab'),
  listenIp: z.string().ip().default('127.0.0.1'),
  hostPort: portSchema,
  /** JUPYTER_PASSWORD; refused for images that ignore it (< 5.0.0). */
  password: z.string().min(1).max(256).optional(),
  /** Mount /var/run/docker.sock (lets notebooks start an Exasol Docker-DB; root on the host). */
  dockerSocket: z.boolean().default(false),
  /** If a container with this name exists, start it (keeps %pip extras) instead of failing. */
  startExisting: z.boolean().default(false),
  /** Pull the image when it is not present locally. */
  pull: z.boolean().default(true),
  timeoutSeconds: z.number().min(1).max(3600).default(120),
  /** Open the URL in the browser when Jupyter is ready. */
  open: z.boolean().default(false),
  /** Extra labels (tests mark what they create). The app's own labels always win. */
  labels: labelsSchema.optional(),
});

/** What callers pass (the contract's argument types are the schemas' outputs: every field spelled out). */
export type LaunchOptions = z.output<typeof launchOptionsSchema>;
export type LaunchOptionsParsed = LaunchOptions;

/** What the launch panel asks before the user clicks Launch; every field may still be incomplete. */
export const launchDraftSchema = z.object({
  image: imageRefSchema,
  volume: z.string().max(255).default(''),
  name: z.string().max(128).default('ai-lab'),
  listenIp: z.string().max(64).default('127.0.0.1'),
  hostPort: portSchema,
  dockerSocket: z.boolean().default(false),
});
export type LaunchDraft = z.output<typeof launchDraftSchema>;

export interface AiLabImageOption {
  /** repository:tag */
  ref: string;
  repository: string;
  tag: string;
  present: boolean;
  sizeBytes: number | null;
  /** ISO 8601 */
  created: string | null;
}

export interface AiLabImageList {
  /** The settings' image and version, e.g. exasol/ai-lab:latest (offered even when not pulled). */
  defaultImage: string;
  images: AiLabImageOption[];
}

export interface AiLabImageFacts {
  image: string;
  repository: string;
  tag: string;
  present: boolean;
  imageId: string | null;
  /** From a known AI-Lab repository (exasol/ai-lab, exasol/data-science-sandbox). */
  isAiLab: boolean;
  containerPort: number;
  /** Where containerPort came from, in words: "image: ExposedPorts 49494/tcp" or "version table". */
  containerPortSource: string;
  notebooksPath: string;
  notebooksPathSource: string;
  supportsPasswordEnv: boolean;
  defaultPassword: string | null;
  /** What the user types at Jupyter's login, when no password was set. */
  loginHint: string;
}

export type PortHolder = { kind: 'container'; id: string; name: string; image: string; hostIp: string; aiLab: boolean } | { kind: 'host'; message: string };

export interface PortCheck {
  port: number;
  listenIp: string;
  free: boolean;
  holder: PortHolder | null;
  /** The next port after `port` that is free on the Docker host, when `port` is taken. */
  suggestion: number | null;
  /** Whether a bind test on this machine was part of the check (only for a local engine). */
  bindTested: boolean;
}

export type LaunchWarningCode =
  | 'LISTEN_ALL_INTERFACES'
  | 'DOCKER_SOCKET'
  | 'VOLUME_IN_USE'
  | 'VOLUME_MISSING'
  | 'IMAGE_MISSING'
  | 'NOT_AI_LAB_IMAGE'
  | 'REMOTE_LOOPBACK'
  | 'CONTAINER_EXISTS'
  | 'PORT_IN_USE'
  | 'OPEN_FAILED';

export interface LaunchWarning {
  code: LaunchWarningCode;
  message: string;
  /** Blocks the launch as it stands (the user must change something or choose to start the existing container). */
  blocking: boolean;
}

export interface LaunchPreflight {
  image: AiLabImageFacts;
  port: PortCheck | null;
  existingContainer: AiLabContainer | null;
  volumeExists: boolean | null;
  /** Running AI-Lab containers that have the volume mounted. */
  volumeUsedBy: AiLabContainer[];
  /** The URL the launch would open (main builds it; shown before launching). */
  url: string | null;
  warnings: LaunchWarning[];
}

export type LaunchState = 'checking' | 'pulling' | 'creating' | 'starting' | 'waiting' | 'ready' | 'failed' | 'cancelled';

export interface LaunchStateEvent {
  launchId: string;
  state: LaunchState;
  /** One line for the user: what is happening now. */
  message: string;
  containerName: string;
  containerId: string | null;
  url: string | null;
  loginHint: string | null;
  error: ApiErrorPayload | null;
  at: number;
}

export interface PullLayer {
  id: string;
  status: string;
  current: number | null;
  total: number | null;
}

export interface PullProgressEvent {
  launchId: string;
  image: string;
  layers: PullLayer[];
  /** The last status line without a layer id (e.g. "Pulling from exasol/ai-lab"). */
  status: string;
  done: boolean;
}

export interface LaunchOutcome {
  launchId: string;
  containerId: string;
  containerName: string;
  image: string;
  volume: string | null;
  notebooksPath: string;
  hostPort: number;
  listenIp: string;
  url: string;
  loginHint: string;
  /** An existing container was started instead of creating one. */
  reused: boolean;
  pulled: boolean;
  volumeCreated: boolean;
  /** How readiness was detected. */
  readyBy: 'log' | 'api';
  warnings: LaunchWarning[];
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface AiLabContainer {
  id: string;
  name: string;
  image: string;
  /** The image tag, e.g. 6.1.0. */
  version: string;
  state: ContainerState;
  /** Docker's own words, e.g. "Up 5 minutes", "Exited (0) 2 hours ago". */
  status: string;
  /** ISO 8601; null when never started. */
  startedAt: string | null;
  createdAt: string;
  exitCode: number | null;
  /** How it ended, when the exit code alone would read as a crash (137: SIGKILL after a stop that took too long). */
  exitNote: string | null;
  /** The volume mounted at the notebooks folder (or the first named volume). */
  volume: string | null;
  notebooksPath: string | null;
  hostPort: number | null;
  listenIp: string | null;
  /** Built by main while running with a published port. */
  url: string | null;
  loginHint: string;
  launchedByApp: boolean;
  dockerSocket: boolean;
}

export interface LogLine {
  /** The launch id or follow id this line belongs to. */
  source: string;
  containerId: string;
  /** 'system' lines are the app's own notes (e.g. "container stopped"). */
  stream: 'stdout' | 'stderr' | 'system';
  line: string;
  at: number;
  /** The last line of a follow: the log ended (the container stopped, or it was not running). */
  end?: true;
}

/** Issue 18: the steps of an upgrade (and of its roll back), in the order they run. */
export const UPGRADE_STEPS = ['check', 'pull', 'stop', 'backup', 'rename', 'start', 'wait'] as const;
export const ROLLBACK_STEPS = ['remove-new', 'restore', 'rename-back', 'start-old'] as const;
export type UpgradeStep = (typeof UPGRADE_STEPS)[number] | (typeof ROLLBACK_STEPS)[number] | 'keep';
export type UpgradeStepStatus = 'running' | 'done' | 'skipped' | 'failed';

export const upgradeOptionsSchema = z
  .object({
    /** The AI-Lab container to upgrade (id or name), running or stopped. */
    container: containerRefSchema,
    /** The newer image; pulled when not on the Docker host (and `pull`). */
    image: imageRefSchema,
    pull: z.boolean().default(true),
    /** Where the pre-upgrade backup goes; empty or absent: the backup folder of the settings (else ~/ailab-backups). */
    backupDir: z.string().max(4096).optional(),
    timeoutSeconds: z.number().min(1).max(3600).default(120),
    /** Extra labels for the new container (tests mark what they create). */
    labels: labelsSchema.optional(),
  })
  .strict();
export type UpgradeOptions = z.output<typeof upgradeOptionsSchema>;

export interface UpgradeVersionCheck {
  from: string;
  to: string;
  /** newer: both tags are versions and `to` is later; unknown: a tag is not a version (latest, a name), so only the image ids are compared. */
  verdict: 'newer' | 'same' | 'older' | 'unknown';
  message: string;
}

/** What an upgrade would do, before anything changes. Blockers are refusals (the upgrade would throw them). */
export interface UpgradePlan {
  container: AiLabContainer;
  image: AiLabImageFacts;
  /** The image is not on the Docker host: it is pulled first and checked again before anything is stopped. */
  needsPull: boolean;
  version: UpgradeVersionCheck;
  /** Does the new image look like AI-Lab (NOTEBOOKS env, exposed 49494, a notebooks volume, or a known repository)? null: not pulled yet. */
  aiLabLayout: { isAiLab: boolean; reasons: string[] } | null;
  volume: string;
  /** Volume size (content bytes) and where its verified backup goes. */
  volumeBytes: number | null;
  backupFile: string;
  backupFreeBytes: number | null;
  oldNotebooksPath: string;
  newNotebooksPath: string;
  /** Words for the user: the mount path change and the entrypoint's chown to uid 1001, when they apply. */
  notes: string[];
  /** The name the old container gets while the new one runs under its name. */
  keptAs: string;
  blockers: ApiErrorPayload[];
}

export interface UpgradeProgressEvent {
  upgradeId: string;
  step: UpgradeStep;
  status: UpgradeStepStatus;
  message: string;
  at: number;
}

/** An upgrade that finished starting and waits for Keep or Roll back (kept in the data folder: survives a restart). */
export interface PendingUpgrade {
  id: string;
  /** The name both had: the new container now, the old one again after a roll back. */
  name: string;
  newContainerId: string | null;
  newImage: string;
  oldContainerId: string;
  oldImage: string;
  /** The old container's name while it is kept. */
  keptAs: string;
  oldWasRunning: boolean;
  volume: string;
  backupFile: string;
  /** 'starting': the app stopped before the new container was ready (only Roll back makes sense). */
  state: 'starting' | 'ready';
  /** ISO 8601 */
  startedAt: string;
}

export interface UpgradeOutcome {
  upgrade: PendingUpgrade;
  container: AiLabContainer;
  url: string;
  loginHint: string;
  notes: string[];
}

/**
 * Roll back: `keepScs` leaves the volume's Secure Configuration Storage as it is now (connections and
 * master password set since the upgrade stay) while the rest goes back to the pre-upgrade backup.
 */
export const rollBackOptionsSchema = z.object({ keepScs: z.boolean().optional() }).strict();
export type RollBackOptions = z.output<typeof rollBackOptionsSchema>;

export interface UpgradeFinished {
  action: 'kept' | 'rolled-back';
  name: string;
  /** Roll back: the volume was restored from the backup (the new version had changed it). */
  volumeRestored: boolean;
  /** Roll back: the old container was started again (it was running before the upgrade). */
  oldStarted: boolean;
  backupFile: string;
  message: string;
}

const tailSchema = z.object({ tail: z.number().int().min(0).max(10_000).default(200) }).default({});

export const launcherMethods = {
  /** Local tags of exasol/ai-lab and exasol/data-science-sandbox, and the default image. */
  listAiLabImages: method<AiLabImageList>()(z.tuple([])),
  /** Container port and notebooks path from `docker image inspect`, falling back to the version table. */
  inspectAiLabImage: method<AiLabImageFacts>()(z.tuple([imageRefSchema])),
  /** Is this port free on the Docker host? Names the holder and suggests the next free one. */
  checkAiLabPort: method<PortCheck>()(z.tuple([portSchema, z.string().ip()])),
  /** Everything the launch panel shows before Launch: image facts, port, name, volume, warnings, URL. */
  checkAiLabLaunch: method<LaunchPreflight>()(z.tuple([launchDraftSchema])),
  /**
   * Pull if needed, create and start the container, wait until Jupyter answers. Progress arrives as
   * launchState, launchPullProgress and launcherLog events tagged with launchId.
   */
  launchAiLab: method<LaunchOutcome>()(z.tuple([clientIdSchema, launchOptionsSchema])),
  /** Stops pulling or waiting. A container already created is left as it is (and said so). */
  cancelAiLabLaunch: method<{ cancelled: boolean }>()(z.tuple([clientIdSchema])),
  listAiLabContainers: method<AiLabContainer[]>()(z.tuple([])),
  startAiLabContainer: method<AiLabContainer>()(z.tuple([containerRefSchema])),
  stopAiLabContainer: method<AiLabContainer>()(z.tuple([containerRefSchema])),
  restartAiLabContainer: method<AiLabContainer>()(z.tuple([containerRefSchema])),
  /** Removes the container (never its volumes). A running one only with force. */
  removeAiLabContainer: method<{ removed: string }>()(z.tuple([containerRefSchema, z.object({ force: z.boolean().default(false) }).default({})])),
  /** Main looks the container up, builds its URL and opens it; the reply says which URL was opened. */
  openAiLab: method<{ url: string }>()(z.tuple([containerRefSchema])),
  getAiLabLogs: method<LogLine[]>()(z.tuple([containerRefSchema, tailSchema])),
  /** Streams the last `tail` lines and then new ones as launcherLog events with source = followId. */
  followAiLabLogs: method<{ followId: string; containerId: string }>()(z.tuple([clientIdSchema, containerRefSchema, tailSchema])),
  stopFollowingAiLabLogs: method<{ stopped: boolean }>()(z.tuple([clientIdSchema])),
  /** Local images that would upgrade this container (newer AI-Lab versions), newest first. */
  listAiLabUpgradeImages: method<AiLabImageOption[]>()(z.tuple([containerRefSchema])),
  /** The plan of an upgrade, without changing anything; refusals are listed as blockers. */
  planAiLabUpgrade: method<UpgradePlan>()(z.tuple([containerRefSchema, imageRefSchema])),
  /**
   * Backup, stop, keep the old container renamed, start the new image on the same volume and port, wait
   * for Jupyter. A failure rolls back by itself and says why. Progress: aiLabUpgradeProgress, and
   * launchPullProgress / launchState / launcherLog tagged with upgradeId.
   */
  upgradeAiLab: method<UpgradeOutcome>()(z.tuple([clientIdSchema, upgradeOptionsSchema])),
  listPendingAiLabUpgrades: method<PendingUpgrade[]>()(z.tuple([])),
  /** Keep the new version: removes the old container (the backup stays). CONTAINER: the upgraded container's name. */
  keepAiLabUpgrade: method<UpgradeFinished>()(z.tuple([containerRefSchema])),
  /** Back to the old container (started if it was running), the volume restored if the new version changed it. */
  rollBackAiLabUpgrade: method<UpgradeFinished>()(z.tuple([clientIdSchema, containerRefSchema, rollBackOptionsSchema])),
};

export const launcherEvents = {
  launchState: event<LaunchStateEvent>(),
  launchPullProgress: event<PullProgressEvent>(),
  /** Container log lines, coalesced by the sender. */
  launcherLog: event<LogLine[]>({ batched: true }),
  /** The AI-Lab containers changed (from the Engine's event stream): the fresh list. */
  aiLabContainersChanged: event<{ containers: AiLabContainer[] }>(),
  aiLabUpgradeProgress: event<UpgradeProgressEvent>(),
  /** The pending upgrades changed (one started, was kept or rolled back). */
  aiLabUpgradesChanged: event<{ pending: PendingUpgrade[] }>(),
};
