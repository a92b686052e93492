// Benchmark (a printout, not a test): how the Volumes page copes with 1,000 volumes in real Chromium.
//
//   node scripts/bench/volumes-ui.mjs [--count 1000] [--keep]
//
// Creates COUNT volumes labelled com.exasol.ailab-desktop.bench=volumes-ui on the local engine, starts
// the browser mode (dist/server/serve.cjs: run `npm run build` first), opens it in /usr/bin/chromium
// and prints the time until the list shows, the time to apply searches, filters and sorts, and the
// long tasks (main-thread work over 50 ms, PerformanceObserver 'longtask') during each step. The
// volumes are removed afterwards (also on Ctrl+C) unless --keep is given.
/* global window, document, requestAnimationFrame, HTMLInputElement -- these run inside the page (page.evaluate) */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import { chromium } from '@playwright/test';
import { OBSERVE_LONG_TASKS, peakRssMiB, startServer } from './browserMode.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH_LABEL = 'com.exasol.ailab-desktop.bench';
const args = process.argv.slice(2);
const countAt = args.indexOf('--count');
const COUNT = countAt >= 0 && Number(args[countAt + 1]) > 0 ? Math.floor(Number(args[countAt + 1])) : 1000;
const KEEP = args.includes('--keep');
const CHROMIUM = process.env.AILAB_CHROMIUM ?? '/usr/bin/chromium';

const docker = new Docker({ socketPath: process.env.AILAB_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock' });
const run = `${Date.now().toString(36)}`;
const names = Array.from({ length: COUNT }, (_, i) => `bench-${run}-${String(i).padStart(4, '0')}`);

async function inBatches(items, size, fn) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)));
}

async function createVolumes() {
  const started = Date.now();
  await inBatches(names, 25, (name, j) =>
    docker.createVolume({
      Name: name,
      Labels: { [BENCH_LABEL]: 'volumes-ui', 'com.exasol.ailab-desktop.test': '1', team: j % 3 === 0 ? 'analytics' : 'science' },
    }),
  );
  return Date.now() - started;
}

let cleaned = false;
async function removeVolumes() {
  if (cleaned || KEEP) return;
  cleaned = true;
  // Only ours: the names this run made (unique per run), never a filter over the whole engine.
  await inBatches(names, 25, (name) =>
    docker
      .getVolume(name)
      .remove()
      .catch(() => undefined),
  );
}

/**
 * Runs `action` in the page and waits until the list shows the result: the "N volumes" line matches
 * `until.status`, with `until.sorted` the named sort button's column header says it sorts, or (with
 * `until.change`) the line or the first row differs from before. Then two
 * more frames, so the time includes layout and paint.
 */
async function step(page, label, action, until) {
  return page
    .evaluate(
      async ({ action, until }) => {
        const status = () => document.querySelector('.vol-toolbar > .muted')?.textContent ?? '';
        const firstRow = () => document.querySelector('.vol-body [role="row"]')?.getAttribute('data-name') ?? '';
        const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
        const beforeStatus = status();
        const beforeFirst = firstRow();
        // A sort may keep the first row (sizes that tie sort by name): its column header says when it is done.
        const sortedBy = (label) =>
          document.querySelector(`button[aria-label="${label}"]`)?.closest('[role="columnheader"]')?.getAttribute('aria-sort') ?? 'none';
        const settled = () =>
          until.status
            ? new RegExp(until.status).test(status())
            : until.sorted
              ? sortedBy(until.sorted) !== 'none'
              : until.change
                ? status() !== beforeStatus || firstRow() !== beforeFirst
                : true;
        const before = window.__longTasks.length;
        const t0 = performance.now();
        let frames = 0;
        if (action.type === 'search') {
          const input = document.querySelector('input[aria-label="Search volumes by name or label"]');
          const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
          setter.call(input, action.value);
          input.dispatchEvent(new Event('input', { bubbles: true }));
        } else if (action.type === 'click') {
          document.querySelector(action.selector).click();
        } else if (action.type === 'scroll') {
          const body = document.querySelector('.vol-grid');
          for (let i = 0; i < action.steps; i++) {
            body.scrollTop += action.by;
            await frame();
            frames++;
          }
        }
        const deadline = t0 + 5000;
        while (!settled() && performance.now() < deadline) await frame();
        await frame();
        await frame();
        const t1 = performance.now();
        const tasks = window.__longTasks.slice(before);
        return {
          ms: t1 - t0,
          perFrameMs: frames > 0 ? (t1 - t0) / (frames + 2) : null,
          ok: settled(),
          status: status(),
          rows: document.querySelectorAll('.vol-body [role="row"]').length,
          longTasks: tasks.length,
          longestMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
          blockedMs: tasks.reduce((s, t) => s + t.duration, 0),
        };
      },
      { action, until },
    )
    .then((r) => ({ label, ...r }));
}

