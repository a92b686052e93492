import path from 'node:path';
import { expect, test } from '@playwright/test';
import { docker, TEST_LABEL, uniqueName } from '../support/docker';
import { SCREENSHOTS, sharedServedApp } from '../support/e2e';
import { AI_LAB_6_ALIAS, AI_LAB_62_ALIAS, NOTEBOOK_DEFAULTS_DIR } from '../support/fixtures';
import { testResources } from '../support/resources';
import { runInVolume } from '../support/volumeShell';

// Issue 18, "fresh tutorials": a volume AI-Lab 6.1.0 filled gets 6.2.0's new tutorial through the
// volume's Tutorials… dialog, in real Chromium against the browser-mode server and the real engine.
const res = testResources('e2e-tutorials');
const app = sharedServedApp(res);

test('the tutorials dialog copies a new tutorial in, and leaves the changed one alone', async ({ page }) => {
  test.setTimeout(120_000);
  const volume = await res.volume();
  // AI-Lab 6.1.0's first start, as its entrypoint does it: its defaults copied in, chowned to jupyter.
  const filler = await docker.createContainer({
    name: uniqueName('e2e-tut-ailab61'),
    Image: AI_LAB_6_ALIAS,
    Entrypoint: ['sh', '-c', `cp -a ${NOTEBOOK_DEFAULTS_DIR}/. /home/jupyter/notebooks/ && chown -R 1001:1001 /home/jupyter/notebooks`],
    Cmd: [],
    Labels: { ...TEST_LABEL },
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/home/jupyter/notebooks' }], NetworkMode: 'none' },
  });
  res.containers.push(filler.id);
  await filler.start();
  await filler.wait();
  const startBefore = await runInVolume(volume, 'sha256sum < /volume/start.ipynb');

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app().url);
  await page.getByPlaceholder(/Search/).fill(volume);
  await page.getByRole('row').filter({ hasText: volume }).first().click();
  const details = page.getByRole('complementary', { name: `Details of volume ${volume}` });
  await details.getByRole('button', { name: 'Tutorials…' }).click();

  const dialog = page.getByRole('dialog', { name: `Tutorials for ${volume}` });
  await dialog.getByLabel('Image').selectOption(AI_LAB_62_ALIAS);
  await expect(dialog.getByRole('group', { name: 'New (1)' })).toBeVisible({ timeout: 30_000 });
  const fresh = dialog.getByRole('checkbox', { name: /tutorials\/new-in-6\.2\.ipynb/ });
  const changed = dialog.getByRole('checkbox', { name: /start\.ipynb/ });
  await expect(fresh).toBeChecked();
  await expect(changed).not.toBeChecked();
  await expect(dialog.getByRole('group', { name: 'Changed (1)' })).toContainText('updated upstream');
  await expect(dialog.getByText('Unchanged (1)')).toBeVisible();
  await page.screenshot({ path: path.join(SCREENSHOTS, 'tutorials-dialog.png') });

  // With the keyboard: ticking the changed one asks what happens to the user's copy (keep both first),
  // unticking it again takes the question away; Copy is reached with Tab.
  await changed.focus();
  await page.keyboard.press('Space');
  await expect(dialog.getByRole('radio', { name: /Keep both/ })).toBeChecked();
  await page.keyboard.press('Space');
  await expect(dialog.getByRole('radio', { name: /Keep both/ })).toHaveCount(0);
  const copy = dialog.getByRole('button', { name: 'Copy 1 file' });
  for (let i = 0; i < 10 && !(await copy.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
  await expect(copy).toBeFocused();
  await page.keyboard.press('Enter');

  const result = dialog.getByRole('region', { name: 'Result' });
  await expect(result).toContainText(`Copied 1 file into ${volume}`, { timeout: 30_000 });
  await expect(result).toContainText('tutorials/new-in-6.2.ipynb');
  await expect(result).toContainText('owned 1001:1001');
  await page.screenshot({ path: path.join(SCREENSHOTS, 'tutorials-result.png') });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toHaveCount(0);

  const owner = await runInVolume(volume, "stat -c '%u:%g %a' /volume/tutorials/new-in-6.2.ipynb");
  expect(owner.trim()).toBe('1001:1001 644');
  expect(await runInVolume(volume, 'sha256sum < /volume/start.ipynb')).toBe(startBefore);
});
