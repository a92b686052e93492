import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { LABELS } from '../../shared/ailab';
import { VOLUME_NAME_RULE } from '../../shared/contract/validation';
import { docker, removeContainerQuietly, removeVolumeQuietly, uniqueName } from '../support/docker';
import { dockerProxy } from '../support/dockerProxy';
import { saveDocScreenshot, SCREENSHOTS as SHOTS, sharedServedApp } from '../support/e2e';
import { AI_LAB_6_IMAGE } from '../support/fixtures';
import { fillVolume, testResources, type ContainerOptions } from '../support/resources';
import { startServedApp } from '../support/serve';

// The Volumes page in real Chromium against the real browser-mode server and the real engine.
// The engine is shared: every test searches for its own unique names, never for "all volumes".
const res = testResources('e2e-vol');
const app = sharedServedApp(res);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// A row's accessible name starts with its checkbox's label, "Select <name>", then the name itself.
const row = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(`^Select ${escapeRe(name)} `) });

const newVolume = (name?: string, labels?: Record<string, string>) => res.volume(name, labels);
const newContainer = async (volume: string, opts?: ContainerOptions) => (await res.container(volume, opts)).name;

async function openVolumes(page: Page, search?: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(app().url);
  await expect(page.getByRole('tab', { name: 'Volumes' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('grid', { name: 'Volumes' }).or(page.getByRole('heading', { name: 'No volumes yet' }))).toBeVisible();
  if (search !== undefined) await page.getByLabel('Search volumes by name or label').fill(search);
}

test('a volume created outside the app appears without a reload, and search and filters find it', async ({ page }) => {
  const prefix = uniqueName('e2e-live');
  // Another volume, so the list is not empty and the search is what finds nothing.
  await newVolume(uniqueName('e2e-bystander'));
  await openVolumes(page, prefix);
  await expect(page.getByText(/No volume matches/)).toBeVisible();

  const name = await newVolume(`${prefix}-a`, { team: 'analytics' });
  // No polling in the app: this arrives through the engine's event stream.
  await expect(row(page, name)).toBeVisible({ timeout: 3000 });

  // Search by a label value, then the filters.
  await page.getByLabel('Search volumes by name or label').fill(`${prefix} team=analytics`);
  await expect(row(page, name)).toBeVisible();
  await page.getByLabel('Search volumes by name or label').fill(prefix);
  await page.getByRole('radio', { name: /In use/ }).click();
  await expect(row(page, name)).toHaveCount(0);
  await newContainer(name);
  await expect(row(page, name)).toBeVisible({ timeout: 3000 });
  await expect(row(page, name)).toContainText('(created)');
  await page.getByRole('radio', { name: /Unused/ }).click();
  await expect(row(page, name)).toHaveCount(0);
  await page.getByRole('radio', { name: /^All/ }).click();

  // Removed outside the app: it goes away by itself too.
  await removeContainerQuietly(res.containers[res.containers.length - 1] as string);
  await docker.getVolume(name).remove();
  await expect(row(page, name)).toHaveCount(0, { timeout: 3000 });
});

test('create: the name rule shows as you type, a taken name is caught, and the new volume is selected', async ({ page }) => {
  const taken = await newVolume();
  await openVolumes(page);
  await page.getByRole('button', { name: 'New volume' }).click();
  const dialog = page.getByRole('dialog', { name: 'New volume' });
  const nameInput = dialog.getByLabel('Name');
  await expect(nameInput).toBeFocused();

  await nameInput.fill('my notebooks');
  await expect(dialog.getByText(`" " is not allowed in a volume name. ${VOLUME_NAME_RULE}`)).toBeVisible();
  await expect(nameInput).toHaveAttribute('aria-invalid', 'true');
  await expect(dialog.getByRole('button', { name: 'Create volume' })).toBeDisabled();
  await nameInput.fill('_x');
  await expect(dialog.getByText(VOLUME_NAME_RULE, { exact: false })).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'volumes-create-invalid.png') });

  await nameInput.fill(taken);
  await expect(dialog.getByText(`A volume named "${taken}" already exists.`, { exact: false })).toBeVisible();
  await expect(dialog.getByRole('button', { name: 'Create volume' })).toBeDisabled();

  const name = uniqueName('e2e-created');
  res.volumes.push(name);
  await nameInput.fill(name);
  await dialog.getByRole('button', { name: 'Add label' }).click();
  await dialog.getByLabel('Label 1 key').fill('com.exasol.ailab-desktop.test');
  await dialog.getByLabel('Label 1 value').fill('1');
  await dialog.getByRole('button', { name: 'Add label' }).click();
  await dialog.getByLabel('Label 2 key').fill('purpose');
  await dialog.getByLabel('Label 2 value').fill('notebooks');
  await dialog.getByRole('button', { name: 'Create volume' }).click();
  await expect(dialog).toHaveCount(0);

  await expect(row(page, name)).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('complementary', { name: `Details of volume ${name}` })).toBeVisible();
  expect((await docker.getVolume(name).inspect()).Labels).toMatchObject({ purpose: 'notebooks' });
});

