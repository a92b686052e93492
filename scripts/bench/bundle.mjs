// What the benchmarks that call the app's TypeScript share: one entry bundled by esbuild into
// .tmp/bench/, beside the checkout's node_modules (packages stay external, as in the real bundles).
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bundles `entry` (relative to the checkout) to .tmp/bench/<outName> and returns its path. */
export async function bundleWorker(entry, outName) {
  const outfile = path.join(root, '.tmp/bench', outName);
  await fs.mkdir(path.dirname(outfile), { recursive: true });
  await build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
  });
  return outfile;
}
