/* global window, requestAnimationFrame -- OBSERVE_LONG_TASKS and RECORD_FRAMES run inside the page */
// What the Chromium benchmarks share (volumes-ui.mjs, progress-ui.mjs): the browser mode started on a
// free port with its own data folder, and the long-task observer put into the page before it loads.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
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

/** The peak resident memory (VmHWM) of a process on this machine, in MiB. */
export function peakRssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return (kb / 1024).toFixed(0);
}

// In the page: every frame's time from now on, until __stopFrames() is called.
export const RECORD_FRAMES = () => {
  window.__frames = [];
  let on = true;
  window.__stopFrames = () => (on = false);
  const tick = (t) => {
    window.__frames.push(t);
    if (on) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
};

// In the page: stops RECORD_FRAMES and sums up the frames and the long tasks since index `before`.
export const FRAME_STATS = (before) => {
  window.__stopFrames();
  const f = window.__frames;
  const gaps = f.slice(1).map((x, i) => x - f[i]);
  const sorted = [...gaps].sort((a, b) => a - b);
  const tasks = window.__longTasks.slice(before);
  return {
    frames: f.length,
    longestGap: sorted[sorted.length - 1] ?? 0,
    p95: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
    over50: gaps.filter((g) => g > 50).length,
    longTasks: tasks.length,
    longestTask: tasks.reduce((m, x) => Math.max(m, x.duration), 0),
    blocked: tasks.reduce((s, x) => s + x.duration, 0),
  };
};

/** One line for FRAME_STATS' figures. */
export function framesLine(s) {
  return (
    `${s.frames} frames, longest gap ${s.longestGap.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms, ${s.over50} frames over 50 ms; ` +
    `${s.longTasks} long tasks (longest ${s.longestTask.toFixed(0)} ms, ${s.blocked.toFixed(0)} ms blocked)`
  );
}
