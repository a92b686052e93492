import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { SCREENSHOTS, sharedServedApp } from '../support/e2e';
import { dropFiles } from './drop';
import { useTestEngine } from '../support/docker';
import { GNU_TAR_IMAGE } from '../support/fixtures';
import { runGuideTar } from '../support/guideTar';
import { fillVolume, testResources } from '../support/resources';

// Dialogs own the keyboard however they open (issue 12): focus inside, Tab kept inside, Escape closes,
// focus goes back, and the page behind is inert, also for dialogs a dropped file opened.
const res = testResources('e2e-dialogs');
const app = sharedServedApp(res);
let out: string;
let archive: Buffer;
let volume: string;

test.beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-dialogs-e2e-'));
  volume = await res.volume();
  await fillVolume(volume, [
    { name: 'notebooks', type: 'directory' },
    { name: 'notebooks/a.ipynb', content: '{}' },
  ]);
  // The AI-Lab guide's backup command.
  runGuideTar({ volume, dir: out, image: GNU_TAR_IMAGE, offline: true, env: useTestEngine({ ...process.env }) }, ['-czf', '/dest/guide.tgz', '.']);
  archive = fs.readFileSync(path.join(out, 'guide.tgz'));
});

test.afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

async function focusInside(dialog: Locator): Promise<boolean> {
  return dialog.evaluate((el) => el.contains(document.activeElement));
}

async function expectTabStaysInside(page: Page, dialog: Locator, presses = 14): Promise<void> {
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press(i % 5 === 4 ? 'Shift+Tab' : 'Tab');
    expect(await focusInside(dialog), `focus left the dialog after ${i + 1} presses`).toBe(true);
  }
}

async function openVolume(page: Page, name: string): Promise<void> {
  await page.goto(app().url);
  await page.getByPlaceholder(/Search/).fill(name);
  await page.getByRole('row').filter({ hasText: name }).first().click();
  await expect(page.getByRole('complementary', { name: `Details of volume ${name}` })).toBeVisible();
}

test('a Restore dialog opened by a drop takes the focus, keeps Tab inside, closes on Escape and gives the focus back', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 860 });
  await openVolume(page, volume);
  const remove = page.getByRole('button', { name: 'Remove…' });
  await remove.focus();

  await dropFiles(page, [{ name: 'guide.tgz', content: archive }]);
  const dialog = page.getByRole('dialog', { name: 'Restore guide.tgz' });
  await expect(dialog.getByRole('region', { name: 'What the archive holds' })).toBeVisible();
  // The plan arrived after the dialog opened: the focus moved on to its first control.
  await expect.poll(() => focusInside(dialog)).toBe(true);
  await expect(page.locator('#root')).toHaveAttribute('inert', '');
  await expectTabStaysInside(page, dialog);
  // Keyboard focus visible, for the record.
  await dialog.getByRole('radio', { name: 'A new volume' }).focus();
  await page.keyboard.press('Tab');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'restore-dialog-dropped-keyboard.png') });

  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(remove).toBeFocused();
  await expect(page.locator('#root')).not.toHaveAttribute('inert', '');
  // Enter now acts on what has the focus, and the dialog it opens is the one on top, with the focus.
  await page.keyboard.press('Enter');
  const removeDialog = page.getByRole('dialog', { name: new RegExp(`Remove.*${volume}`) });
  await expect(removeDialog).toBeVisible();
  await expect.poll(() => focusInside(removeDialog)).toBe(true);
  await page.keyboard.press('Escape');
  await expect(removeDialog).toBeHidden();
  await expect(remove).toBeFocused();
});

test('"This file cannot be restored" opened by a drop focuses Close and closes on Escape', async ({ page }) => {
  await openVolume(page, volume);
  const remove = page.getByRole('button', { name: 'Remove…' });
  await remove.focus();
  await dropFiles(page, [{ name: 'fake.tgz', content: Buffer.from('not really gzip') }]);
  const dialog = page.getByRole('dialog', { name: 'Restore fake.tgz' });
  await expect(dialog.getByRole('alert')).toContainText('This file cannot be restored');
  await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
  await expectTabStaysInside(page, dialog, 5);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(remove).toBeFocused();
});

test('an archive dropped while a dialog is open waits, says so, and opens when the dialog closes', async ({ page }) => {
  await page.goto(app().url);
  await dropFiles(page, [{ name: 'first.tgz', content: archive }]);
  const first = page.getByRole('dialog', { name: 'Restore first.tgz' });
  await expect(first.getByRole('region', { name: 'What the archive holds' })).toBeVisible();
  // A real drop lands on the backdrop: the page behind is inert.
  await dropFiles(page, [{ name: 'second.tgz', content: archive }], '.dialog-backdrop');
  await expect(page.getByRole('status').filter({ hasText: 'second.tgz waits' })).toContainText('it opens when the open dialog closes');
  await expect(first).toBeVisible();
  await page.keyboard.press('Escape');
  const second = page.getByRole('dialog', { name: 'Restore second.tgz' });
  await expect(second.getByRole('region', { name: 'What the archive holds' })).toBeVisible();
  await expect.poll(() => focusInside(second)).toBe(true);
  await expect(page.getByText('second.tgz waits')).toHaveCount(0);

  // Several at once while one is open, then discarded.
  await dropFiles(
    page,
    [
      { name: 'third.tgz', content: archive },
      { name: 'fourth.tgz', content: archive },
    ],
    '.dialog-backdrop',
  );
  const queued = page.getByRole('status').filter({ hasText: '2 archives wait' });
  await expect(queued).toContainText('third.tgz, fourth.tgz');
  await queued.getByRole('button', { name: 'Discard' }).click();
  await expect(queued).toBeHidden();
  await page.keyboard.press('Escape');
  await expect(second).toBeHidden();
  await page.waitForTimeout(300);
  await expect(page.getByRole('dialog')).toHaveCount(0);
});

test('the Restore dialog can be cancelled before a file is chosen, and takes a file dropped on it', async ({ page }) => {
  await openVolume(page, volume);
  const restore = page.getByRole('button', { name: 'Restore…' });
  await restore.click();
  const dialog = page.getByRole('dialog', { name: 'Restore a backup' });
  await expect(dialog.getByRole('button', { name: 'Choose a backup…' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(restore).toBeFocused();

  await restore.click();
  await dropFiles(page, [{ name: 'picked.tgz', content: archive }], '.dialog-backdrop');
  const picked = page.getByRole('dialog', { name: 'Restore picked.tgz' });
  await expect(picked.getByRole('region', { name: 'What the archive holds' })).toBeVisible();
  // It kept the volume the dialog was opened for.
  await expect(picked.getByRole('radio', { name: /replacing/ })).toBeChecked();
  await expect(picked.getByLabel('Volume to restore into')).toHaveValue(volume);
  await expect(page.getByText('picked.tgz waits')).toHaveCount(0);
  await picked.getByRole('button', { name: 'Cancel' }).click();
  await expect(restore).toBeFocused();
});
