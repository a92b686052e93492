// Benchmark (a printout, not a test): the progress view while a restore streams 100,000 files (issue 17).
//
//   node scripts/bench/progress-ui.mjs [--entries 100000] [--keep]
//
// Writes a synthetic .tgz of ENTRIES small notebooks (smallFilesArchive.mjs), starts the browser mode
// (dist/server/serve.cjs: run `npm run build` first) with its own data folder, and in /usr/bin/chromium
// restores the archive into a new volume through the Restore dialog, as a person would, with the
// progress view open the whole time (every file is a line of its verbose log). Prints the time to the
// result, the page's frames (longest gap between two frames, frames over 50 ms) and long tasks while it
// ran, and the server's peak memory (VmHWM). The volume and the temp folder are removed afterwards.
/* global window, document -- these run inside the page (page.evaluate) */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { chromium } from '@playwright/test';
import { FRAME_STATS, framesLine, OBSERVE_LONG_TASKS, peakRssMiB, RECORD_FRAMES, startServer } from './browserMode.mjs';
import { writeSmallFilesTgz } from './smallFilesArchive.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--entries');
const ENTRIES = at >= 0 && Number(args[at + 1]) > 0 ? Math.floor(Number(args[at + 1])) : 100_000;
const KEEP = args.includes('--keep');
const CHROMIUM = process.env.AILAB_CHROMIUM ?? '/usr/bin/chromium';
const docker = new Docker({ socketPath: process.env.AILAB_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock' });
const volume = `bench-progress-${Date.now().toString(36)}`;

async function main() {
  if (!fs.existsSync('dist/server/serve.cjs')) throw new Error('dist/server/serve.cjs is missing: run `npm run build` first.');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-bench-progress-'));
  const file = path.join(tmp, 'bench-progress.tgz');
  let t = Date.now();
  await writeSmallFilesTgz(file, ENTRIES);
  console.log(
    `archive: ${ENTRIES.toLocaleString('en')} entries, ${(fs.statSync(file).size / 1024 / 1024).toFixed(1)} MiB .tgz, written in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );

  const home = path.join(tmp, 'data');
  fs.mkdirSync(home, { mode: 0o700 });
  const server = startServer(home);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.addInitScript(OBSERVE_LONG_TASKS);
    await page.goto(await server.url);
    await page.getByRole('tab', { name: 'Jobs' }).click();
    await page.getByRole('button', { name: 'Restore a backup…' }).click();
    const picker = page.getByRole('dialog', { name: 'Restore a backup' });
    await picker.getByLabel('Or the path of an archive on this machine').fill(file);
    t = Date.now();
    await picker.getByRole('button', { name: 'Check' }).click();
    const dialog = page.getByRole('dialog', { name: `Restore ${path.basename(file)}` });
    await dialog.getByRole('region', { name: 'What the archive holds' }).waitFor({ timeout: 120_000 });
    const planMs = Date.now() - t;
    await dialog.getByRole('radio', { name: 'A new volume' }).check();
    await dialog.getByLabel('New volume name').fill(volume);

    await page.evaluate(RECORD_FRAMES);
    const tasksBefore = await page.evaluate(() => window.__longTasks.length);
    t = Date.now();
    await dialog.getByRole('button', { name: `Restore into new volume ${volume}` }).click();
    const view = page.getByRole('dialog', { name: `Restore into ${volume}` });
    await view.getByRole('region', { name: 'Result' }).waitFor({ timeout: 600_000 });
    const jobMs = Date.now() - t;
    const result = (await view.getByRole('region', { name: 'Result' }).textContent()) ?? '';
    const page1 = await page.evaluate(FRAME_STATS, tasksBefore);
    const logRows = await page.evaluate(() => document.querySelectorAll('[role="log"] [data-line], [role="log"] > div > div').length);
    console.log(`\nRestore of ${ENTRIES.toLocaleString('en')} files into a new volume through the Restore dialog, Chromium ${browser.version()}:`);
    console.log(`  plan (the dialog's whole-archive check): ${(planMs / 1000).toFixed(1)} s`);
    console.log(`  job, click to result: ${(jobMs / 1000).toFixed(1)} s — ${result.replace(/\s+/g, ' ').trim().slice(0, 120)}`);
    console.log(`  page: ${framesLine(page1)}; log rows in the DOM ${logRows}`);
    console.log(`  server (browser mode, runs the job): peak RSS ${peakRssMiB(server.child.pid)} MiB`);
  } finally {
    await browser.close().catch(() => undefined);
    server.child.kill('SIGTERM');
    await docker
      .getVolume(volume)
      .remove()
      .catch(() => undefined);
    if (KEEP) console.log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
