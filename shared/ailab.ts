/**
 * Facts about Exasol AI-Lab images (../shared/PRODUCT.md): used where the image itself cannot be
 * inspected, and to recognise AI-Lab containers. The launcher reads the real values from
 * `docker image inspect` first and falls back to this table.
 */
export const AI_LAB_REPOSITORIES = ['exasol/ai-lab', 'exasol/data-science-sandbox'] as const;

export const SCS_FILE = 'ai_lab_secure_configuration_storage.sqlite';

/**
 * AI-Lab's integrated Exasol Docker-DB (the test environment "DemoDb") keeps its database in this
 * volume; its container is normally `db_container_DemoDb`, but a container is recognised as the DB's by
 * mounting this volume, since the name alone proves nothing. A database copied while it runs may not
 * start again, and a removed one is gone: the app guards both.
 */
export const EXASOL_DB_VOLUME = 'db_container_DemoDb_volume';
export const EXASOL_DB_CONTAINER = 'db_container_DemoDb';
export const EXASOL_DB_LABEL = 'Exasol database data';

/** Why a backup of the DB volume stops the DB container first: said by the dialog, the CLI and the job log alike. */
export const EXASOL_DB_STOP_WHY =
  'A database copied while it runs may not start again from the copy: stop the DB container for the backup (it is started again afterwards).';

export function isExasolDbVolume(name: string): boolean {
  return name === EXASOL_DB_VOLUME;
}

export interface AiLabLayout {
  notebooksPath: string;
  containerPort: number;
  runsAs: 'root' | 'jupyter';
  defaultPassword: string | null;
  /** JUPYTER_PASSWORD is honoured from 5.0.0. */
  supportsPasswordEnv: boolean;
}

/** Splits "repo:tag" (or "registry:5000/repo:tag", "repo@sha256:...") into repository and tag. */
export function splitImageRef(ref: string): { repository: string; tag: string } {
  const at = ref.indexOf('@');
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const slash = base.lastIndexOf('/');
  const colon = base.lastIndexOf(':');
  if (colon > slash) return { repository: base.slice(0, colon), tag: base.slice(colon + 1) };
  return { repository: base, tag: at >= 0 ? ref.slice(at + 1) : 'latest' };
}

/** "docker.io/exasol/ai-lab" and "exasol/ai-lab" are the same repository. */
export function normaliseRepository(repo: string): string {
  return repo.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\//, '').replace(/^library\//, '');
}

export function isAiLabImage(ref: string): boolean {
  const repo = normaliseRepository(splitImageRef(ref).repository);
  return (AI_LAB_REPOSITORIES as readonly string[]).includes(repo);
}

function parseVersion(tag: string): [number, number, number] | null {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : null;
}

/** The layout from the version table; `latest` and unknown tags are treated as current releases. */
export function layoutFromTable(ref: string): AiLabLayout {
  const { repository, tag } = splitImageRef(ref);
  if (normaliseRepository(repository) === 'exasol/data-science-sandbox') {
    return { notebooksPath: '/root/notebooks', containerPort: 8888, runsAs: 'root', defaultPassword: null, supportsPasswordEnv: false };
  }
  const v = parseVersion(tag);
  if (v && v[0] < 2) {
    return { notebooksPath: '/root/notebooks', containerPort: 49494, runsAs: 'root', defaultPassword: 'ai-lab', supportsPasswordEnv: false };
  }
  return {
    notebooksPath: '/home/jupyter/notebooks',
    containerPort: 49494,
    runsAs: 'jupyter',
    defaultPassword: 'ailab',
    supportsPasswordEnv: v === null || v[0] >= 5,
  };
}

/** Labels the app puts on everything it creates, so it can find (and clean up) its own things. */
export const APP_LABEL = 'com.exasol.ailab-desktop';
export const LABELS = {
  managed: APP_LABEL,
  /** On helper containers of backup/restore jobs: the job id. */
  job: `${APP_LABEL}.job`,
  /** On containers the launcher started. */
  launched: `${APP_LABEL}.launched`,
} as const;
