import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { backUpThroughDialog, fillFolder, SCREENSHOTS, sharedServedApp } from '../support/e2e';
import { testResources } from '../support/resources';
import { runInVolume, volumeTree } from '../support/volumeShell';

// Issue 15, "get one notebook back": a notebook deleted after the backup is found through the compare
// view and restored alone, in real Chromium against the browser-mode server and the real engine.
const res = testResources('e2e-backup-files');
const app = sharedServedApp(res);
let out: string;

test.beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-backup-files-e2e-'));
});

test.afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

const CONTENT = `
set -e
mkdir -p /volume/notebooks/sub
printf '{"cells": ["yesterday"]}' > /volume/notebooks/analysis.ipynb
printf '{"cells": []}' > /volume/notebooks/keep.ipynb
printf 'x' > /volume/notebooks/sub/deep.txt
chown -R 1001:100 /volume/notebooks
touch -d @1700000000 /volume/notebooks/analysis.ipynb
`;

test('a notebook deleted since the backup is found in the compare view and restored alone', async ({ page }) => {
  test.setTimeout(180_000);
  const volume = await res.volume();
  await runInVolume(volume, CONTENT);
  const before = await volumeTree(volume);

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app().url);
  await page.getByPlaceholder(/Search/).fill(volume);
  await page.getByRole('row').filter({ hasText: volume }).first().click();
  const file = await backUpThroughDialog(page, volume, out, `${volume}-yesterday.tgz`);

  // The mistake: the notebook is deleted, and another one is edited.
  await runInVolume(volume, 'rm /volume/notebooks/analysis.ipynb; printf "more" >> /volume/notebooks/keep.ipynb');
  const afterMistake = await volumeTree(volume);

  // The catalogue lists the backup (its folder is the remembered one); Browse… opens it.
  const details = page.getByRole('complementary', { name: `Details of volume ${volume}` });
  await details.getByRole('button', { name: 'Backups…' }).click();
  const catalogue = page.getByRole('dialog', { name: `Backups of ${volume}` });
  await catalogue.getByRole('button', { name: `Browse ${path.basename(file)}` }).click();
  const browser = page.getByRole('dialog', { name: `Backup ${path.basename(file)}` });
  await expect(browser.getByRole('table', { name: 'Contents of /' })).toContainText('notebooks');

  // Compare, with the keyboard: the tab list moves with the arrow keys.
  await browser.getByRole('tab', { name: 'Files', exact: true }).focus();
  await page.keyboard.press('ArrowRight');
  await expect(browser.getByRole('tab', { name: `Compare with ${volume} now` })).toHaveAttribute('aria-selected', 'true');
  const tree = browser.getByRole('tree', { name: `Differences between the backup and ${volume}` });
  const gone = tree.getByRole('treeitem', { name: 'notebooks/analysis.ipynb' });
  await expect(gone).toContainText('gone since the backup');
  await expect(tree.getByRole('treeitem', { name: 'notebooks/keep.ipynb' })).toContainText('changed');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'backup-files-compare.png') });

  // One click restores just it; nothing exists under its name, so nothing is asked about conflicts.
  await gone.getByRole('button', { name: 'Restore notebooks/analysis.ipynb from the backup' }).click();
  const confirm = page.getByRole('dialog', { name: `Restore notebooks/analysis.ipynb into ${volume}` });
  await expect(confirm).toContainText('1 entry');
  await expect(confirm).toContainText('AI-Lab can keep running');
  await expect(confirm.getByRole('radio', { name: 'Keep both' })).toHaveCount(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'backup-files-restore-chosen.png') });
  await confirm.getByRole('button', { name: 'Restore it' }).click();
  const view = page.getByRole('dialog', { name: `Restore into ${volume}` });
  await expect(view.getByRole('region', { name: 'Result' })).toContainText(`Restored into ${volume}`, { timeout: 60_000 });
  await view.getByRole('button', { name: 'Close' }).click();

  // The notebook is back as it was (owner, mode, time, content); the edited one kept its edit.
  const now = await volumeTree(volume);
  const line = (tree: string[], p: string) => tree.find((l) => l.startsWith(`./${p}\t`));
  expect(line(now, 'notebooks/analysis.ipynb')).toBe(line(before, 'notebooks/analysis.ipynb'));
  expect(line(now, 'notebooks/keep.ipynb')).toBe(line(afterMistake, 'notebooks/keep.ipynb'));
  expect(now.filter((l) => !l.startsWith('./notebooks/analysis.ipynb\t') && !l.startsWith('./notebooks\t'))).toEqual(
    afterMistake.filter((l) => !l.startsWith('./notebooks\t')),
  );
  // The edited notebook's backup copy goes beside it: the conflict is asked once, keep both first.
  // The catalogue it was opened from is still there under the finished job.
  await expect(catalogue).toBeVisible();
  await catalogue.getByRole('button', { name: `Browse ${path.basename(file)}` }).click();
  await browser.getByRole('tab', { name: `Compare with ${volume} now` }).click();
  await tree
    .getByRole('treeitem', { name: 'notebooks/keep.ipynb' })
    .getByRole('button', { name: /^Restore / })
    .click();
  const again = page.getByRole('dialog', { name: `Restore notebooks/keep.ipynb into ${volume}` });
  await expect(again.getByRole('radio', { name: /^Keep both/ })).toBeChecked();
  await again.getByRole('button', { name: 'Restore it' }).click();
  await expect(view.getByRole('region', { name: 'Result' })).toContainText(`Restored into ${volume}`, { timeout: 60_000 });
  await view.getByRole('button', { name: 'Close' }).click();
  const both = (await volumeTree(volume)).filter((l) => l.startsWith('./notebooks/keep'));
  expect(both).toHaveLength(2);
  expect(both).toContain(line(afterMistake, 'notebooks/keep.ipynb'));
  const copy = both.find((l) => l !== line(afterMistake, 'notebooks/keep.ipynb')) ?? '';
  // The backup's copy: its name says which backup, its content and owner are the backup's.
  expect(copy).toMatch(/^\.\/notebooks\/keep \(backup \d{4}-\d\d-\d\d \d\d-\d\d\)\.ipynb\tf\t1001:100\t644\t13\t/);
});

