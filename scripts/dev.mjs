// `npm run dev`: the renderer from the Vite dev server (hot reload), main and preload rebuilt by
// esbuild on change, and Electron restarted whenever they are. Best effort, for development only.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { context } from 'esbuild';
import { createServer } from 'vite';
import { electronBinaryOrExit, electronEnv } from './electron.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const bin = electronBinaryOrExit();

const vite = await createServer({ configFile: path.join(root, 'renderer/vite.config.mts') });
await vite.listen();
const devUrl = vite.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
console.log(`dev: renderer at ${devUrl}`);

let electron = null;
let restartTimer = null;
let stopping = false;

function startElectron() {
  const child = spawn(bin, [root], { stdio: 'inherit', env: electronEnv({ AILAB_DEV_SERVER_URL: devUrl }) });
  electron = child;
  child.on('exit', (code) => {
    // Closing the window ends the session; a restart we asked for does not.
    if (child.killedForRestart || stopping) return;
    void shutdown(code ?? 0);
  });
}

function restartElectron() {
  clearTimeout(restartTimer);
  restartTimer = setTimeout(() => {
    if (electron && electron.exitCode === null) {
      const old = electron;
      old.killedForRestart = true;
      old.once('exit', startElectron);
      old.kill('SIGTERM');
    } else {
      startElectron();
    }
  }, 200);
}

const restartOnBuild = {
  name: 'restart-electron',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length === 0) restartElectron();
    });
  },
};

const common = { absWorkingDir: root, bundle: true, platform: 'node', format: 'cjs', external: ['electron'], sourcemap: 'inline', logLevel: 'info' };
const contexts = await Promise.all([
  context({
    ...common,
    entryPoints: ['electron/main/main.ts'],
    outfile: 'dist/electron/main.cjs',
    target: 'node20',
    packages: 'external',
    plugins: [restartOnBuild],
  }),
  context({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: 'dist/electron/preload.cjs', target: 'chrome130', plugins: [restartOnBuild] }),
]);
await Promise.all(contexts.map((c) => c.watch()));

async function shutdown(code) {
  stopping = true;
  clearTimeout(restartTimer);
  if (electron && electron.exitCode === null) electron.kill('SIGTERM');
  await Promise.all(contexts.map((c) => c.dispose()));
  await vite.close();
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