async function main() {
  if (!fs.existsSync(path.join(ROOT, 'dist/server/serve.cjs'))) throw new Error('dist/server/serve.cjs is missing: run `npm run build` first.');
  console.log(`Creating ${COUNT} volumes (${BENCH_LABEL}=volumes-ui, names bench-${run}-NNNN)…`);
  const createMs = await createVolumes();
  console.log(`  created in ${(createMs / 1000).toFixed(1)} s`);

  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-bench-'));
  const server = startServer(home);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const url = await server.url;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.addInitScript(OBSERVE_LONG_TASKS);
    const results = [];

    // First render: from navigation start until the list (with all bench volumes) is on screen.
    await page.goto(url);
    await page.waitForFunction(
      (n) =>
        /(\d+) volumes?/.test(document.querySelector('.vol-toolbar > .muted')?.textContent ?? '') &&
        Number(/(\d+) volume/.exec(document.querySelector('.vol-toolbar > .muted').textContent)[1]) >= n,
      COUNT,
      { timeout: 60_000 },
    );
    results.push(
      await page.evaluate(() => {
        const tasks = window.__longTasks;
        return {
          label: 'open page → list shown',
          ms: performance.now(),
          ok: true,
          status: document.querySelector('.vol-toolbar > .muted')?.textContent ?? '',
          rows: document.querySelectorAll('.vol-body [role="row"]').length,
          longTasks: tasks.length,
          longestMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
          blockedMs: tasks.reduce((s, t) => s + t.duration, 0),
        };
      }),
    );
    // Sizes arrive later through an event; let them land before timing the interactions.
    await page.waitForTimeout(1500);

    const total = COUNT;
    const third = names.filter((_, i) => i % 3 === 0).length;
    results.push(await step(page, 'search one name', { type: 'search', value: names[421] }, { status: '^Showing 1 of' }));
    results.push(
      await step(page, 'search a label value (team=analytics)', { type: 'search', value: `bench-${run} team=analytics` }, { status: `^Showing ${third} of` }),
    );
    results.push(await step(page, 'search all bench volumes', { type: 'search', value: `bench-${run}` }, { status: `^Showing ${total} of` }));
    results.push(await step(page, 'clear the search', { type: 'search', value: '' }, { status: '^\\d+ volumes' }));
    results.push(await step(page, 'filter: In use', { type: 'click', selector: '[data-filter="in-use"]' }, { change: true }));
    results.push(await step(page, 'filter: Unused', { type: 'click', selector: '[data-filter="unused"]' }, { change: true }));
    results.push(await step(page, 'filter: All', { type: 'click', selector: '[data-filter="all"]' }, { status: '^\\d+ volumes' }));
    results.push(
      await step(page, 'sort by created (newest first)', { type: 'click', selector: 'button[aria-label="Sort by created"]' }, { sorted: 'Sort by created' }),
    );
    results.push(
      await step(page, 'sort by size (largest first)', { type: 'click', selector: 'button[aria-label="Sort by size"]' }, { sorted: 'Sort by size' }),
    );
    results.push(await step(page, 'sort by name', { type: 'click', selector: 'button[aria-label="Sort by name"]' }, { sorted: 'Sort by name' }));
    results.push(await step(page, 'scroll 30 frames × 600 px', { type: 'scroll', steps: 30, by: 600 }, {}));

    console.log(`\nVolumes page with ${COUNT} bench volumes (plus whatever else is on this engine), Chromium ${browser.version()}:\n`);
    const w = Math.max(...results.map((r) => r.label.length));
    console.log(`${'step'.padEnd(w)}   time ms   rows in DOM   long tasks   longest ms   blocked ms   list says`);
    for (const r of results) {
      const time = r.perFrameMs ? `${r.ms.toFixed(0)} (${r.perFrameMs.toFixed(0)}/frame)` : r.ms.toFixed(0);
      console.log(
        `${r.label.padEnd(w)}   ${time.padStart(7)}   ${String(r.rows).padStart(11)}   ${String(r.longTasks).padStart(10)}   ${r.longestMs.toFixed(0).padStart(10)}   ${r.blockedMs.toFixed(0).padStart(10)}   ${r.ok ? '' : '(did not settle) '}${r.status}`,
      );
    }
    console.log('\n"time": from the action until the list shows the result, plus two frames (layout and paint).');
    console.log('"long tasks": main-thread tasks over 50 ms during the step (none = no stall). "rows in DOM": the virtualised rows.');
    console.log(`Server (browser mode, the main process's services): peak RSS ${peakRssMiB(server.child.pid)} MiB`);
  } finally {
    await browser.close().catch(() => undefined);
    server.child.kill('SIGTERM');
    fs.rmSync(home, { recursive: true, force: true });
    console.log(KEEP ? `\nKept the ${COUNT} volumes (--keep).` : `\nRemoving the ${COUNT} bench volumes…`);
    await removeVolumes();
  }
}

process.once('SIGINT', () => {
  void removeVolumes().finally(() => process.exit(130));
});

main().catch(async (err) => {
  console.error(err);
  await removeVolumes();
  process.exit(1);
});
