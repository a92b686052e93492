import path from 'node:path';
import { expect, test } from '@playwright/test';
import { docker, uniqueName } from '../support/docker';
import { SCREENSHOTS, sharedServedApp } from '../support/e2e';
import { testResources } from '../support/resources';
import { runInVolume, volumeTree } from '../support/volumeShell';

// Issue 16: a volume exported to an image through the More menu, then imported from that image into a
// new volume, in real Chromium against the browser-mode server and the real engine.
const res = testResources('e2e-vimg');
const app = sharedServedApp(res);
const images: string[] = [];

test.afterAll(async () => {
  for (const ref of images)
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
});

const CONTENT = `
set -e
mkdir -p /volume/notebooks/empty /volume/locked
printf '{"cells": []}' > /volume/notebooks/start.ipynb
ln /volume/notebooks/start.ipynb /volume/notebooks/hard.ipynb
ln -s start.ipynb /volume/notebooks/link.ipynb
chown -R 1001:100 /volume/notebooks
chmod 000 /volume/locked
touch -d @1700000000 /volume/notebooks/start.ipynb
chown 1001:100 /volume
`;

test('export a volume to an image, then import it into a new volume, through the dialogs', async ({ page }) => {
  test.setTimeout(180_000);
  const volume = await res.volume();
  await runInVolume(volume, CONTENT);
  const ref = `ailab-e2e-export:${uniqueName('t').toLowerCase()}`;
  images.push(ref);

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app().url);
  await page.getByPlaceholder(/Search/).fill(volume);
  await page.getByRole('row').filter({ hasText: volume }).first().click();
  const details = page.getByRole('complementary', { name: `Details of volume ${volume}` });

  // Export: the name is checked as it is typed; Enter starts it.
  await details.getByRole('button', { name: `More actions for ${volume}` }).click();
  await page.getByRole('menuitem', { name: 'Export to image…' }).click();
  const exportDialog = page.getByRole('dialog', { name: `Export ${volume} to an image` });
  const imageField = exportDialog.getByLabel('Image (name:tag)');
  await expect(imageField).toHaveValue(/^ailab-volume-e2e-vimg-[a-z0-9-]+:\d{8}$/);
  await imageField.fill('Not Valid!');
  await expect(exportDialog.getByRole('alert')).toContainText('is not allowed in an image reference');
  await expect(exportDialog.getByRole('button', { name: 'Export', exact: true })).toBeDisabled();
  await exportDialog.getByRole('checkbox', { name: /Push it/ }).check();
  await expect(exportDialog).toContainText('~/.docker/config.json');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'volume-export-dialog.png') });
  await exportDialog.getByRole('checkbox', { name: /Push it/ }).uncheck();
  await imageField.fill(ref);
  await imageField.press('Enter');
  const exportView = page.getByRole('dialog', { name: `Export of ${volume} to image ${ref}` });
  await expect(exportView.getByRole('region', { name: 'Result' })).toContainText(`Exported ${volume} to the image ${ref}`, { timeout: 60_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'volume-export-done.png') });
  await exportView.getByRole('button', { name: 'Close' }).click();

  // Import: a non-export is named and refused before anything starts; the export is described.
  await details.getByRole('button', { name: `More actions for ${volume}` }).click();
  await page.getByRole('menuitem', { name: 'Import from image…' }).click();
  const importDialog = page.getByRole('dialog', { name: `Import an image into ${volume} or a new volume` });
  const importField = importDialog.getByLabel('Image', { exact: true });
  await importField.fill('ubuntu:latest');
  await expect(importDialog.getByRole('alert').first()).toContainText('ubuntu:latest is not a volume export: an image with a command (/bin/bash)');
  await expect(importDialog.getByRole('button', { name: 'Import', exact: true })).toBeDisabled();
  await importField.fill(ref);
  await expect(importDialog.getByTestId('volumeops-import-info')).toContainText(`An export of the volume ${volume}`);
  const target = `${volume}-imported`;
  res.volumes.push(target);
  await expect(importDialog.getByLabel('New volume name')).toHaveValue(target);
  await importDialog.getByRole('radio', { name: `This volume, ${volume}` }).check();
  await expect(importDialog).toContainText('a verified safety backup');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'volume-import-dialog.png') });
  await importDialog.getByRole('radio', { name: 'A new volume' }).check();
  await importDialog.getByRole('button', { name: 'Import', exact: true }).click();
  const importView = page.getByRole('dialog', { name: `Import of image ${ref} into ${target}` });
  await expect(importView.getByRole('region', { name: 'Result' })).toContainText(`Imported the image ${ref} into ${target} (new volume)`, { timeout: 60_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'volume-import-done.png') });

  expect(await volumeTree(target)).toEqual(await volumeTree(volume));
});
