import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { TEST_DOCKER_HOST, uniqueName } from '../support/docker';
import { SCREENSHOTS } from '../support/e2e';
import { testResources } from '../support/resources';
import { startServedApp, type ServedApp } from '../support/serve';
import { startSecondEngine, withContexts, type SecondEngine } from '../support/secondEngine';
import { runInVolume, volumeTree } from '../support/volumeShell';

// Transfer through the UI: the volume's More menu → "Transfer to another engine…", keyboard only, to a
// second dockerd (the `xfer` context of the app's DOCKER_CONFIG); then the copy on that engine is
// compared entry by entry with its source.
const res = testResources('e2e-xfer');
let second: SecondEngine;
let configDir: string;
let app: ServedApp;
const arrived: string[] = [];

const CONTENT = `
set -e
cd /volume
mkdir -p notebooks/sub && printf 'print(1)\\n' > notebooks/a.ipynb && printf deep > notebooks/sub/d.txt
ln -s a.ipynb notebooks/link && ln notebooks/sub/d.txt notebooks/hard.txt
chown -R 1001:1001 notebooks && chmod 2750 notebooks/sub && chmod 000 notebooks/sub/d.txt
touch -h -d @1650000000 notebooks/link && find . -mindepth 1 ! -type l -exec touch -d @1650000000 {} +
`;

test.beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  second = await startSecondEngine('xfer', 8);
  configDir = withContexts(fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-e2e-xfer-')), {
    xfer: second.host,
    ...(TEST_DOCKER_HOST ? { first: TEST_DOCKER_HOST } : {}),
  });
  app = await startServedApp({ DOCKER_CONFIG: configDir });
});

test.afterAll(async () => {
  await app?.stop();
  for (const n of arrived)
    await second?.docker
      .getVolume(n)
      .remove({ force: true })
      .catch(() => undefined);
  await res.removeAll();
  await second?.stop();
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
});

/** The volume's tree on the second engine, read with the helper image the transfer brought there. */
const treeOnSecond = (volume: string) => volumeTree(volume, { engine: second.docker, image: 'ubuntu:latest' });

test('the user transfers a volume to the second engine through More → Transfer, with the keyboard', async ({ page }) => {
  const volume = await res.volume();
  await runInVolume(volume, CONTENT);
  const before = await volumeTree(volume);
  const as = uniqueName('e2e-xfer-to');
  arrived.push(as);

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app.url);
  await page.getByPlaceholder(/Search/).fill(volume);
  await page.getByRole('row').filter({ hasText: volume }).first().click();

  // Keyboard: focus the More button, open the menu with Enter, walk to the transfer entry.
  const more = page.getByRole('button', { name: `More actions for ${volume}` });
  await more.focus();
  await page.keyboard.press('Enter');
  const item = page.getByRole('menuitem', { name: 'Transfer to another engine…' });
  await expect(item).toBeVisible();
  for (let i = 0; i < 8 && !(await item.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('ArrowDown');
  await expect(item).toBeFocused();
  await page.keyboard.press('Enter');

  const dialog = page.getByRole('dialog', { name: `Transfer ${volume} to another engine` });
  await expect(dialog).toBeVisible();
  const target = dialog.getByLabel('Target engine', { exact: true });
  await expect(target).toHaveValue('xfer');
  await expect(target).toBeFocused();
  // The engine in use is listed but cannot be chosen: copying there is a clone.
  await expect(target.locator('option', { hasText: 'this engine (use Clone)' })).toBeDisabled();
  await page.keyboard.press('Tab');
  const name = dialog.getByLabel('Name on the target engine');
  await expect(name).toBeFocused();
  await expect(name).toHaveValue(volume);
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type(as);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'volume-transfer-dialog.png') });
  await page.keyboard.press('Enter');

  const view = page.getByRole('dialog', { name: `Transfer of ${volume} to xfer:${as}` });
  const result = view.getByRole('region', { name: 'Result' });
  await expect(result).toContainText(`Transferred ${volume} to ${as} on xfer (${second.host}), verified on arrival.`, { timeout: 120_000 });
  await page.screenshot({ path: path.join(SCREENSHOTS, 'volume-transfer-done.png') });

  expect(await treeOnSecond(as)).toEqual(before);
});
