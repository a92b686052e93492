import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { fillFolder, SCREENSHOTS as SHOTS } from '../support/e2e';
import { fillVolume, testResources } from '../support/resources';
import { startServedApp, type ServedApp } from '../support/serve';

// Backup plans in real Chromium against the browser-mode server and the real engine (issue 14): a plan
// set through the dialog, the protection badge after "Back up now", the catalogue and Verify, and a
// failing run's banner and badge.
const res = testResources('e2e-plans');
const dirs: string[] = [];
let served: ServedApp | undefined;
const app = (): ServedApp => {
  if (!served) throw new Error('The served app is not running.');
  return served;
};

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  // The server's own scheduler would run a never-run plan by itself within a minute, racing "Back up
  // now" (JOB_CONFLICT) at a moment of its choosing. This process holds the data folder's scheduler lock
  // instead, as an `ailab plans run` would, so every run in these tests is one the test asked for.
  const home = folder('ailab-e2e-plans-home-');
  fs.writeFileSync(path.join(home, 'plans.lock'), JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'e2e-plans-spec', since: Date.now() }));
  served = await startServedApp({ AILAB_DESKTOP_HOME: home });
  await expect.poll(() => served?.output()).toMatch(/Backup plans do not run in this process/);
});

test.afterAll(async () => {
  await res.removeAll();
  await served?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const row = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(`^Select ${escapeRe(name)} `) });

async function openVolume(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 820 });
  await page.goto(app().url);
  await page.getByLabel('Search volumes by name or label').fill(name);
  await expect(row(page, name)).toBeVisible();
}

/** The Protect dialog of `volume`, opened from its row as a person would (the action shows on hover). */
async function openProtectDialog(page: Page, volume: string) {
  await row(page, volume).hover();
  await page.getByRole('button', { name: `Protect ${volume}…` }).click();
  return page.getByRole('dialog', { name: `Protect ${volume}` });
}

/** Saves a plan of `volume` into `dest`, every other field as the dialog offers it. */
async function protect(page: Page, volume: string, dest: string): Promise<void> {
  const dialog = await openProtectDialog(page, volume);
  await fillFolder(dialog, dest);
  await dialog.getByRole('button', { name: 'Protect', exact: true }).click();
  await expect(dialog).toBeHidden();
}

/** The protection badge in the row of `volume`, which opens its plan. */
const planBadge = (page: Page, volume: string) => row(page, volume).getByRole('button', { name: new RegExp(`Edit the plan of ${escapeRe(volume)}$`) });

function folder(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

test('a plan set in the dialog protects the volume after "Back up now"; the catalogue lists and verifies the backup', async ({ page }) => {
  test.setTimeout(120_000);
  const volume = await res.volume();
  await fillVolume(volume, [
    { name: 'notebooks', type: 'directory' },
    { name: 'notebooks/start.ipynb', content: '{"cells": []}' },
    { name: 'ai_lab_secure_configuration_storage.sqlite', content: 'scs' },
  ]);
  const dest = folder('ailab-e2e-plans-');
  await openVolume(page, volume);

  // Not protected: subtle in the row, with its action named for the volume.
  await expect(row(page, volume).getByText('Not protected')).toBeVisible();
  const dialog = await openProtectDialog(page, volume);
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Folder')).toBeFocused();

  // Inline validation, then a valid plan: every 6 hours, keep the last 3.
  await fillFolder(dialog, 'relative/path');
  await dialog.getByLabel('Folder').blur();
  await expect(dialog.getByText('Give the folder as a full path, e.g. /home/me/ailab-backups.')).toBeVisible();
  await expect(dialog.getByLabel('Folder')).toHaveAttribute('aria-invalid', 'true');
  await fillFolder(dialog, dest);
  await dialog.getByLabel('Repeat').selectOption('hours');
  await dialog.getByLabel('Hours between backups').fill('6');
  await dialog.getByLabel('Keep last backups to keep').fill('3');
  await expect(dialog.getByTestId('retention-sentence')).toContainText('Keeps the newest 3 backups, the last backup of each of the last 7 days');
  await expect(dialog.getByLabel('Stop the containers using the volume during the backup')).not.toBeChecked();
  await expect(dialog.getByText('ai_lab_secure_configuration_storage.sqlite')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'plans-dialog.png') });
  await dialog.getByRole('button', { name: 'Protect', exact: true }).click();
  await expect(dialog).toBeHidden();

  // Set but not run yet.
  const badge = planBadge(page, volume);
  await expect(badge).toHaveAttribute('data-protection', 'never-run');
  await expect(badge).toContainText('Plan set · not backed up yet');

  // "Back up now" from the plan dialog, opened from the badge with the keyboard.
  await badge.focus();
  await page.keyboard.press('Enter');
  const edit = page.getByRole('dialog', { name: `Backup plan of ${volume}` });
  await edit.getByRole('button', { name: 'Back up now' }).click();
  const result = edit.getByRole('status', { name: 'Result of Back up now' });
  await expect(result).toContainText('Backed up.', { timeout: 60_000 });
  await expect(result).toContainText(`${dest}/${volume}-`);
  await page.keyboard.press('Escape');
  await expect(edit).toBeHidden();
  await expect(badge).toHaveAttribute('data-protection', 'ok');
  await expect(badge).toContainText(/^Protected · last backup just now · next \d\d:\d\d|^Protected · last backup just now · next tomorrow \d\d:\d\d/);

  // The catalogue: the new backup, verified by reading it again.
  await row(page, volume).getByText(volume, { exact: true }).click();
  const details = page.getByRole('complementary', { name: `Details of volume ${volume}` });
  await expect(details.getByRole('region', { name: `Protection of ${volume}` })).toContainText('every 6 hours');
  await details.getByRole('button', { name: 'Backups…' }).click();
  const catalogue = page.getByRole('dialog', { name: `Backups of ${volume}` });
  const backups = catalogue.getByRole('table', { name: 'Backups' });
  const entry = backups.getByRole('row', { name: new RegExp(`^${escapeRe(volume)}-\\d{8}-\\d{6}\\.tgz$`) });
  await expect(entry).toHaveCount(1);
  await expect(entry).toContainText('verified');
  await expect(entry).toContainText('fast');
  await entry.getByRole('button', { name: /^Verify / }).click();
  await expect(entry.getByText('✓ Intact')).toBeVisible();
  await expect(catalogue.getByText(/is intact: read again, it matches its manifest/)).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'plans-catalogue.png') });

  // Delete asks first, and deletes the file and its sidecar.
  const fileName = (await entry.getAttribute('aria-label')) as string;
  await entry.getByRole('button', { name: `Delete ${fileName}` }).click();
  const confirm = page.getByRole('dialog', { name: 'Delete this backup?' });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Delete backup' }).click();
  await expect(confirm).toBeHidden();
  await expect(entry).toHaveCount(0);
  expect(fs.readdirSync(dest)).toEqual([]);
});

