/* global window -- OBSERVE_LONG_TASKS runs inside the page */
// What the Chromium benchmarks share (volumes-ui.mjs, progress-ui.mjs): the browser mode started on a
// free port with its own data folder, and the long-task observer put into the page before it loads.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function startServer(home) {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/server/serve.cjs'), '--port', '0', '--no-open'], {
    cwd: ROOT,
    env: { ...process.env, AILAB_DESKTOP_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    const check = () => {
      const m = /AI-Lab Desktop is running at: (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
  return { child, url };
}

// In the page: collect long tasks from the start.
export const OBSERVE_LONG_TASKS = () => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
};