test('remove: an in-use volume is refused naming its container; a running one is stopped only when ticked', async ({ page }) => {
  const name = await newVolume(uniqueName('e2e-busy'));
  const cname = await newContainer(name, { running: true });
  await openVolumes(page, name);
  await row(page, name).click();
  await page
    .getByRole('complementary', { name: `Details of volume ${name}` })
    .getByRole('button', { name: 'Remove…' })
    .click();

  const dialog = page.getByRole('dialog', { name: `Remove volume “${name}”?` });
  await expect(dialog).toContainText(`container ${cname} (running)`);
  await expect(dialog).toContainText('will be kept');
  // Says only what will happen: nothing is deleted while it is in use (not "every file will be deleted").
  await expect(dialog).toContainText(`Nothing is deleted while “${name}” is in use.`);
  await expect(dialog).not.toContainText('every file');
  const confirm = dialog.getByRole('button', { name: /Remove volume/ });
  await expect(confirm).toBeDisabled();
  await page.screenshot({ path: path.join(SHOTS, 'volumes-remove-in-use.png') });

  // Its own confirmation: tick the container, then the button says what it will do.
  await dialog.getByLabel(new RegExp(`Stop and remove ${escapeRe(cname)}`)).check();
  await expect(dialog).toContainText(`Volume “${name}” and every file in it will be deleted.`);
  const stopAndRemove = dialog.getByRole('button', { name: 'Stop 1 container and remove volume' });
  await expect(stopAndRemove).toBeEnabled();
  await stopAndRemove.click();
  await expect(dialog).toHaveCount(0, { timeout: 30_000 });
  await expect(row(page, name)).toHaveCount(0);
  await expect(docker.getVolume(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  await expect(docker.getContainer(cname).inspect()).rejects.toMatchObject({ statusCode: 404 });
});

test('remove several at once, with their sizes, removing a stopped container first', async ({ page }) => {
  const prefix = uniqueName('e2e-multi');
  const a = await newVolume(`${prefix}-a`);
  const b = await newVolume(`${prefix}-b`);
  await fillVolume(a, [{ name: 'data.bin', mode: 0o644, uid: 0, content: randomBytes(120_000) }]);
  const stopped = await newContainer(b);
  await openVolumes(page, prefix);
  await expect(row(page, a)).toContainText('120 kB', { timeout: 30_000 });
  await row(page, a).getByRole('checkbox').check();
  await row(page, b).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Remove 2 selected…' }).click();

  const dialog = page.getByRole('dialog', { name: 'Remove 2 volumes?' });
  const list = dialog.getByRole('list', { name: 'Volumes to remove' });
  await expect(list).toContainText(a);
  await expect(list).toContainText('120 kB');
  await expect(list).toContainText(`container ${stopped} (created)`);
  await expect(dialog.getByRole('button', { name: 'Remove volume' })).toBeEnabled(); // only the free one
  await dialog.getByLabel(/Remove the stopped container first/).check();
  await dialog.getByRole('button', { name: 'Remove 2 volumes' }).click();
  await expect(dialog).toHaveCount(0, { timeout: 30_000 });
  await expect(docker.getVolume(a).inspect()).rejects.toMatchObject({ statusCode: 404 });
  await expect(docker.getVolume(b).inspect()).rejects.toMatchObject({ statusCode: 404 });
  await expect(docker.getContainer(stopped).inspect()).rejects.toMatchObject({ statusCode: 404 });
});

test('clean up lists the unused anonymous volumes and removes only the ticked ones', async ({ page }) => {
  const mine = [randomBytes(32).toString('hex'), randomBytes(32).toString('hex')];
  for (const n of mine) await newVolume(n);
  const used = await newVolume(randomBytes(32).toString('hex'));
  await newContainer(used);
  await openVolumes(page);
  await expect(page.getByRole('button', { name: /Clean up \(\d+\)/ })).toBeEnabled();
  await page.getByRole('button', { name: /Clean up/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Clean up unused anonymous volumes' });
  const table = dialog.getByRole('table', { name: 'Volumes that will be removed' });
  for (const n of mine) await expect(table).toContainText(n);
  await expect(table).not.toContainText(used);
  // Anonymous volumes of others on this shared engine: untick them, exactly as a careful user would.
  for (const box of await table.getByRole('checkbox').all()) {
    const label = (await box.getAttribute('aria-label')) ?? '';
    if (!mine.some((n) => label.endsWith(n))) await box.uncheck();
  }
  await page.screenshot({ path: path.join(SHOTS, 'volumes-cleanup.png') });
  await dialog.getByRole('button', { name: 'Remove 2 volumes' }).click();
  await expect(dialog).toHaveCount(0, { timeout: 30_000 });
  for (const n of mine) await expect(docker.getVolume(n).inspect()).rejects.toMatchObject({ statusCode: 404 });
  expect((await docker.getVolume(used).inspect()).Name).toBe(used);
});

test('details panel and read-only file browser, including a mode-700 folder of another user', async ({ page }) => {
  const name = await newVolume(uniqueName('e2e-files'), { purpose: 'notebooks' });
  await fillVolume(name, [
    { name: 'start.ipynb', mode: 0o644, uid: 1001, content: Buffer.from('{"cells":[]}') },
    { name: 'private', type: 'directory', mode: 0o700, uid: 1234 },
    { name: 'private/secret.txt', mode: 0o600, uid: 1234, content: Buffer.from('top secret\n') },
  ]);
  const cname = await newContainer(name, { target: '/home/jupyter/notebooks' });
  await openVolumes(page, name);
  await row(page, name).click();
  const details = page.getByRole('complementary', { name: `Details of volume ${name}` });
  await expect(details).toContainText('purpose=notebooks');
  await expect(details.getByRole('list', { name: 'Containers using this volume' })).toContainText(cname);
  await expect(details).toContainText('/home/jupyter/notebooks');

  await details.getByRole('button', { name: 'Browse files' }).click();
  const files = details.getByRole('table', { name: 'Contents of /' });
  await expect(files).toContainText('start.ipynb', { timeout: 30_000 });
  await expect(files.getByRole('row', { name: /start\.ipynb/ })).toContainText('12 B');
  await expect(files.getByRole('row', { name: /private/ })).toContainText('drwx------');
  await expect(files.getByRole('row', { name: /private/ })).toContainText('1234:1234');
  await page.screenshot({ path: path.join(SHOTS, 'volumes-details-files.png') });

  await details.getByRole('button', { name: 'Open folder private' }).click();
  const inner = details.getByRole('table', { name: 'Contents of /private' });
  await expect(inner.getByRole('row', { name: /secret\.txt/ })).toContainText('-rw-------', { timeout: 30_000 });
  await details.getByRole('button', { name: 'Up one folder' }).click();
  await expect(details.getByRole('table', { name: 'Contents of /' })).toBeVisible({ timeout: 30_000 });
});

test('keyboard: arrows move the selection, Space ticks, Delete asks to remove', async ({ page }) => {
  const prefix = uniqueName('e2e-keys');
  const names = [await newVolume(`${prefix}-1`), await newVolume(`${prefix}-2`)];
  await openVolumes(page, prefix);
  await expect(row(page, names[1] as string)).toBeVisible();
  await row(page, names[0] as string).click();
  await page.keyboard.press('ArrowDown');
  await expect(row(page, names[1] as string)).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, names[1] as string)).toBeFocused();
  await page.keyboard.press(' ');
  await expect(row(page, names[1] as string).getByRole('checkbox')).toBeChecked();
  await page.keyboard.press('Delete');
  const dialog = page.getByRole('dialog', { name: `Remove volume “${names[1]}”?` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toHaveAttribute('aria-modal', 'true');
  // Removing cannot be undone: focus starts on Cancel, and Tab / Shift+Tab stay inside the dialog.
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Remove volume' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Remove volume' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  // Focus goes back to where it was before the dialog opened.
  await expect(row(page, names[1] as string)).toBeFocused();
});

test('Docker unreachable: the list area says so and what to do', async ({ page }) => {
  const broken = await startServedApp({ DOCKER_HOST: 'unix:///nonexistent.sock' });
  try {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(broken.url);
    const state = page.getByRole('status', { name: 'Volumes unavailable: Docker is not reachable' });
    await expect(state).toBeVisible();
    await expect(state).toContainText('nonexistent.sock');
    await expect(state.getByRole('button', { name: 'Try again now' })).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, 'volumes-docker-unreachable.png') });
  } finally {
    await broken.stop();
  }
});

test('Docker goes away and comes back: the list says so, then recovers by itself', async ({ page }) => {
  const sock = dockerProxy();
  await sock.on();
  const served = await startServedApp({ DOCKER_HOST: `unix://${sock.socketPath}` });
  try {
    const name = uniqueName('e2e-back');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(served.url);
    await page.getByLabel('Search volumes by name or label').fill(name);
    await expect(page.getByText(/No volume matches/)).toBeVisible();

    await sock.off();
    await expect(page.getByRole('status', { name: 'Volumes unavailable: Docker is not reachable' })).toBeVisible({ timeout: 15_000 });
    // Made while the app could not see the engine: it must be there once the app reconnects.
    await newVolume(name);
    await sock.on();
    await expect(row(page, name)).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('status', { name: 'Volumes unavailable: Docker is not reachable' })).toHaveCount(0);
  } finally {
    await served.stop();
    await sock.dispose();
  }
});

