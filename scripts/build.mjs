// Builds everything the app runs from: the renderer (Vite) and the Node/Electron bundles (esbuild).
// Node-side bundles keep node_modules external, so dockerode's optional native parts load as shipped.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * dockerode and docker-modem load BuildKit's gRPC session (@grpc/grpc-js, protobufjs: ~70 ms) and the
 * ssh agent (ssh2: ~45 ms) at require time, though the app never uses the first and needs the second only
 * for an ssh:// DOCKER_HOST; measured, they were 160 of the ~400 ms every `ailab` command spent before
 * doing anything. The two entry files are bundled with those two requires deferred to first use (the
 * modules themselves stay external, loaded from node_modules as shipped). A dockerode whose source no
 * longer has the line fails the build here, rather than quietly loading everything again.
 */
const LAZY_REQUIRES = [
  {
    pkg: 'dockerode',
    file: 'node_modules/dockerode/lib/docker.js',
    from: "withSession = require('./session')",
    to: "withSession = function () { return require('dockerode/lib/session').apply(this, arguments); }",
  },
  {
    pkg: 'docker-modem',
    file: 'node_modules/docker-modem/lib/modem.js',
    from: "ssh = require('./ssh')",
    to: "ssh = function (opt) { return require('docker-modem/lib/ssh')(opt); }",
  },
];

const lazyDockerRequires = {
  name: 'lazy-docker-requires',
  setup(b) {
    const byPkg = new Map(LAZY_REQUIRES.map((l) => [l.pkg, l]));
    b.onResolve({ filter: /^(dockerode|docker-modem)$/ }, (args) => ({ path: path.join(root, byPkg.get(args.path).file) }));
    b.onLoad({ filter: /node_modules[\\/](dockerode|docker-modem)[\\/]lib[\\/](docker|modem)\.js$/ }, async (args) => {
      const lazy = LAZY_REQUIRES.find((l) => args.path === path.join(root, l.file));
      const source = await readFile(args.path, 'utf8');
      if (!lazy) return { contents: source, loader: 'js' };
      if (!source.includes(lazy.from)) {
        return { errors: [{ text: `${lazy.file} no longer contains "${lazy.from}": update LAZY_REQUIRES in scripts/build.mjs` }] };
      }
      return { contents: source.replace(lazy.from, lazy.to), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

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
        plugins: [lazyDockerRequires],
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
