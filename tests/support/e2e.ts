import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import type { TestResources } from './resources';
import { startServedApp, type ServedApp } from './serve';

const ROOT = path.resolve(__dirname, '..', '..');
/** Where the e2e specs save their screenshots (and CI keeps them). */
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');
/** The README's pictures. */
export const DOCS = path.join(ROOT, 'docs');

/**
 * The browser-mode app a spec file's tests share: started before the first test, stopped after the
 * last, once `res`'s volumes and containers are removed. Call at the top of the file; read the app
 * through the returned function inside tests.
 */
export function sharedServedApp(res?: TestResources): () => ServedApp {
  let app: ServedApp | undefined;
  test.beforeAll(async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    app = await startServedApp();
  });
  test.afterAll(async () => {
    await res?.removeAll();
    await app?.stop();
  });
  return () => {
    if (!app) throw new Error('The served app is not running: sharedServedApp() starts it in beforeAll.');
    return app;
  };
}

/**
 * Saves one of the README's pictures, only when it is missing or AILAB_UPDATE_DOCS_SCREENSHOTS=1 asks
 * for it, so a test run does not churn a tracked file. Returns whether it wrote the file.
 */
export async function saveDocScreenshot(target: Pick<Page, 'screenshot'> | Pick<Locator, 'screenshot'>, file: string): Promise<boolean> {
  const out = path.join(DOCS, file);
  if (process.env.AILAB_UPDATE_DOCS_SCREENSHOTS !== '1' && fs.existsSync(out)) return false;
  fs.mkdirSync(DOCS, { recursive: true });
  await target.screenshot({ path: out });
  return true;
}

/**
 * Types `value` into a dialog's Folder field once the folder main suggests has arrived. The suggestion
 * fills an empty field when it comes; landing between a fill's select-all and its typing, it would be
 * prepended to what is typed (seen in CI on a loaded machine). A person sees it first, then replaces it.
 */
export async function fillFolder(dialog: Locator, value: string): Promise<void> {
  const field = dialog.getByLabel('Folder');
  await expect(field).not.toHaveValue('');
  await field.fill(value);
  await expect(field).toHaveValue(value);
}

/**
 * Backs the selected volume up through its "Back up…" dialog into `dir` as `fileName`, waits for the
 * verified result and closes the progress view. Returns the archive's path.
 */
export async function backUpThroughDialog(page: Page, volume: string, dir: string, fileName: string): Promise<string> {
  await page.getByRole('button', { name: 'Back up…' }).click();
  const dialog = page.getByRole('dialog', { name: `Back up ${volume}` });
  await fillFolder(dialog, dir);
  await dialog.getByLabel('File name').fill(fileName);
  await dialog.getByRole('button', { name: 'Back up' }).click();
  const view = page.getByRole('dialog', { name: `Backup of ${volume}` });
  await expect(view.getByRole('region', { name: 'Result' })).toContainText('Backup complete and verified', { timeout: 60_000 });
  await view.getByRole('button', { name: 'Close' }).click();
  return path.join(dir, fileName);
}
