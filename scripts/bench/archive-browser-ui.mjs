// Benchmark (a printout, not a test): a 100,000-entry backup opened in the backup browser in Chromium
// (issue 17, scale). Writes the small-file archive (smallFilesArchive.mjs: folders of 100 notebooks) as a
// backup of a bench volume in the backup folder of a fresh browser-mode server, then, as a person would:
// volume → Backups… → Browse, opens the `notebooks` folder (1,000 sub-folders), scrolls it, and finds
// `*-07.ipynb` (one hit per folder) in the whole backup. Prints each step's time, the page's frames and long
// tasks, and the server's peak memory (VmHWM: the process that indexes the archive).
//
//   node scripts/bench/archive-browser-ui.mjs [--entries 100000] [--keep]
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
const volume = `bench-browse-${Date.now().toString(36)}`;
// smallFilesArchive.mjs: `./`, `./notebooks/`, then folders of one entry plus up to 99 notebooks.
const FOLDERS = Math.ceil((ENTRIES - 2) / 100);
const LAST_FOLDER = `project-${String(FOLDERS - 1).padStart(4, '0')}`;

/** Runs `action` with frames recorded until `done` resolves; returns the time and the frame figures. */
async function timed(page, action, done) {
  await page.evaluate(RECORD_FRAMES);
  const before = await page.evaluate(() => window.__longTasks.length);
  const t = Date.now();
  await action();
  await done();
  const ms = Date.now() - t;
  return { ms, frames: await page.evaluate(FRAME_STATS, before) };
}

async function main() {
  if (!fs.existsSync('dist/server/serve.cjs')) throw new Error('dist/server/serve.cjs is missing: run `npm run build` first.');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-bench-browse-'));
  const backups = path.join(tmp, 'backups');
  fs.mkdirSync(backups);
  const fileName = `${volume}-20261206-000000.tgz`;
  const file = path.join(backups, fileName);
  let t = Date.now();
  await writeSmallFilesTgz(file, ENTRIES);
  console.log(
    `archive: ${ENTRIES.toLocaleString('en')} entries, ${(fs.statSync(file).size / 1024 / 1024).toFixed(1)} MiB .tgz, written in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
  await docker.createVolume({ Name: volume, Labels: { 'com.exasol.ailab-desktop.bench': 'archive-browser-ui' } });

  const home = path.join(tmp, 'data');
  fs.mkdirSync(home, { mode: 0o700 });
  // The remembered backup folder is where the catalogue looks first.
  fs.writeFileSync(path.join(home, 'settings.json'), JSON.stringify({ backupDir: backups }), { mode: 0o600 });
  const server = startServer(home);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.addInitScript(OBSERVE_LONG_TASKS);
    await page.goto(await server.url);
    await page.getByRole('row').filter({ hasText: volume }).first().click();
    const details = page.getByRole('complementary', { name: `Details of volume ${volume}` });
    await details.getByRole('button', { name: 'Backups…' }).click();
    const catalogue = page.getByRole('dialog', { name: `Backups of ${volume}` });
    const dialog = page.getByRole('dialog', { name: `Backup ${fileName}` });
    const rows = [];

    const open = await timed(
      page,
      () => catalogue.getByRole('button', { name: `Browse ${fileName}` }).click(),
      () => dialog.getByRole('table', { name: 'Contents of /' }).getByText('notebooks').waitFor({ timeout: 300_000 }),
    );
    rows.push(['Browse → root folder shown (first index of the archive)', open]);

    const folder = await timed(
      page,
      () => dialog.getByRole('button', { name: 'Open folder notebooks' }).click(),
      () => dialog.getByRole('table', { name: 'Contents of /notebooks' }).getByText('project-0000').waitFor({ timeout: 60_000 }),
    );
    rows.push([`open notebooks/ (${FOLDERS.toLocaleString('en')} folders)`, folder]);

    let steps = 0;
    const last = dialog.getByRole('button', { name: `Open folder notebooks/${LAST_FOLDER}` });
    const scroll = await timed(
      page,
      async () => {
        // As a wheel does: 700 px a frame until the last folder is on screen (rows load 500 at a time).
        while (steps < 2000 && !(await last.isVisible())) {
          steps++;
          await page.evaluate(() => {
            const scroller = document.querySelector('[role="table"][aria-label="Contents of /notebooks"]');
            if (scroller) scroller.scrollTop += 700;
          });
          await page.waitForTimeout(16);
        }
      },
      () => last.waitFor({ timeout: 30_000 }),
    );
    rows.push([`scroll to the end (${steps} × 700 px)`, scroll]);

    const search = await timed(
      page,
      async () => {
        await dialog.getByLabel('Find by name in the whole backup').fill('*-07.ipynb');
        await dialog.getByLabel('Find by name in the whole backup').press('Enter');
      },
      () => dialog.getByRole('table', { name: 'Search results' }).getByText('notebook-07.ipynb').first().waitFor({ timeout: 60_000 }),
    );
    rows.push(['find *-07.ipynb in the whole backup', search]);

    console.log(`\nA ${ENTRIES.toLocaleString('en')}-entry backup in the backup browser, Chromium ${browser.version()}:`);
    for (const [label, r] of rows) console.log(`  ${label}: ${(r.ms / 1000).toFixed(2)} s — ${framesLine(r.frames)}`);
    console.log(`  DOM rows in the table now: ${await page.evaluate(() => document.querySelectorAll('.bf-row').length)}`);
    console.log(`  server (browser mode, indexes the archive): peak RSS ${peakRssMiB(server.child.pid)} MiB`);
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
