// Builds everything the app runs from: the renderer (Vite) and the Node/Electron bundles (esbuild).
// Node-side bundles keep node_modules external, so dockerode's optional native parts load as shipped.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const nodeTargets = [
  { entry: 'electron/main/main.ts', out: 'dist/electron/main.cjs', external: ['electron'] },
  { entry: 'electron/server/serve.ts', out: 'dist/server/serve.cjs' },
  { entry: 'electron/cli/main.ts', out: 'dist/cli/ailab.cjs' },
];

async function buildNode() {
  await Promise.all(
    nodeTargets.map((t) =>
      esbuild({
        absWorkingDir: root,
        entryPoints: [t.entry],
        outfile: t.out,
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        packages: 'external',
        external: t.external ?? [],
        sourcemap: true,
        logLevel: 'warning',
      }),
    ),
  );
  // The preload runs sandboxed: it may require only 'electron', so everything else is bundled in.
  await esbuild({
    absWorkingDir: root,
    entryPoints: ['electron/preload/preload.ts'],
    outfile: 'dist/electron/preload.cjs',
    bundle: true,
    platform: 'node',
    target: 'chrome130',
    format: 'cjs',
    external: ['electron'],
    sourcemap: true,
    logLevel: 'warning',
  });
  // The tray icon (electron/main/plansTray.ts) loads from beside main.cjs.
  await copyFile(path.join(root, 'build/icon.png'), path.join(root, 'dist/electron/tray-icon.png'));
}

async function buildRenderer() {
  await viteBuild({ configFile: path.join(root, 'renderer/vite.config.mts'), logLevel: 'warn' });
}

const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const started = performance.now();
const built = [];
if (!only || only === 'node') {
  await buildNode();
  built.push('the main, preload, server and CLI bundles');
}
if (!only || only === 'renderer') {
  await buildRenderer();
  built.push('the renderer');
}
// Every run builds from scratch; say what was written, so that a fast build does not read as a skipped one.
console.log(`build: wrote ${built.join(' and ')} to dist/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
