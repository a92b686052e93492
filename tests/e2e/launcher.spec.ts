import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { docker, removeContainerQuietly, uniqueName } from '../support/docker';
import { saveDocScreenshot, SCREENSHOTS as SHOTS, sharedServedApp } from '../support/e2e';
import { AI_LAB_FIXTURES } from '../support/fixtures';
import { freePort, holdPort } from '../support/ports';
import { fillVolume, testResources } from '../support/resources';
import { startTestRegistry } from '../integration/launcher-registry';

// The whole launch flow in real Chromium against the browser mode, with the real engine and the
// fixture images under their real names (exasol/ai-lab:6.1.0, exasol/data-science-sandbox:0.1.0).
const resources = testResources('e2e-launch');
const app = sharedServedApp(resources);

async function volumeWithFile(file: string, content: string, prefix = 'e2e-launch'): Promise<string> {
  const name = await resources.volume(uniqueName(prefix));
  await fillVolume(name, [{ name: file, content }]);
  return name;
}

/** Records window.open calls: main's openUrl event ends in one, with the URL main built. */
async function recordWindowOpen(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __opened: string[]; open: (url?: string | URL) => null };
    w.__opened = [];
    w.open = (url?: string | URL) => {
      w.__opened.push(String(url));
      return null;
    };
  });
}

const opened = (page: Page) => page.evaluate(() => (window as unknown as { __opened: string[] }).__opened);

async function openAiLabTab(page: Page): Promise<void> {
  await page.goto(app().url);
  await page.getByRole('tab', { name: 'AI-Lab' }).click();
  await expect(page.getByRole('heading', { name: 'Launch AI-Lab' })).toBeVisible();
}

/** Fills the launch form's image, volume, container name and host port, as a user types them. */
async function fillLaunchForm(page: Page, f: { image: string; volume: string; name: string; port: number }): Promise<void> {
  await page.getByLabel('Image').fill(f.image);
  await page.getByLabel('Volume', { exact: true }).selectOption(f.volume);
  await page.getByLabel('Container name').fill(f.name);
  await page.getByLabel('Host port').fill(String(f.port));
}

