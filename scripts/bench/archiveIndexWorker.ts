// The backup browser's index, timed in a process of its own (bundled by archive-index.mjs with esbuild):
//   node worker.cjs FILE DATA_DIR
// Opens FILE's root folder and then its first subfolder through BackupsService (the handlers' path),
// and prints one JSON line: milliseconds of each call, whether the index came from the cache, the
// process's peak RSS.
import { BackupsService } from '../../electron/services/backups/backupsService';
import type { SettingsStore } from '../../electron/services/settings/settingsStore';

const [file, dataDir] = process.argv.slice(2) as [string, string];
const settings = { get: () => ({ backupDir: '', helperImage: 'ubuntu' }) } as unknown as SettingsStore;

async function main(): Promise<void> {
  const service = new BackupsService({ settings, dataDir });
  let t = performance.now();
  const root = await service.listArchiveFolder({ file, path: '', offset: 0, limit: 500 });
  const rootMs = performance.now() - t;
  const first = root.entries.find((e) => e.type === 'dir');
  t = performance.now();
  const folder = first ? await service.listArchiveFolder({ file, path: first.path, offset: 0, limit: 500 }) : null;
  const folderMs = performance.now() - t;
  t = performance.now();
  const search = await service.searchArchive({ file, query: '*07.ipynb', limit: 200 });
  const searchMs = performance.now() - t;
  console.log(
    JSON.stringify({
      archiveEntries: root.archiveEntries,
      rootMs: Math.round(rootMs),
      rootFromCache: root.fromCache,
      firstFolder: first?.path ?? null,
      folderEntries: folder?.total ?? 0,
      folderMs: Math.round(folderMs),
      searchMs: Math.round(searchMs),
      searchMatches: search.matches.length,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
