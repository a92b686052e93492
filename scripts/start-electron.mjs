// `npm start`: runs the built app in Electron (or says in one line why it cannot, see electron.mjs).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinaryOrExit, electronEnv } from './electron.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const bin = electronBinaryOrExit();
// The main process runs the jobs: a larger starting heap, as bin/ailab.cjs explains.
const child = spawn(bin, ['--js-flags=--initial-heap-size=64', root, ...process.argv.slice(2)], { stdio: 'inherit', env: electronEnv(), windowsHide: false });
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on('error', (err) => {
  console.error(`AI-Lab Desktop: could not start Electron: ${err.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