test('launch AI-Lab 6.x with a volume, watch it get ready, open it, then stop, start, restart, see logs and remove it from the panel', async ({ page }) => {
  test.setTimeout(120_000);
  const marker = `e2e ${uniqueName('nb')}`;
  const volume = await volumeWithFile('hello.txt', marker, 'notebooks');
  const name = uniqueName('ai-lab');
  resources.containers.push(name);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;

  await page.setViewportSize({ width: 1200, height: 1000 });
  await recordWindowOpen(page);
  await openAiLabTab(page);

  await fillLaunchForm(page, { image: AI_LAB_FIXTURES.aiLab6.alias, volume, name, port });
  await page.getByLabel('Open in the browser when Jupyter is ready').uncheck();

  // What main read from the image, and where it came from.
  const facts = page.locator('.al-facts');
  await expect(facts).toContainText('/home/jupyter/notebooks');
  await expect(facts).toContainText('from image: Env NOTEBOOKS');
  await expect(facts).toContainText('49494');
  await expect(facts).toContainText(`from image: ExposedPorts 49494/tcp`);
  await expect(facts).toContainText(url);
  await expect(page.getByLabel('Jupyter password (optional)')).toBeVisible();
  await expect(page.getByText('Free.')).toBeVisible();

  // The warning for the Docker socket and for 0.0.0.0 appear with the choice.
  await page.getByLabel(/Mount the Docker socket/).check();
  await expect(page.getByText(/root access to this computer/)).toBeVisible();
  await page.getByLabel(/Mount the Docker socket/).uncheck();
  await page.getByLabel('Listen IP').selectOption('0.0.0.0');
  await expect(page.getByText(/reachable from the network/).first()).toBeVisible();
  await page.getByLabel('Listen IP').selectOption('127.0.0.1');
  await page.screenshot({ path: path.join(SHOTS, 'launch-form.png'), fullPage: true });

  await page.getByRole('button', { name: 'Launch AI-Lab' }).click();
  const state = page.getByRole('status', { name: 'Launch state' });
  await expect(state).toContainText('Ready', { timeout: 30_000 });
  const steps = page.getByRole('list', { name: 'Launch steps' });
  for (const s of ['Checking', 'Creating', 'Starting', 'Waiting for Jupyter', 'Ready']) await expect(steps).toContainText(s);
  const ready = page.getByRole('group', { name: 'AI-Lab is ready' });
  await expect(ready).toContainText(url);
  await expect(ready).toContainText('Log in with the default password "ailab"');
  await expect(page.getByRole('log', { name: 'Container log' })).toContainText(/Jupyter Server \S+ is running at:/);
  await page.locator('.al-launch').screenshot({ path: path.join(SHOTS, 'launch-ready.png') });
  await saveDocScreenshot(page.locator('.al-launch'), 'screenshot-launch.png');

  // The file in the volume is served from the notebooks folder through the published port.
  const res = await fetch(`${url}files/hello.txt`);
  expect(await res.text()).toBe(marker);

  // "Open in browser": main builds the URL and the page opens exactly that.
  expect(await opened(page)).toEqual([]);
  await ready.getByRole('button', { name: 'Open in browser' }).click();
  await expect.poll(() => opened(page)).toEqual([url]);

  // The containers panel shows it, live.
  const row = page.getByRole('row', { name });
  await expect(row).toContainText('running');
  await expect(row).toContainText('6.1.0');
  await expect(row).toContainText(volume);
  await expect(row).toContainText(url);
  await expect(row).toContainText(/\d+ s/);
  await row.getByRole('button', { name: `Open ${name} in browser` }).click();
  await expect.poll(() => opened(page)).toEqual([url, url]);
  await page.locator('section[aria-labelledby="al-containers-title"]').screenshot({ path: path.join(SHOTS, 'containers-running.png') });

  await row.getByRole('button', { name: `Stop ${name}` }).click();
  await expect(row).toContainText('exited', { timeout: 20_000 });
  expect((await docker.getContainer(name).inspect()).State.Running).toBe(false);
  await row.getByRole('button', { name: `Start ${name}` }).click();
  await expect(row).toContainText('running', { timeout: 20_000 });
  const before = (await docker.getContainer(name).inspect()).State.StartedAt;
  await row.getByRole('button', { name: `Restart ${name}` }).click();
  await expect.poll(async () => (await docker.getContainer(name).inspect()).State.StartedAt, { timeout: 20_000 }).not.toBe(before);
  await expect(row).toContainText('running');

  await row.getByRole('button', { name: `Logs of ${name}` }).click();
  const logs = page.getByRole('dialog', { name: `Log of ${name}` });
  await expect(logs.getByRole('log')).toContainText(/Jupyter Server \S+ is running at:/, { timeout: 20_000 });
  await page.screenshot({ path: path.join(SHOTS, 'container-logs.png') });
  await logs.getByRole('button', { name: 'Close' }).click();
  await expect(logs).toBeHidden();

  await row.getByRole('button', { name: `Remove ${name}` }).click();
  const confirm = page.getByRole('dialog', { name: `Remove container ${name}?` });
  await expect(confirm).toContainText('%pip');
  await expect(confirm).toContainText(`The notebooks in volume ${volume} are kept.`);
  await expect(confirm).toContainText('It is running and will be stopped first.');
  await page.screenshot({ path: path.join(SHOTS, 'remove-confirm.png') });
  await confirm.getByRole('button', { name: 'Remove container' }).click();
  await expect(page.getByRole('row', { name })).toHaveCount(0, { timeout: 20_000 });
  await expect(docker.getContainer(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
  await expect(docker.getVolume(volume).inspect()).resolves.toMatchObject({ Name: volume });
});

test('after a stop the tab says what happened: no stale "mounted by" warning, no "exited (137)"; the chosen image survives a reload', async ({ page }) => {
  test.setTimeout(90_000);
  const volume = await volumeWithFile('a.ipynb', '{}');
  // Jupyter that ignores SIGTERM: `sleep` as PID 1. docker stop waits its 10 s, then kills (exit 137).
  const c = await docker.createContainer({
    name: uniqueName('e2e-stubborn'),
    Image: AI_LAB_FIXTURES.aiLab6.alias,
    Entrypoint: ['sleep'],
    Cmd: ['600'],
    Labels: { 'com.exasol.ailab-desktop.test': '1' },
    HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: volume, Target: '/home/jupyter/notebooks' }] },
  });
  resources.containers.push(c.id);
  await c.start();
  const name = (await c.inspect()).Name.slice(1);

  await page.setViewportSize({ width: 1200, height: 1000 });
  await openAiLabTab(page);
  // A local image that is not the default: the hint speaks of it.
  await page.getByLabel('Image').fill(AI_LAB_FIXTURES.aiLab1.alias);
  await page.getByLabel('Volume', { exact: true }).selectOption(volume);
  await expect(page.locator('.al-facts')).toContainText('/root/notebooks');
  await expect(page.getByText(/^On this Docker host\./)).toBeVisible();
  await expect(page.getByText('No AI-Lab image on the Docker host yet')).toHaveCount(0);
  const warning = page.getByText(`Volume ${volume} is already mounted by the running AI-Lab container "${name}"`);
  await expect(warning).toBeVisible();

  const row = page.getByRole('row', { name });
  await row.getByRole('button', { name: `Stop ${name}` }).click();
  await expect(row).toContainText('stopped', { timeout: 30_000 });
  await expect(row).toContainText('It did not stop within 10 s of being asked to, so Docker ended it (SIGKILL, exit code 137).');
  await expect(row).not.toContainText('exited (137)');
  await expect(warning).toHaveCount(0);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: path.join(SHOTS, 'ailab-after-stop.png'), fullPage: true });

  await page.reload();
  await expect(page.getByRole('tab', { name: 'AI-Lab' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('Image')).toHaveValue(AI_LAB_FIXTURES.aiLab1.alias);
  await expect(page.getByLabel('Volume', { exact: true })).toHaveValue(volume);
});

