import { describe, expect, it } from 'vitest';
import { topFolderAdvice } from '../../electron/services/jobs/topFolderAdvice';

const volumeBackup = {
  topFolder: 'notebooks/',
  rootEntry: true,
  sample: ['./', './notebooks/', './notebooks/a.ipynb', './notebooks/sub/', './notebooks/sub/b.txt'],
};
const copiedFolder = {
  topFolder: 'notebooks/',
  rootEntry: false,
  sample: ['notebooks/', 'notebooks/sub/', 'notebooks/a.ipynb', 'notebooks/sub/b.txt', 'notebooks/c.txt', 'notebooks/d.txt'],
};

describe('the top-folder rule (one for the Restore dialog and ailab restore)', () => {
  it('says nothing when the archive has no single top folder', () => {
    expect(topFolderAdvice({ topFolder: null, rootEntry: true, sample: ['./', './a', './b/'] }, null)).toBeNull();
  });

  it("never offers to strip the app's own backup (manifest), even without a ./ entry", () => {
    const a = topFolderAdvice({ ...copiedFolder }, { volume: 'nc-data' });
    expect(a).toMatchObject({ folder: 'notebooks/', offered: false });
    expect(a?.why).toBe("This is AI-Lab Desktop's backup of volume nc-data: it is restored as it was, notebooks/ included.");
  });

  it("never offers to strip a volume backup with the ./ entry (the AI-Lab guide's tar command)", () => {
    const a = topFolderAdvice(volumeBackup, null);
    expect(a).toMatchObject({ folder: 'notebooks/', offered: false });
    expect(a?.why).toMatch(
      /^This is a backup of a whole volume \(it starts with the "\.\/" entry that the AI-Lab guide's tar command and this app write\): it is restored as it was, notebooks\/ included\.$/,
    );
  });

  it('offers the strip for a copied folder, explained with up to three paths it would give, files first', () => {
    const a = topFolderAdvice(copiedFolder, null);
    expect(a).toMatchObject({ folder: 'notebooks/', offered: true });
    expect(a?.why).toMatch(/looks like a copied folder \(docker cp, or a folder packed with tar\)/);
    expect(a?.why).toMatch(/restored as it is unless you strip that folder/);
    expect(a?.examples).toEqual([
      { path: 'notebooks/a.ipynb', stripped: 'a.ipynb' },
      { path: 'notebooks/sub/b.txt', stripped: 'sub/b.txt' },
      { path: 'notebooks/c.txt', stripped: 'c.txt' },
    ]);
  });

  it('follows nested single folders and keeps a folder its slash', () => {
    const a = topFolderAdvice({ topFolder: 'backup/myvol/', rootEntry: false, sample: ['backup/', 'backup/myvol/', 'backup/myvol/x/'] }, null);
    expect(a?.examples).toEqual([{ path: 'backup/myvol/x/', stripped: 'x/' }]);
  });
});
