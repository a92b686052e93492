import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { docker, removeVolumeQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { SCREENSHOTS as SHOTS } from '../support/e2e';
import { startServedApp, type ServedApp } from '../support/serve';
import { runInVolume } from '../support/volumeShell';

// Issue 16's clone through the UI: the More menu by keyboard, the dialog, the progress view, the result,
// and the new volume selected in the list with the same files as the source.
let app: ServedApp;
const volumes: string[] = [];

/** Every entry with type, mode, owner, size, nanosecond mtime, link target, and the content's sha256. */
const treeOf = (volume: string) =>
  runInVolume(volume, `cd /volume && find . -printf '%y %m %U:%G %s %T@ %l %p\\n' | sort -k7 && find . -type f -exec sha256sum {} + | sort -k2`);

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  app = await startServedApp();
});

test.afterAll(async () => {
  await app?.stop();
  for (const v of volumes) await removeVolumeQuietly(v);
});

async function openVolume(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name: 'Volumes' }).click();
  await page.getByPlaceholder(/Search/).fill(name);
  await page.getByRole('row').filter({ hasText: name }).first().click();
  await expect(page.getByRole('complementary', { name: `Details of volume ${name}` })).toBeVisible();
}

test('clones a volume through the More menu with the keyboard, follows its progress and selects the copy', async ({ page }) => {
  test.setTimeout(180_000);
  const source = uniqueName('e2e-clone-src');
  await docker.createVolume({ Name: source, Labels: { ...TEST_LABEL, team: 'ds' } });
  volumes.push(source);
  await runInVolume(
    source,
    `set -e; cd /volume; mkdir -p notebooks/data locked; i=0; while [ $i -lt 400 ]; do echo "cell $i" > notebooks/nb-$i.ipynb; i=$((i+1)); done
     for i in 1 2 3; do head -c 8000000 /dev/urandom > notebooks/data/blob-$i.bin; done
     ln -s nb-1.ipynb notebooks/latest; ln notebooks/nb-2.ipynb notebooks/hard; chown -R 1001:1001 notebooks; chmod 000 locked; chmod 2775 notebooks/data`,
  );
  const target = `${source}-copy`;
  volumes.push(target);

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app.url);
  await openVolume(page, source);

  const more = page.getByRole('button', { name: `More actions for ${source}` });
  await more.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: 'Clone…' })).toBeFocused();
  await page.keyboard.press('Enter');

  const dialog = page.getByRole('dialog', { name: `Clone ${source}` });
  const nameInput = dialog.getByLabel('Name of the copy');
  await expect(nameInput).toBeFocused();
  await expect(nameInput).toHaveValue(target);
  // Docker's rule as you type, and a taken name caught.
  await page.keyboard.press('End');
  await page.keyboard.type(' x');
  await expect(dialog.getByText(/is not allowed in a volume name/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Clone' })).toBeDisabled();
  await nameInput.fill(source);
  await expect(dialog.getByText(`A volume named "${source}" already exists.`, { exact: false })).toBeVisible();
  await nameInput.fill(target);
  await expect(dialog.getByLabel(/Copy the labels/)).toBeChecked();
  await page.screenshot({ path: path.join(SHOTS, 'volumeops-clone-dialog.png') });
  await page.keyboard.press('Enter');

  const view = page.getByRole('dialog', { name: `Clone of ${source} to ${target}` });
  await expect(view).toBeVisible();
  await expect(dialog).toHaveCount(0);
  const result = view.getByRole('region', { name: 'Result' });
  await expect(result).toContainText(`Cloned ${source} to ${target}, verified entry by entry.`, { timeout: 120_000 });
  await expect(result).toContainText('409 entries');
  await expect(view.getByRole('log')).toContainText('Check passed: 409 entries, the same on both sides.');
  await page.screenshot({ path: path.join(SHOTS, 'volumeops-clone-result.png') });
  await page.keyboard.press('Escape');
  await expect(view).toHaveCount(0);

  // The copy is in the list, selected, with the source's label and the same files.
  await expect(page.getByRole('complementary', { name: `Details of volume ${target}` })).toBeVisible({ timeout: 10_000 });
  await expect(page.getByRole('row', { name: new RegExp(`^Select ${target} `) })).toHaveAttribute('aria-selected', 'true');
  await page.screenshot({ path: path.join(SHOTS, 'volumeops-clone-selected.png') });
  const labels = ((await docker.getVolume(target).inspect()) as { Labels: Record<string, string> }).Labels;
  expect(labels).toMatchObject({ team: 'ds' });
  const [a, b] = [await treeOf(source), await treeOf(target)];
  expect(a.split('\n').length).toBeGreaterThan(800);
  expect(b).toBe(a);
});

test('rename is not offered while a container uses the volume; empty takes a safety backup first by default', async ({ page }) => {
  test.setTimeout(120_000);
  const volume = uniqueName('e2e-empty');
  await docker.createVolume({ Name: volume, Labels: { ...TEST_LABEL } });
  volumes.push(volume);
  await runInVolume(volume, 'mkdir -p /volume/a/b && echo x > /volume/a/b/c && echo y > /volume/d');
  const holder = await docker.createContainer({
    Image: 'ubuntu',
    name: uniqueName('e2e-holder'),
    Cmd: ['true'],
    Labels: { ...TEST_LABEL },
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }] },
  });
  const holderName = (await holder.inspect()).Name.replace(/^\//, '');

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app.url);
  await openVolume(page, volume);
  await page.getByRole('button', { name: `More actions for ${volume}` }).click();
  const rename = page.getByRole('menuitem', { name: 'Rename…' });
  await expect(rename).toBeDisabled();
  await expect(rename).toHaveAttribute('title', new RegExp(`Used by ${holderName}: remove those containers first`));
  await page.screenshot({ path: path.join(SHOTS, 'volumeops-rename-disabled.png') });
  await page.keyboard.press('Escape');
  await holder.remove({ force: true });

  await page.getByRole('button', { name: `More actions for ${volume}` }).click();
  await page.getByRole('menuitem', { name: 'Empty…' }).click();
  const dialog = page.getByRole('dialog', { name: `Empty ${volume}` });
  await expect(dialog.getByLabel('Take a safety backup first')).toBeChecked();
  await expect(dialog.getByText(/packed and verified into the app’s safety folder/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.screenshot({ path: path.join(SHOTS, 'volumeops-empty-dialog.png') });
  await dialog.getByRole('button', { name: 'Back up and empty' }).click();
  const view = page.getByRole('dialog', { name: `Emptying ${volume}` });
  const result = view.getByRole('region', { name: 'Result' });
  await expect(result).toContainText(`Emptied ${volume}: 4 entries removed`, { timeout: 90_000 });
  await expect(result).toContainText(/The previous contents are kept in .*safety.*\.tgz/);
  await page.screenshot({ path: path.join(SHOTS, 'volumeops-empty-result.png') });
  expect(await runInVolume(volume, 'find /volume -mindepth 1 | wc -l')).toBe('0\n');
});