test('the file browser copies a notebook out to a folder of this computer and host files in, owned as the folder', async ({ page }) => {
  test.setTimeout(120_000);
  const volume = await res.volume();
  await runInVolume(volume, CONTENT);
  const host = fs.mkdtempSync(path.join(out, 'host-'));
  fs.writeFileSync(path.join(host, 'new.ipynb'), '{"cells": ["new"]}');
  fs.writeFileSync(path.join(host, 'keep.ipynb'), '{"cells": ["mine"]}');

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app().url);
  await page.getByPlaceholder(/Search/).fill(volume);
  await page.getByRole('row').filter({ hasText: volume }).first().click();
  await page.getByRole('button', { name: 'Browse files' }).click();
  const files = page.getByRole('region', { name: `Files in ${volume}` });
  await files.getByRole('button', { name: 'Open folder notebooks' }).click();
  await expect(files.getByRole('table', { name: 'Contents of /notebooks' })).toContainText('analysis.ipynb');

  // Out: the notebook lands in the chosen folder under its own name.
  await files.getByRole('button', { name: 'Copy analysis.ipynb out of the volume' }).click();
  const outDialog = page.getByRole('dialog', { name: `Copy analysis.ipynb out of ${volume}` });
  await fillFolder(outDialog, host);
  await outDialog.getByRole('button', { name: 'Copy', exact: true }).click();
  await expect(outDialog).toContainText(`Copied to ${path.join(host, 'analysis.ipynb')}`);
  expect(fs.readFileSync(path.join(host, 'analysis.ipynb'), 'utf8')).toBe('{"cells": ["yesterday"]}');
  await outDialog.getByRole('button', { name: 'Close' }).click();

  // In: two host files, one of whose names is taken: asked once, kept both; owned like the folder.
  await files.getByRole('button', { name: 'Copy in…' }).click();
  const inDialog = page.getByRole('dialog', { name: `Copy into /notebooks of ${volume}` });
  await inDialog.getByLabel(/one per line/).fill(`${path.join(host, 'new.ipynb')}\n${path.join(host, 'keep.ipynb')}`);
  await expect(inDialog.getByRole('radio', { name: /^Keep both/ })).toBeChecked();
  await expect(inDialog).toContainText('1001:100');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'backup-files-copy-in.png') });
  await inDialog.getByRole('button', { name: 'Copy in' }).click();
  await expect(inDialog).toBeHidden();
  await expect(files).toContainText('Copied 2 into /notebooks as 1001:100');
  const tree = await volumeTree(volume);
  expect(tree.find((l) => l.startsWith('./notebooks/new.ipynb\t'))).toMatch(/\tf\t1001:100\t/);
  expect(tree.find((l) => l.startsWith('./notebooks/keep (copy).ipynb\t'))).toMatch(/\tf\t1001:100\t/);
  expect(tree.find((l) => l.startsWith('./notebooks/keep.ipynb\t'))).toMatch(/\t13\t/);
});
