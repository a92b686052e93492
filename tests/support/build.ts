import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** What scripts/build.mjs makes, and which half (`--only=`) makes it. */
const BUNDLES = {
  cli: { file: 'dist/cli/ailab.cjs', half: 'node' },
  server: { file: 'dist/server/serve.cjs', half: 'node' },
  electron: { file: 'dist/electron/main.cjs', half: 'node' },
  renderer: { file: 'dist/renderer/index.html', half: 'renderer' },
} as const;

export type Bundle = keyof typeof BUNDLES;

export function bundlePath(bundle: Bundle): string {
  return path.join(ROOT, BUNDLES[bundle].file);
}

/**
 * Builds the halves of dist/ that hold a missing bundle, and nothing when all are there. `npm test`
 * builds before any test runs, so there a test never rebuilds (or overwrites) dist/ that other tests
 * are using; this only helps a test run on its own after a fresh clone. Run `npm run build` after
 * changing code to test a current bundle.
 */
export function ensureBuilt(...bundles: Bundle[]): void {
  const halves = new Set(bundles.filter((b) => !fs.existsSync(bundlePath(b))).map((b) => BUNDLES[b].half));
  for (const half of halves) {
    try {
      execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), `--only=${half}`], { cwd: ROOT, stdio: 'pipe', timeout: 180_000 });
    } catch (err) {
      const output = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`node scripts/build.mjs --only=${half} failed: ${(err as Error).message}\n${output}`);
    }
  }
}
