import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { TEST_DOCKER_HOST, TEST_LABEL, uniqueName } from '../support/docker';
import { SCREENSHOTS } from '../support/e2e';
import { testResources } from '../support/resources';
import { startServedApp, type ServedApp } from '../support/serve';
import { startSecondEngine, withContexts, type SecondEngine } from '../support/secondEngine';

// Several engines: a DOCKER_CONFIG with two contexts (default: the test engine; second: a second dockerd),
// and the Engine picker beside the connection pill, used with the keyboard.
const res = testResources('e2e-eng');
const prefix = uniqueName('e2e-eng');
const onFirst = `${prefix}-first`;
const onSecond = `${prefix}-second`;
let second: SecondEngine;
let configDir: string;
let app: ServedApp;

test.beforeAll(async () => {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  second = await startSecondEngine();
  // On a private test dockerd the app gets DOCKER_HOST; `first` names that engine too.
  configDir = withContexts(fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-e2e-engines-')), {
    second: second.host,
    ...(TEST_DOCKER_HOST ? { first: TEST_DOCKER_HOST } : {}),
  });
  await res.volume(onFirst);
  await second.docker.createVolume({ Name: onSecond, Labels: TEST_LABEL });
  app = await startServedApp({ DOCKER_CONFIG: configDir });
});

test.afterAll(async () => {
  await app?.stop();
  await res.removeAll();
  await second?.docker
    .getVolume(onSecond)
    .remove({ force: true })
    .catch(() => undefined);
  await second?.stop();
  if (configDir) fs.rmSync(configDir, { recursive: true, force: true });
});

const row = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(`^Select ${name} `) });

async function searchOurs(page: Page): Promise<void> {
  await expect(page.getByRole('grid', { name: 'Volumes' }).or(page.getByRole('heading', { name: 'No volumes yet' }))).toBeVisible();
  await page.getByLabel('Search volumes by name or label').fill(prefix);
}

test('the user picks the second engine with the keyboard, sees only its volume, and the choice survives a reload', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(app.url);
  await searchOurs(page);
  await expect(row(page, onFirst)).toBeVisible();
  await expect(row(page, onSecond)).toHaveCount(0);

  const picker = page.getByLabel('Engine');
  await expect(picker).toBeVisible();
  await expect(picker.locator('option', { hasText: `second — ${second.host}` })).toHaveCount(1);
  await expect(picker.locator('option', { hasText: 'default — unix://' })).toHaveCount(1);
  await page.locator('.app-header').screenshot({ path: path.join(SCREENSHOTS, 'engines-picker-before.png') });

  // Keyboard only: Tab-able like any control, then type-ahead picks "second — …".
  await picker.focus();
  await expect(picker).toBeFocused();
  await page.keyboard.press('s');
  await expect(picker).toHaveValue('second');
  await expect(page.getByRole('status').filter({ hasText: `${second.host} (context second)` })).toBeVisible();
  await expect(row(page, onSecond)).toBeVisible();
  await expect(row(page, onFirst)).toHaveCount(0);
  await page.locator('.app-header').screenshot({ path: path.join(SCREENSHOTS, 'engines-picker.png') });

  await page.reload();
  await searchOurs(page);
  await expect(page.getByLabel('Engine')).toHaveValue('second');
  await expect(row(page, onSecond)).toBeVisible();
  await expect(row(page, onFirst)).toHaveCount(0);
  // At 1000 px the header still fits: the picker and the pill give way, the title and tabs do not.
  await page.setViewportSize({ width: 1000, height: 700 });
  const header = page.locator('.app-header');
  expect(await header.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  await expect(page.getByRole('tab', { name: 'Settings' })).toBeInViewport();
  await header.screenshot({ path: path.join(SCREENSHOTS, 'engines-picker-1000.png') });

  const settings = JSON.parse(fs.readFileSync(path.join(app.home, 'settings.json'), 'utf8')) as { dockerContext?: string };
  expect(settings.dockerContext).toBe('second');
});
