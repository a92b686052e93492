import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { backUpThroughDialog, SCREENSHOTS, sharedServedApp } from '../support/e2e';
import { dropFiles } from './drop';
import { testResources } from '../support/resources';
import { runInVolume, volumeTree } from '../support/volumeShell';

// Issue 12: restoring a volume's own backup with every default must give back an identical tree. The
// trial's volume held one folder (notebooks/), and the dialog used to strip it by default.
const res = testResources('e2e-roundtrip');
const app = sharedServedApp(res);
let out: string;

test.beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-roundtrip-e2e-'));
});

test.afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

/** Everything under notebooks/, as an AI-Lab volume of the trial: owners, modes, links, times, the SCS. */
const CONTENT = `
set -e
cd /volume
mkdir -p "notebooks/sp ace/sub" notebooks/empty
printf '{"cells": []}' > notebooks/a.ipynb
printf 'über' > "notebooks/sp ace/ü.txt"
printf 'secret' > notebooks/ai_lab_secure_configuration_storage.sqlite
chmod 600 notebooks/ai_lab_secure_configuration_storage.sqlite
chmod 700 notebooks/empty
ln -s a.ipynb notebooks/link.ipynb
ln notebooks/a.ipynb notebooks/hard.ipynb
chown -R 1001:1001 notebooks
chown 1234:5678 "notebooks/sp ace/ü.txt"
touch -h -d @1600000000 notebooks/link.ipynb
find . -mindepth 1 ! -type l -exec touch -d @1650000000 {} +
chown 1001:1001 /volume
chmod 775 /volume
touch -d @1660000000 /volume
`;

/** Confirms the Restore dialog exactly as it opened (every default), and waits for the result. */
async function restoreWithDefaults(page: Page, dialogName: string, volume: string, why: RegExp): Promise<void> {
  const dialog = page.getByRole('dialog', { name: dialogName });
  await expect(dialog.getByRole('region', { name: 'What the archive holds' })).toBeVisible();
  await expect(dialog.getByRole('radio', { name: /replacing/ })).toBeChecked();
  await expect(dialog.getByLabel('Volume to restore into')).toHaveValue(volume);
  // The plan says why nothing is stripped, and does not offer it for a volume backup.
  await expect(dialog).toContainText(why);
  await expect(dialog.getByRole('checkbox', { name: /Strip/ })).toHaveCount(0);
  await page.screenshot({ path: path.join(SCREENSHOTS, `roundtrip-${dialogName.replace(/\W+/g, '-')}.png`) });
  await dialog.getByRole('button', { name: `Replace ${volume}` }).click();
  const view = page.getByRole('dialog', { name: `Restore into ${volume}` });
  await expect(view.getByRole('region', { name: 'Result' })).toContainText(`Restored into ${volume}`, { timeout: 60_000 });
  await view.getByRole('button', { name: 'Close' }).click();
}

test("restoring a volume's own backup with every default gives back an identical tree", async ({ page }) => {
  test.setTimeout(180_000);
  const volume = await res.volume();
  await runInVolume(volume, CONTENT);
  const before = await volumeTree(volume);
  expect(before.join('\n')).toContain('./notebooks/a.ipynb\tf\t1001:1001');

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app().url);
  await page.getByPlaceholder(/Search/).fill(volume);
  await page.getByRole('row').filter({ hasText: volume }).first().click();
  const file = await backUpThroughDialog(page, volume, out, 'own.tgz');

  // 1. Dropped on its row (browser mode uploads it: no manifest beside it, the "./" entry decides).
  await dropFiles(page, [{ name: 'own.tgz', content: fs.readFileSync(file) }], `[role="row"][data-name="${volume}"]`);
  await restoreWithDefaults(page, 'Restore own.tgz', volume, /backup of a whole volume .* restored as it was, notebooks\/ included/);
  expect(await volumeTree(volume)).toEqual(before);

  // 2. Chosen by its path through "Restore…" (the manifest beside it is read).
  await page.getByRole('button', { name: 'Restore…' }).click();
  const picker = page.getByRole('dialog', { name: 'Restore a backup' });
  await picker.getByLabel('Or the path of an archive on this machine').fill(file);
  await picker.getByRole('button', { name: 'Check' }).click();
  await restoreWithDefaults(
    page,
    'Restore own.tgz',
    volume,
    new RegExp(`AI-Lab Desktop's backup of volume ${volume}: it is restored as it was, notebooks/ included`),
  );
  expect(await volumeTree(volume)).toEqual(before);
});
