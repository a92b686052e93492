import type { BackupManifest, TopFolderAdvice } from '../../../shared/contract/jobs';
import { pathComponents } from '../archive/inspectArchive';
import type { ArchiveInspection } from '../archive/types';

const EXAMPLES = 3;

/**
 * What a restore does with an archive whose entries all sit in one folder: the one rule the Restore
 * dialog and `ailab restore` both show. Nothing is ever stripped unless the user asks.
 *
 * - A backup of a volume (our manifest, or the `./` entry that `tar -C /volume -czvf … .` writes, which
 *   is the AI-Lab guide's command and this app's own engines) restores as it was: its one folder is a
 *   folder of the volume (`notebooks/`), and moving its files up broke the running AI-Lab's paths in the
 *   trial of issue 12. The strip is not offered.
 * - Anything else with one wrapping folder looks like a copied folder (`docker cp ctr:/…/notebooks -`, a
 *   zipped-up folder): the strip is offered, unticked, with the paths it would give.
 */
export function topFolderAdvice(
  inspection: Pick<ArchiveInspection, 'topFolder' | 'rootEntry' | 'sample'>,
  manifest: Pick<BackupManifest, 'volume'> | null,
): TopFolderAdvice | null {
  const folder = inspection.topFolder;
  if (folder === null) return null;
  const examples = strippedExamples(inspection.sample, folder);
  if (manifest) {
    return {
      folder,
      offered: false,
      examples,
      why: `This is AI-Lab Desktop's backup of volume ${manifest.volume}: it is restored as it was, ${folder} included.`,
    };
  }
  if (inspection.rootEntry) {
    return {
      folder,
      offered: false,
      examples,
      why: `This is a backup of a whole volume (it starts with the "./" entry that the AI-Lab guide's tar command and this app write): it is restored as it was, ${folder} included.`,
    };
  }
  return {
    folder,
    offered: true,
    examples,
    why: `Everything is inside ${folder} and there is no "./" entry, so this looks like a copied folder (docker cp, or a folder packed with tar) rather than a volume backup. It is restored as it is unless you strip that folder.`,
  };
}

/** Up to three paths under `folder` as a strip would write them: `./notebooks/a.ipynb` → `a.ipynb`. Files first. */
function strippedExamples(sample: string[], folder: string): TopFolderAdvice['examples'] {
  const prefix = pathComponents(folder);
  const found: Array<{ path: string; stripped: string; dir: boolean }> = [];
  for (const raw of sample) {
    const parts = pathComponents(raw);
    if (parts.length <= prefix.length || prefix.some((p, i) => parts[i] !== p)) continue;
    const dir = raw.endsWith('/');
    const tail = dir ? '/' : '';
    found.push({ path: `${parts.join('/')}${tail}`, stripped: `${parts.slice(prefix.length).join('/')}${tail}`, dir });
  }
  return [...found.filter((e) => !e.dir), ...found.filter((e) => e.dir)].slice(0, EXAMPLES).map(({ path, stripped }) => ({ path, stripped }));
}
