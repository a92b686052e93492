import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { docker, uniqueName } from '../support/docker';
import { SCREENSHOTS as SHOTS } from '../support/e2e';
import { AI_LAB_FIXTURES } from '../support/fixtures';
import { freePort } from '../support/ports';
import { fillVolume, testResources } from '../support/resources';
import { startServedApp, type ServedApp } from '../support/serve';

// Issue 18 in real Chromium against the browser mode: launch 6.1.0, upgrade it to 6.2.0 from its row,
// see the pending upgrade survive a reload, roll back. The backup goes to this spec's own HOME.
const resources = testResources('e2e-upgrade');
let app: ServedApp;
let home: string;

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-e2e-upgrade-home-'));
  app = await startServedApp({ HOME: home });
});

test.afterAll(async () => {
  const left = await docker.listContainers({ all: true });
  for (const c of left)
    if (c.Names.some((n) => n.includes('e2e-upgrade-')))
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
  await resources.removeAll();
  await app?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

test('upgrade an AI-Lab container through the UI, reload, then roll back', async ({ page }) => {
  test.setTimeout(180_000);
  const volume = await resources.volume(uniqueName('e2e-upgrade-nb'));
  await fillVolume(volume, [{ name: 'mine.ipynb', content: '{"cells":[]}' }]);
  const name = uniqueName('e2e-upgrade');
  resources.containers.push(name);
  const port = await freePort();

  await page.setViewportSize({ width: 1200, height: 1000 });
  await page.goto(app.url);
  await page.getByRole('tab', { name: 'AI-Lab' }).click();
  await page.getByLabel('Image').fill(AI_LAB_FIXTURES.aiLab6.alias);
  await page.getByLabel('Volume', { exact: true }).selectOption(volume);
  await page.getByLabel('Container name').fill(name);
  await page.getByLabel('Host port').fill(String(port));
  await page.getByLabel('Open in the browser when Jupyter is ready').uncheck();
  await page.getByRole('button', { name: 'Launch AI-Lab' }).click();
  await expect(page.getByRole('status', { name: 'Launch state' })).toContainText('Ready', { timeout: 40_000 });
  const oldId = (await docker.getContainer(name).inspect()).Id;

  const row = page.getByRole('row', { name });
  await expect(row).toContainText('running');

  // Keyboard: the row's button opens the dialog, Escape closes it and gives focus back.
  const upgradeButton = row.getByRole('button', { name: `Upgrade ${name}` });
  await upgradeButton.focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: `Upgrade ${name}` });
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(upgradeButton).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeVisible();

  // Newer local images are offered (6.2.0 under both names); 1.0.0 is older and is not.
  const images = dialog.getByRole('group', { name: 'Newer images on this Docker host' });
  await expect(images.getByRole('radio', { name: new RegExp(AI_LAB_FIXTURES.aiLab62.alias.replace(/[.]/g, '\\.')) })).toBeVisible();
  await expect(images).not.toContainText('1.0.0');
  const field = dialog.getByLabel(/Image \(a tag to pull/);
  await field.fill(AI_LAB_FIXTURES.aiLab62.alias);
  await field.press('Enter');

  const plan = dialog.getByLabel('Upgrade plan');
  await expect(plan).toContainText('6.2.0 is newer than 6.1.0');
  await expect(plan).toContainText(path.join(home, 'ailab-backups'));
  await expect(plan).toContainText(/kept, stopped, as/);
  await expect(plan).toContainText('/home/jupyter/notebooks');
  await page.screenshot({ path: path.join(SHOTS, 'upgrade-plan.png') });
  await expect(dialog.getByRole('button', { name: 'Upgrade to 6.2.0' })).toBeFocused();
  await page.keyboard.press('Enter');

  const steps = dialog.getByRole('list', { name: 'Upgrade steps' });
  await expect(dialog).toContainText(`${AI_LAB_FIXTURES.aiLab62.alias} is ready`, { timeout: 60_000 });
  for (const step of ['check', 'backup', 'rename', 'start', 'wait'])
    await expect(steps.locator(`[data-step="${step}"]`)).toHaveAttribute('data-status', 'done');
  await expect(steps.locator('[data-step="stop"]')).toHaveAttribute('data-status', 'done');
  await page.screenshot({ path: path.join(SHOTS, 'upgrade-ready.png') });
  expect((await docker.getContainer(name).inspect()).Config.Image).toBe(AI_LAB_FIXTURES.aiLab62.alias);
  const backups = fs.readdirSync(path.join(home, 'ailab-backups')).filter((f) => f.endsWith('.tgz'));
  expect(backups).toHaveLength(1);

  // The pending upgrade is main's: a reload shows it on the row.
  await page.reload();
  await page.getByRole('tab', { name: 'AI-Lab' }).click();
  const upgradedRow = page.getByRole('row', { name, exact: true });
  await expect(upgradedRow).toContainText('upgrade pending');
  await expect(upgradedRow).toContainText('6.2.0');
  await expect(page.getByText(`Kept for a roll back of “${name}”.`)).toBeVisible();
  await page.locator('section[aria-labelledby="al-containers-title"]').screenshot({ path: path.join(SHOTS, 'upgrade-pending-row.png') });

  await upgradedRow.getByRole('button', { name: `Keep or roll back the upgrade of ${name}` }).click();
  const decide = page.getByRole('dialog', { name: `Upgrade ${name}` });
  await expect(decide).toContainText(`was upgraded from ${AI_LAB_FIXTURES.aiLab6.alias} to ${AI_LAB_FIXTURES.aiLab62.alias}`);
  await expect(decide.getByRole('button', { name: 'Keep 6.2.0' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(decide.getByRole('button', { name: 'Roll back' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(decide).toContainText(/is back on .*6\.1\.0 and running; .* was restored from the backup/, { timeout: 60_000 });
  const rollbackSteps = decide.getByRole('list', { name: 'Upgrade steps' });
  for (const step of ['remove-new', 'restore', 'rename-back', 'start-old'])
    await expect(rollbackSteps.locator(`[data-step="${step}"]`)).toHaveAttribute('data-status', 'done');
  await page.screenshot({ path: path.join(SHOTS, 'upgrade-rolled-back.png') });
  await decide.getByRole('button', { name: 'Close' }).click();
  await expect(decide).toBeHidden();

  const after = await docker.getContainer(name).inspect();
  expect(after.Id).toBe(oldId);
  expect(after.State.Running).toBe(true);
  expect(after.Config.Image).toBe(AI_LAB_FIXTURES.aiLab6.alias);
  await expect(page.getByRole('row', { name, exact: true })).not.toContainText('upgrade pending');
  await expect(page.getByText(`Kept for a roll back of “${name}”.`)).toBeHidden();
});