test('screenshot of the volume list for the README', async ({ page }) => {
  // Volumes a reader recognises: AI-Lab notebooks in use, an old copy, a Compose volume, an anonymous one.
  const names = ['readme-notebooks', 'readme-notebooks-2024-backup', 'readme-demo_notebooks'] as const;
  const anon = randomBytes(32).toString('hex');
  for (const n of names) await removeVolumeQuietly(n);
  await removeContainerQuietly('readme-ai-lab');
  await newVolume(names[0], { demo: 'readme', owner: 'data-team' });
  await newVolume(names[1], { demo: 'readme' });
  await newVolume(names[2], { demo: 'readme', 'com.docker.compose.project': 'readme-demo', 'com.docker.compose.volume': 'notebooks' });
  await newVolume(anon, { demo: 'readme' });
  await fillVolume(names[0], [
    { name: 'start.ipynb', mode: 0o644, uid: 1001, content: randomBytes(2_400_000) },
    { name: 'tutorials', type: 'directory', mode: 0o755, uid: 1001 },
    { name: 'tutorials/welcome.ipynb', mode: 0o644, uid: 1001, content: randomBytes(48_000) },
    { name: 'ai_lab_secure_configuration_storage.sqlite', mode: 0o600, uid: 1001, content: randomBytes(36_864) },
  ]);
  await fillVolume(names[1], [{ name: 'start.ipynb', mode: 0o644, uid: 1001, content: randomBytes(1_700_000) }]);
  await newContainer(names[0], {
    name: 'readme-ai-lab',
    image: AI_LAB_6_IMAGE,
    labels: { [LABELS.launched]: '1' },
    target: '/home/jupyter/notebooks',
    running: true,
  });
  await newContainer(anon, { name: uniqueName('readme-jupyter'), image: AI_LAB_6_IMAGE, target: '/home/jupyter/notebooks' });

  await openVolumes(page, 'readme');
  await expect(row(page, names[0])).toContainText('2.5 MB', { timeout: 30_000 });
  await row(page, names[0]).click();
  const details = page.getByRole('complementary', { name: `Details of volume ${names[0]}` });
  await details.getByRole('button', { name: 'Browse files' }).click();
  await expect(details.getByRole('table', { name: 'Contents of /' })).toContainText('start.ipynb', { timeout: 30_000 });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(SHOTS, 'volumes-list.png') });
  await saveDocScreenshot(page, 'screenshot-volumes.png');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(SHOTS, 'volumes-list-dark.png') });
});
