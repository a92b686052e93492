import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { fillFolder, SCREENSHOTS, sharedServedApp } from '../support/e2e';
import { AI_LAB_6_IMAGE } from '../support/fixtures';
import { fillVolume, testResources } from '../support/resources';
import { dropFiles } from './drop';

// Issue 12: what a newcomer saw out of place, measured in real Chromium; and the tabs in the URL.
const res = testResources('e2e-layout');
const app = sharedServedApp(res);

type Box = { left: number; right: number; top: number; bottom: number };

/** Where the text of an element actually ends (not its box): a Range over its contents. */
async function textBox(el: Locator): Promise<Box> {
  return el.evaluate((node) => {
    const range = document.createRange();
    range.selectNodeContents(node);
    const r = range.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  });
}

async function box(el: Locator): Promise<Box> {
  return el.evaluate((node) => {
    const r = node.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  });
}

async function openList(page: Page, search: string, width = 1280): Promise<void> {
  await page.setViewportSize({ width, height: 760 });
  await page.goto(app().url);
  await page.getByLabel('Search volumes by name or label').fill(search);
}

test('the volume list: Size header over its numbers, dividers to the card edge, inline actions on hover and focus', async ({ page }) => {
  const volume = await res.volume(undefined, { owner: 'layout' });
  await fillVolume(volume, [{ name: 'a.ipynb', content: 'x'.repeat(2_400) }]);
  await openList(page, volume);
  const grid = page.getByRole('grid', { name: 'Volumes' });
  const row = grid.getByRole('row').filter({ hasText: volume });
  // Cells: tick box, name, used by, protection, size.
  await expect(row.getByRole('gridcell').nth(4)).toHaveText('2.4 kB', { timeout: 30_000 });

  const header = await textBox(grid.getByRole('button', { name: 'Sort by size' }));
  const value = await textBox(row.getByRole('gridcell').nth(4));
  expect(Math.abs(header.right - value.right)).toBeLessThanOrEqual(1);

  const card = await box(page.locator('.vol-list-area'));
  const rowBox = await box(row);
  // The card's 1 px border, nothing else: no scrollbar gutter kept free beside the rows.
  expect(card.right - rowBox.right).toBeLessThanOrEqual(1.5);

  // Hover: the row's main actions appear inline and work.
  await expect(row.getByRole('button', { name: `Back up ${volume}` })).toBeHidden();
  await row.hover();
  await row.getByRole('button', { name: `Back up ${volume}` }).click();
  await expect(page.getByRole('dialog', { name: `Back up ${volume}` })).toBeVisible();
  await page.keyboard.press('Escape');

  // Keyboard: Tab from the focused row goes to its actions, shown while the row has the focus.
  await page.mouse.move(0, 0);
  await row.focus();
  // The protection cell's action comes first, in reading order.
  await page.keyboard.press('Tab');
  await expect(row.getByRole('button', { name: `Protect ${volume}…` })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(row.getByRole('button', { name: `Back up ${volume}` })).toBeFocused();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(row.getByRole('button', { name: `Remove ${volume}` })).toBeFocused();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'layout-row-actions.png') });
  await page.keyboard.press('Enter');
  const remove = page.getByRole('dialog', { name: `Remove volume “${volume}”?` });
  await expect(remove).toContainText(`Volume “${volume}” and every file in it will be deleted.`);
  await page.keyboard.press('Escape');
});

test('at 1000 px with the details open: the user fits, the toolbar is one line, the toast keeps its ✕ beside the text', async ({ page }) => {
  const volume = await res.volume();
  const container = await res.container(volume, { name: `${volume}-lab`, image: AI_LAB_6_IMAGE, target: '/home/jupyter/notebooks', running: true });
  await openList(page, volume, 1000);
  const row = page.getByRole('grid', { name: 'Volumes' }).getByRole('row').filter({ hasText: volume });
  await row.click();
  await expect(page.getByRole('complementary', { name: `Details of volume ${volume}` })).toBeVisible();
  const user = row.locator('.vol-usedby .vol-ellipsis');
  await expect(user).toHaveText(container.name);
  // Fits as far as the column allows: nothing else in the cell takes the name's room.
  const fits = await user.evaluate((el) => el.scrollWidth <= el.clientWidth);
  const cellRoom = await row.locator('.c-used').evaluate((el) => el.clientWidth);
  expect(fits || cellRoom < 140).toBe(true);
  const search = await box(page.getByLabel('Search volumes by name or label'));
  const create = await box(page.getByRole('button', { name: 'New volume' }));
  expect(Math.abs(create.top - search.top)).toBeLessThanOrEqual(2);

  await dropFiles(page, [{ name: 'a-rather-long-file-name-that-is-not-a-backup-at-all.txt', content: Buffer.from('hi') }]);
  const toast = page.getByRole('alert').filter({ hasText: 'is not a backup' });
  const text = await box(toast.locator('.jobs-toast-text'));
  const dismiss = await box(toast.getByRole('button', { name: 'Dismiss' }));
  expect(dismiss.left).toBeGreaterThanOrEqual(text.right - 1);
  expect(dismiss.top).toBeLessThan(text.bottom);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'layout-1000-details.png') });
});

