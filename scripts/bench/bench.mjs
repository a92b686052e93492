// `npm run bench`: runs each benchmark as its own process and section — backup.mjs (backup, restore and
// clone beside the guide's commands and the docker cp recipe), transfer.mjs (issue 16), the scale figures
// of issue 17 (volumes-ui.mjs, archive-index.mjs, archive-browser-ui.mjs, progress-ui.mjs) and the gzip
// sweep. Options are environment variables (see each script). `npm run bench -- archive-index` (or any
// script's name without .mjs) runs only the sections named; scale-10g (a 10 GB volume, ~27 GB of disk)
// runs only when named. Each script also runs alone (`node scripts/bench/<name>.mjs`).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sections = [
  ['Backup and restore', 'backup.mjs'],
  ['Volumes UI', 'volumes-ui.mjs'],
  ['Backup browser: 100k-entry archive index', 'archive-index.mjs'],
  ['Backup browser in Chromium: a 100k-entry backup opened, scrolled, searched', 'archive-browser-ui.mjs'],
  ['Progress view: a restore streaming 100k files', 'progress-ui.mjs'],
  ['gzip level and block size (CPU time)', 'gzip-levels.mjs'],
  ["Transfer to a second engine beside the seed's backup + restore", 'transfer.mjs'],
  ['A 10 GB volume: memory and throughput per tenth (only when named)', 'scale-10g.mjs', { onlyWhenNamed: true }],
];
const picked = process.argv.slice(2);
const unknown = picked.filter((p) => !sections.some(([, script]) => script === `${p}.mjs` || script === p));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.join(', ')}; there are: ${sections.map(([, s]) => s.replace(/\.mjs$/, '')).join(', ')}.`);
  process.exit(2);
}

function runSection(script) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(here, script)], { stdio: 'inherit' });
    // Ctrl+C reaches the child too (same process group); wait for it to clean up.
    process.on('SIGINT', () => undefined);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

let failed = 0;
for (const [title, script, how] of sections) {
  const named = picked.some((p) => script === `${p}.mjs` || script === p);
  if ((picked.length > 0 || how?.onlyWhenNamed) && !named) continue;
  if (!existsSync(path.join(here, script))) {
    console.log(`\n== ${title}: skipped (scripts/bench/${script} is not there)`);
    continue;
  }
  console.log(`\n== ${title} (scripts/bench/${script})\n`);
  const code = await runSection(script);
  if (code !== 0) {
    failed++;
    console.log(`\n== ${title}: failed (exit ${code})`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