test('a failing run shows the failure banner once and the failing badge', async ({ page }) => {
  test.setTimeout(120_000);
  const volume = await res.volume();
  const dest = folder('ailab-e2e-plans-gone-');
  await openVolume(page, volume);
  await protect(page, volume, dest);

  // The folder goes away (an unplugged disk): the next run fails.
  fs.rmSync(dest, { recursive: true });
  const badge = planBadge(page, volume);
  const edit = page.getByRole('dialog', { name: `Backup plan of ${volume}` });
  const backUpNowFails = async () => {
    await badge.click();
    await edit.getByRole('button', { name: 'Back up now' }).click();
    await expect(edit.getByRole('status', { name: 'Result of Back up now' })).toContainText('The backup failed.');
    await page.keyboard.press('Escape');
  };
  await backUpNowFails();

  const banner = page.getByRole('alert', { name: `Backup of ${volume} failed` });
  await expect(banner).toContainText(`The folder ${dest} does not exist.`);
  await expect(badge).toHaveAttribute('data-protection', 'failing');
  await expect(badge).toContainText('Backup failed');
  await expect(badge).toHaveAccessibleName(new RegExp(`^Backup failed · no backup yet\\. The folder ${escapeRe(dest)} does not exist\\.`));
  await page.screenshot({ path: path.join(SHOTS, 'plans-failure-banner.png') });

  // Dismissed, a retry that fails again does not bring it back (one failure, one banner).
  await banner.getByRole('button', { name: `Dismiss the failure of ${volume}` }).click();
  await expect(banner).toBeHidden();
  await backUpNowFails();
  await expect(badge).toHaveAttribute('data-protection', 'failing');
  await expect(banner).toBeHidden();

  // "Open plan" from a banner: a second volume fails, its banner opens its plan.
  const other = await res.volume();
  const gone = folder('ailab-e2e-plans-gone2-');
  await page.getByLabel('Search volumes by name or label').fill(other);
  // Saved first (the service checks the folder exists), then the folder goes away.
  await protect(page, other, gone);
  fs.rmSync(gone, { recursive: true });
  await planBadge(page, other).click();
  await page
    .getByRole('dialog', { name: `Backup plan of ${other}` })
    .getByRole('button', { name: 'Back up now' })
    .click();
  await page.keyboard.press('Escape');
  const banner2 = page.getByRole('alert', { name: `Backup of ${other} failed` });
  await banner2.getByRole('button', { name: 'Open plan' }).click();
  await expect(page.getByRole('dialog', { name: `Backup plan of ${other}` })).toBeVisible();
});