test('tabs live in the URL: a reload keeps the tab, back and forward move between tabs', async ({ page }) => {
  await page.goto(app().url);
  await expect(page.getByRole('tab', { name: 'Volumes' })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('tab', { name: 'Jobs' }).click();
  await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/[^#]*#\/jobs$/);
  await page.reload();
  await expect(page.getByRole('tab', { name: 'Jobs' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('heading', { name: 'Backup and restore jobs' })).toBeVisible();
  await page.getByRole('tab', { name: 'AI-Lab' }).click();
  await expect(page).toHaveURL(/#\/ailab$/);
  await page.goBack();
  await expect(page.getByRole('tab', { name: 'Jobs' })).toHaveAttribute('aria-selected', 'true');
  await page.goBack();
  await expect(page.getByRole('tab', { name: 'Volumes' })).toHaveAttribute('aria-selected', 'true');
  await page.goForward();
  await expect(page.getByRole('tab', { name: 'Jobs' })).toHaveAttribute('aria-selected', 'true');
  // Keyboard tab switching moves the URL too.
  await page.getByRole('tab', { name: 'Jobs' }).press('ArrowRight');
  await expect(page).toHaveURL(/#\/settings$/);
  await expect(page.getByRole('tab', { name: 'Settings' })).toHaveAttribute('aria-selected', 'true');
});

test('archive listing sizes line up on the right; the Restore volume picker serves replace and merge alike', async ({ page }) => {
  test.setTimeout(120_000);
  const volume = await res.volume();
  await fillVolume(volume, [
    { name: 'small.txt', content: 'x' },
    { name: 'medium.txt', content: 'x'.repeat(54_321) },
    { name: 'large.bin', content: Buffer.alloc(2_345_678, 7) },
  ]);
  const out = app().home;
  await openList(page, volume);
  await page.getByRole('grid', { name: 'Volumes' }).getByRole('row').filter({ hasText: volume }).click();
  await page.getByRole('button', { name: 'Back up…' }).click();
  const dialog = page.getByRole('dialog', { name: `Back up ${volume}` });
  await fillFolder(dialog, out);
  await dialog.getByLabel('File name').fill('layout.tgz');
  await dialog.getByRole('button', { name: 'Back up' }).click();
  const view = page.getByRole('dialog', { name: `Backup of ${volume}` });
  await view.getByRole('button', { name: 'List contents' }).click({ timeout: 60_000 });
  const listing = page.getByRole('dialog', { name: 'Contents of layout.tgz' });
  const sizes = listing.locator('.jobs-log-aside');
  await expect(sizes.filter({ hasText: '2.3 MB' })).toHaveCount(1);
  const rights = new Set<number>();
  for (const s of await sizes.filter({ hasText: /\d/ }).all()) rights.add(Math.round((await textBox(s)).right));
  expect([...rights]).toHaveLength(1);
  expect(await sizes.first().evaluate((el) => getComputedStyle(el).fontVariantNumeric)).toBe('tabular-nums');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'layout-archive-listing.png') });
  await listing.getByRole('button', { name: 'Close' }).click();
  await view.getByRole('button', { name: 'Close' }).click();

  await page.getByRole('button', { name: 'Restore…' }).click();
  const picker = page.getByRole('dialog', { name: 'Restore a backup' });
  await picker.getByLabel('Or the path of an archive on this machine').fill(path.join(out, 'layout.tgz'));
  await picker.getByRole('button', { name: 'Check' }).click();
  const restore = page.getByRole('dialog', { name: 'Restore layout.tgz' });
  const select = restore.getByLabel('Volume to restore into');
  await expect(select).toHaveValue(volume);
  // Not inside the list of choices under "merging": its own labelled line after both.
  expect(await select.evaluate((el) => el.closest('fieldset') === null && el.closest('label') === null)).toBe(true);
  const merge = await box(restore.getByRole('radio', { name: /merging/ }));
  const label = await box(restore.getByText('Volume to restore into', { exact: true }));
  expect(label.left).toBeLessThan(merge.left + 4);
  await page.screenshot({ path: path.join(SCREENSHOTS, 'layout-restore-picker.png') });
  await restore.getByRole('radio', { name: /merging/ }).check();
  await expect(select).toBeVisible();
  await page.keyboard.press('Escape');
});