test('the seed-era sandbox layout: preselected from the volume, auto-opened when ready', async ({ page }) => {
  const marker = `sandbox ${uniqueName('nb')}`;
  const volume = await volumeWithFile('seed.txt', marker);
  const name = uniqueName('e2e-sandbox');
  resources.containers.push(name);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  await recordWindowOpen(page);
  await page.goto(app().url);

  // From the volume's details on the Volumes page, into the launch panel with the volume chosen.
  await page.getByRole('tab', { name: 'Volumes' }).click();
  await page.locator(`[role="row"][data-name="${volume}"]`).click();
  await page.getByRole('button', { name: 'Launch AI-Lab with this volume' }).click();
  await expect(page.getByRole('tab', { name: 'AI-Lab' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('Volume', { exact: true })).toHaveValue(volume);

  await page.getByLabel('Image').fill(AI_LAB_FIXTURES.sandbox.alias);
  await expect(page.locator('.al-facts')).toContainText('/root/notebooks');
  await expect(page.locator('.al-facts')).toContainText('from image: Volumes');
  await expect(page.locator('.al-facts')).toContainText('8888');
  // The sandbox does not read JUPYTER_PASSWORD: no password field.
  await expect(page.getByLabel('Jupyter password (optional)')).toHaveCount(0);
  await page.getByLabel('Container name').fill(name);
  await page.getByLabel('Host port').fill(String(port));
  await page.getByLabel('Open in the browser when Jupyter is ready').check();
  await page.getByRole('button', { name: 'Launch AI-Lab' }).click();

  await expect(page.getByRole('group', { name: 'AI-Lab is ready' })).toContainText(url, { timeout: 30_000 });
  await expect.poll(() => opened(page)).toEqual([url]);
  expect(await (await fetch(`${url}files/seed.txt`)).text()).toBe(marker);
  const info = await docker.getContainer(name).inspect();
  expect(info.Mounts.find((m) => m.Name === volume)?.Destination).toBe('/root/notebooks');
});

test('a taken port is caught before the start, with the next free port offered', async ({ page }) => {
  const volume = await volumeWithFile('x.txt', 'x');
  const port = await freePort();
  const holder = await holdPort(port);
  try {
    await openAiLabTab(page);
    await fillLaunchForm(page, { image: AI_LAB_FIXTURES.aiLab6.alias, volume, name: uniqueName('e2e-port'), port });
    await expect(page.getByRole('list', { name: 'Before launching' })).toContainText(`Port ${port} is in use on this computer`);
    await expect(page.getByRole('button', { name: 'Launch AI-Lab' })).toBeDisabled();
    const use = page.getByRole('button', { name: /^Use port \d+$/ });
    await expect(use).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, 'port-in-use.png'), fullPage: true });
    const suggested = Number((await use.textContent())?.replace(/\D/g, ''));
    expect(suggested).toBeGreaterThan(port);
    await use.click();
    await expect(page.getByLabel('Host port')).toHaveValue(String(suggested));
    await expect(page.getByText('Free.')).toBeVisible();
    await expect(page.getByRole('button', { name: 'Launch AI-Lab' })).toBeEnabled();
  } finally {
    await new Promise((r) => holder.close(r));
  }
});

