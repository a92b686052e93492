// Benchmark (a printout, not a test): the backup browser on a 100k-entry archive (issue 15).
//
//   node scripts/bench/archive-index.mjs [--entries 100000] [--keep]
//
// Writes a synthetic .tgz with Python's tarfile (1,000 folders of notebooks, a few bytes each, so the
// time is the index's, not gzip's), then runs scripts/bench/archiveIndexWorker.ts twice, each time in
// a new process with the same data folder: the first run reads the whole archive with the restore's
// check and builds and caches the index; the second opens the root and the first folder from the cache
// (the goal: under 1 s). Everything lives in a temp folder, removed afterwards unless --keep.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bundleWorker } from './bundle.mjs';
import { writeSmallFilesTgz } from './smallFilesArchive.mjs';

const args = process.argv.slice(2);
const at = args.indexOf('--entries');
const ENTRIES = at >= 0 && Number(args[at + 1]) > 0 ? Math.floor(Number(args[at + 1])) : 100_000;
const KEEP = args.includes('--keep');

function run(cmd, argv, input) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`))));
    child.stdin.end(input ?? '');
  });
}

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ailab-bench-index-'));
try {
  const file = path.join(tmp, 'bench-100k.tgz');
  let t = Date.now();
  await writeSmallFilesTgz(file, ENTRIES);
  const st = await fs.stat(file);
  console.log(
    `archive: ${ENTRIES.toLocaleString('en')} entries, ${(st.size / 1024 / 1024).toFixed(1)} MiB .tgz, written in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );

  const worker = await bundleWorker('scripts/bench/archiveIndexWorker.ts', 'archive-index-worker.cjs');
  const dataDir = path.join(tmp, 'data');
  await fs.mkdir(dataDir, { mode: 0o700 });
  t = Date.now();
  const first = JSON.parse(await run(process.execPath, [worker, file, dataDir]));
  const firstWall = Date.now() - t;
  const second = JSON.parse(await run(process.execPath, [worker, file, dataDir]));
  const cacheFiles = await fs.readdir(path.join(dataDir, 'archive-index'));
  const cacheBytes = (await fs.stat(path.join(dataDir, 'archive-index', cacheFiles[0]))).size;

  console.log(`first index (read + check + index + cache write, root folder): ${first.rootMs} ms (process ${firstWall} ms, peak RSS ${first.peakRssMiB} MiB)`);
  console.log(
    `  then ${first.firstFolder} (${first.folderEntries} entries): ${first.folderMs} ms; search "*07.ipynb": ${first.searchMs} ms (${first.searchMatches} matches)`,
  );
  console.log(
    `from the cache, new process: root ${second.rootMs} ms, ${second.firstFolder} ${second.folderMs} ms (fromCache ${second.rootFromCache}), peak RSS ${second.peakRssMiB} MiB`,
  );
  console.log(`cache file: ${(cacheBytes / 1024 / 1024).toFixed(1)} MiB`);
  const opened = second.rootMs + second.folderMs;
  console.log(
    opened < 1000 ? `OK: first folder from the cache in ${opened} ms (goal < 1000 ms)` : `SLOW: first folder from the cache took ${opened} ms (goal < 1000 ms)`,
  );
  if (!second.rootFromCache || opened >= 1000) process.exitCode = 1;
} finally {
  if (KEEP) console.log(`kept ${tmp}`);
  else await fs.rm(tmp, { recursive: true, force: true });
}
