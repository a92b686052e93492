import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { docker } from './docker';

const execFileAsync = promisify(execFile);

const ROOT = path.resolve(__dirname, '..', '..');
export const FIXTURE_SCRIPT = path.join(ROOT, 'scripts', 'fixtures', 'build-images.sh');

/** Label on every fixture image; an alias tag without it is a real image and is never replaced. */
export const FIXTURE_LABEL = 'com.exasol.ailab-desktop.fixture';
/** Hash of the fixture scripts an image was built from (`build-images.sh --print-hash`). */
export const FIXTURE_HASH_LABEL = 'com.exasol.ailab-desktop.fixture.hash';

export const GNU_TAR_IMAGE = 'ailab-fixture/gnu-tar:latest';
export const AI_LAB_6_IMAGE = 'ailab-fixture/ai-lab:6.1.0';
export const AI_LAB_62_IMAGE = 'ailab-fixture/ai-lab:6.2.0';
export const AI_LAB_1_IMAGE = 'ailab-fixture/ai-lab:1.0.0';
export const SANDBOX_IMAGE = 'ailab-fixture/data-science-sandbox:0.1.0';
export const NEVER_READY_IMAGE = 'ailab-fixture/ai-lab:never-ready';

/** Tags under the real names (made by --alias-ubuntu / --alias-exasol unless a real image holds them). */
export const UBUNTU_ALIAS = 'ubuntu:latest';
export const AI_LAB_6_ALIAS = 'exasol/ai-lab:6.1.0';
export const AI_LAB_62_ALIAS = 'exasol/ai-lab:6.2.0';
export const AI_LAB_1_ALIAS = 'exasol/ai-lab:1.0.0';
export const SANDBOX_ALIAS = 'exasol/data-science-sandbox:0.1.0';

export interface AiLabFixture {
  image: string;
  /** The same image under the real repository name. */
  alias: string | null;
  port: number;
  notebooks: string;
  /** Owner the entrypoint chowns the notebooks folder to (null: leaves it as it is, runs as root). */
  uid: number | null;
  /** Whether Config.Env carries NOTEBOOKS=<notebooks> (real images from 5.0.0 do). */
  notebooksEnv: boolean;
  ready: boolean;
}

/** What each AI-Lab stand-in is, as the tests expect it (mirrors scripts/fixtures/build-images.sh). */
export const AI_LAB_FIXTURES = {
  aiLab6: { image: AI_LAB_6_IMAGE, alias: AI_LAB_6_ALIAS, port: 49494, notebooks: '/home/jupyter/notebooks', uid: 1001, notebooksEnv: true, ready: true },
  aiLab62: { image: AI_LAB_62_IMAGE, alias: AI_LAB_62_ALIAS, port: 49494, notebooks: '/home/jupyter/notebooks', uid: 1001, notebooksEnv: true, ready: true },
  aiLab1: { image: AI_LAB_1_IMAGE, alias: AI_LAB_1_ALIAS, port: 49494, notebooks: '/root/notebooks', uid: null, notebooksEnv: false, ready: true },
  sandbox: { image: SANDBOX_IMAGE, alias: SANDBOX_ALIAS, port: 8888, notebooks: '/root/notebooks', uid: null, notebooksEnv: false, ready: true },
  neverReady: { image: NEVER_READY_IMAGE, alias: null, port: 49494, notebooks: '/home/jupyter/notebooks', uid: 1001, notebooksEnv: true, ready: false },
} as const satisfies Record<string, AiLabFixture>;

/** Default notebooks every AI-Lab stand-in copies into its notebooks folder when they are missing. */
export const FIXTURE_DEFAULT_NOTEBOOKS = ['start.ipynb', 'tutorials/welcome.ipynb'] as const;

/**
 * Where the 6.x stand-ins keep their shipped notebooks (as the real image does; root-owned, read-only to
 * uid 1001). 6.2.0 differs from 6.1.0: start.ipynb changed, tutorials/welcome.ipynb the same, and
 * tutorials/new-in-6.2.ipynb added. 1.x and the sandbox keep theirs under /opt/fixture/notebook-defaults.
 */
export const NOTEBOOK_DEFAULTS_DIR = '/home/jupyter/notebook-defaults';
export const FIXTURE_62_NEW_NOTEBOOKS = ['tutorials/new-in-6.2.ipynb'] as const;
export const FIXTURE_62_CHANGED_NOTEBOOKS = ['start.ipynb'] as const;

/** Printed by the AI-Lab stand-ins (to stderr) once the HTTP server answers, like Jupyter Server. */
export const JUPYTER_READY_LINE = /Jupyter Server \S+ is running at:/;

export const FIXTURE_IMAGES = [GNU_TAR_IMAGE, AI_LAB_6_IMAGE, AI_LAB_62_IMAGE, AI_LAB_1_IMAGE, SANDBOX_IMAGE, NEVER_READY_IMAGE] as const;
export const ALIAS_IMAGES = [UBUNTU_ALIAS, AI_LAB_6_ALIAS, AI_LAB_62_ALIAS, AI_LAB_1_ALIAS, SANDBOX_ALIAS] as const;

interface ImageState {
  exists: boolean;
  labels: Record<string, string>;
}

async function imageState(name: string): Promise<ImageState> {
  try {
    const info = await docker.getImage(name).inspect();
    return { exists: true, labels: info.Config?.Labels ?? {} };
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return { exists: false, labels: {} };
    throw new Error(`Cannot inspect image ${name}: is dockerd running? ${(err as Error).message}`);
  }
}

/** The hash current fixture images carry; images with another one were built by an older script. */
export async function fixtureHash(): Promise<string> {
  const { stdout } = await execFileAsync('bash', [FIXTURE_SCRIPT, '--print-hash']);
  return stdout.trim();
}

/** Names of fixture images (or alias tags) that are missing or were built by another script version. */
export async function staleFixtureImages(): Promise<string[]> {
  const hash = await fixtureHash();
  const stale: string[] = [];
  for (const name of FIXTURE_IMAGES) {
    const state = await imageState(name);
    if (!state.exists || state.labels[FIXTURE_HASH_LABEL] !== hash) stale.push(name);
  }
  for (const name of ALIAS_IMAGES) {
    // A real image under the alias name is left alone by the script, and is fine for the tests.
    const state = await imageState(name);
    if (!state.exists || (state.labels[FIXTURE_LABEL] === '1' && state.labels[FIXTURE_HASH_LABEL] !== hash)) stale.push(name);
  }
  return stale;
}

function runScript(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // Its progress goes to our stderr so a first (slower) run does not look stuck.
    const child = spawn('bash', [FIXTURE_SCRIPT, ...args], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${path.relative(ROOT, FIXTURE_SCRIPT)} ${args.join(' ')} failed (${signal ?? `exit code ${code}`}); see its output above.`));
    });
  });
}

/**
 * Builds the fixture images (with the ubuntu and exasol aliases) when any is missing or out of date,
 * so the integration and e2e suites work after a fresh clone with only dockerd running.
 */
export async function ensureFixtureImages(): Promise<{ built: boolean; stale: string[] }> {
  const stale = await staleFixtureImages();
  if (stale.length === 0) return { built: false, stale };
  process.stderr.write(`[fixtures] missing or out of date: ${stale.join(', ')}; building\n`);
  await runScript(['--alias-ubuntu', '--alias-exasol']);
  const still = await staleFixtureImages();
  // A real image under an alias name is skipped by the script and counts as present above, so anything
  // left here means the build did not do its job.
  if (still.length > 0) throw new Error(`Fixture images still missing after the build: ${still.join(', ')}`);
  return { built: true, stale };
}