test('an image that never gets ready shows "Waiting for Jupyter", and stopping the wait leaves the container', async ({ page }) => {
  const volume = await volumeWithFile('x.txt', 'x');
  const name = uniqueName('e2e-never');
  resources.containers.push(name);
  await openAiLabTab(page);
  await fillLaunchForm(page, { image: AI_LAB_FIXTURES.neverReady.image, volume, name, port: await freePort() });
  await expect(page.getByRole('list', { name: 'Before launching' })).toContainText('is not an exasol/ai-lab image');
  await page.getByRole('button', { name: 'Launch AI-Lab' }).click();
  const state = page.getByRole('status', { name: 'Launch state' });
  await expect(state).toContainText('Waiting for Jupyter');
  await expect(page.getByRole('log', { name: 'Container log' })).toContainText('never becomes ready');
  await page.locator('.al-launch').screenshot({ path: path.join(SHOTS, 'launch-waiting.png') });
  await page.getByRole('button', { name: 'Stop waiting' }).click();
  await expect(page.getByRole('alert')).toContainText(`Container "${name}" was left as it is (still running)`);
  expect((await docker.getContainer(name).inspect()).State.Running).toBe(true);
  await expect(page.getByRole('row', { name })).toContainText('running');
});

test('a pull that cannot work is explained, and the form comes back to fix it (dark theme)', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1200, height: 1100 });
  const volume = await volumeWithFile('x.txt', 'x');
  const image = '127.0.0.1:9/ailab-e2e/not-there:1.0.0';
  await openAiLabTab(page);
  await fillLaunchForm(page, { image, volume, name: uniqueName('e2e-pull'), port: await freePort() });
  await expect(page.locator('.al-facts')).toContainText('will be pulled');
  await expect(page.locator('.al-facts')).toContainText('from version table');
  await page.getByRole('button', { name: 'Launch AI-Lab' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText(`Pulling ${image} failed: the Docker engine cannot reach the registry.`);
  await expect(alert).toContainText('Check the network connection of the Docker host');
  await expect(page.getByRole('list', { name: 'Launch steps' })).toContainText('Pulling image');
  await expect(page.getByLabel('Image')).toBeVisible();
  await page.locator('.al-launch').screenshot({ path: path.join(SHOTS, 'pull-failed-dark.png') });
});

test('a missing image is pulled with per-layer progress, then launched', async ({ page }) => {
  const registry = await startTestRegistry(AI_LAB_FIXTURES.aiLab6.image);
  const tag = uniqueName('e2e').replace(/[^a-z0-9-]/g, '');
  await registry.add('ailab-e2e/ai-lab', tag);
  const image = `${registry.host}/ailab-e2e/ai-lab:${tag}`;
  registry.throttle(24 * 1024);
  const name = uniqueName('e2e-pulled');
  resources.containers.push(name);
  try {
    const volume = await volumeWithFile('x.txt', 'x');
    await page.setViewportSize({ width: 1200, height: 1000 });
    await openAiLabTab(page);
    await fillLaunchForm(page, { image, volume, name, port: await freePort() });
    await expect(page.getByRole('list', { name: 'Before launching' })).toContainText('it will be pulled first');
    await page.getByRole('button', { name: 'Launch AI-Lab' }).click();
    const layers = page.getByRole('list', { name: 'Image layers' });
    await expect(layers).toContainText('Downloading', { timeout: 20_000 });
    await expect(page.getByRole('button', { name: 'Cancel pull' })).toBeVisible();
    await page.locator('.al-launch').screenshot({ path: path.join(SHOTS, 'launch-pulling.png') });
    await expect(page.getByRole('group', { name: 'AI-Lab is ready' })).toBeVisible({ timeout: 60_000 });
    await expect(page.getByRole('list', { name: 'Launch steps' })).toContainText('Pulling image');
  } finally {
    await registry.close();
    await removeContainerQuietly(name);
    await docker
      .getImage(image)
      .remove({ force: true })
      .catch(() => undefined);
  }
});
