import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fillFolder } from '../support/e2e';
import { expect, test, type Page } from '@playwright/test';
import { docker, removeVolumeQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { runGuideTar } from '../support/guideTar';
import { runInVolume } from '../support/volumeShell';
import { dropFiles } from './drop';
import { startServedApp, type ServedApp } from '../support/serve';

const SHOTS = path.resolve(__dirname, '..', '..', 'test-results', 'screenshots');
const DOCS = path.resolve(__dirname, '..', '..', 'docs');

let app: ServedApp;
let out: string;
const volumes: string[] = [];

async function volumeWith(prefix: string, script: string): Promise<string> {
  const name = uniqueName(prefix);
  await docker.createVolume({ Name: name, Labels: { ...TEST_LABEL } });
  volumes.push(name);
  await runInVolume(name, script);
  return name;
}

const filesOf = (volume: string) => runInVolume(volume, 'cd /volume && find . | sort');

async function openVolume(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name: 'Volumes' }).click();
  const search = page.getByPlaceholder(/Search/);
  await search.fill(name);
  await page.getByRole('row').filter({ hasText: name }).first().click();
  await expect(page.getByRole('complementary', { name: `Details of volume ${name}` })).toBeVisible();
}

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-jobs-e2e-'));
  app = await startServedApp();
});

test.afterAll(async () => {
  await app?.stop();
  for (const v of volumes) await removeVolumeQuietly(v);
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

test('backs up a volume with the progress view streaming files, then shows the result', async ({ page }) => {
  test.setTimeout(180_000);
  const volume = await volumeWith(
    'jobs-e2e-big',
    'mkdir -p /volume/notebooks/data /volume/notebooks/tutorials && i=0; while [ $i -lt 3000 ]; do echo "cell $i" > /volume/notebooks/tutorials/notebook-$i.ipynb; i=$((i+1)); done && for i in 1 2 3 4 5 6 7 8 9 10; do head -c 15000000 /dev/urandom > /volume/notebooks/data/blob-$i.bin; done',
  );
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app.url);
  await openVolume(page, volume);
  await page.getByRole('button', { name: 'Back up…' }).click();
  const dialog = page.getByRole('dialog', { name: `Back up ${volume}` });
  await expect(dialog).toBeVisible();
  // Browser mode: no native picker, a path field for the folder.
  await fillFolder(dialog, out);
  await expect(dialog.getByLabel('File name')).toHaveValue(new RegExp(`^${volume}-\\d{8}-\\d{6}\\.tgz$`));
  await dialog.getByLabel('File name').fill('e2e-backup.tgz');
  await page.screenshot({ path: path.join(SHOTS, 'jobs-backup-dialog.png') });
  await dialog.getByRole('button', { name: 'Back up' }).click();

  const view = page.getByRole('dialog', { name: `Backup of ${volume}` });
  await expect(view).toBeVisible();
  const bar = view.getByRole('progressbar');
  // Catch it mid-way: files streaming, a real percentage.
  await expect
    .poll(
      async () => {
        const pct = Number((await bar.getAttribute('aria-valuenow')) ?? 0);
        const phase = await view.locator('.jobs-phase').textContent();
        const lines = Number((await view.getByRole('log').getAttribute('data-lines')) ?? 0);
        // Mid-way with the file list streaming (the big files come first, the notebooks after them).
        if (phase !== 'Packing' || pct < 15 || pct > 96 || lines < 150) return false;
        // Taken the moment it is seen: the job does not wait for the test.
        const shot = await page.screenshot();
        fs.writeFileSync(path.join(SHOTS, 'jobs-backup-progress.png'), shot);
        fs.mkdirSync(DOCS, { recursive: true });
        fs.writeFileSync(path.join(DOCS, 'screenshot-backup.png'), shot);
        return true;
      },
      { timeout: 60_000, intervals: [50] },
    )
    .toBe(true);
  await expect(view.getByRole('log')).toContainText('notebook-');

  const result = view.getByRole('region', { name: 'Result' });
  await expect(result).toContainText('Backup complete and verified', { timeout: 120_000 });
  await expect(bar).toHaveAttribute('aria-valuenow', '100');
  await expect(result).toContainText('3,014');
  await expect(result.getByText(/^[0-9a-f]{64}$/)).toBeVisible();
  await expect(result).toContainText(path.join(out, 'e2e-backup.tgz'));
  // Browser mode: no "Show in folder".
  await expect(result.getByRole('button', { name: 'Show in folder' })).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, 'jobs-backup-result.png') });
  expect(fs.existsSync(path.join(out, 'e2e-backup.tgz'))).toBe(true);

  // List contents: the guide's tar tf.
  await result.getByRole('button', { name: 'List contents' }).click();
  const listing = page.getByRole('dialog', { name: 'Contents of e2e-backup.tgz' });
  await expect(listing.getByRole('log')).toContainText('./notebooks/');
  await expect(listing).toContainText('2,000 entries shown');
  await page.screenshot({ path: path.join(SHOTS, 'jobs-listing.png') });
  await listing.getByRole('button', { name: 'Close' }).click();
  await view.getByRole('button', { name: 'Close' }).click();

  // The Jobs page keeps it in the history; a reload re-reads it.
  await page.reload();
  await page.getByRole('tab', { name: 'Jobs' }).click();
  await expect(page.getByRole('table', { name: 'Past jobs' })).toContainText(volume);
  await page.screenshot({ path: path.join(SHOTS, 'jobs-page.png') });
});

test('a running job survives a page reload: the view re-attaches and replays its log', async ({ page }) => {
  test.setTimeout(180_000);
  const volume = await volumeWith(
    'jobs-e2e-reload',
    'mkdir -p /volume/n && i=0; while [ $i -lt 500 ]; do echo $i > /volume/n/f$i.txt; i=$((i+1)); done && for i in 1 2 3 4 5 6 7 8; do head -c 20000000 /dev/urandom > /volume/n/z$i.bin; done',
  );
  await page.goto(app.url);
  await openVolume(page, volume);
  await page.getByRole('button', { name: 'Back up…' }).click();
  const dialog = page.getByRole('dialog', { name: `Back up ${volume}` });
  await fillFolder(dialog, out);
  await dialog.getByLabel('File name').fill('reload.tgz');
  await dialog.getByRole('radio', { name: /^tar/ }).check();
  await dialog.getByRole('button', { name: 'Back up' }).click();
  const view = page.getByRole('dialog', { name: `Backup of ${volume}` });
  await expect(view.getByRole('log')).toContainText('./n/f1', { timeout: 60_000 });

  await page.reload();
  await page.getByRole('tab', { name: 'Jobs' }).click();
  const running = page.getByRole('listitem').filter({ hasText: `Backup of ${volume}` });
  await expect(running).toBeVisible();
  await running.getByRole('button', { name: /Show progress/ }).click();
  const again = page.getByRole('dialog', { name: `Backup of ${volume}` });
  // Replayed from main: the lines packed before the reload are back.
  await expect(again.getByRole('log')).toContainText('./n/f1');
  await expect(again.getByRole('region', { name: 'Result' })).toContainText('Backup complete and verified', { timeout: 150_000 });
  expect(fs.existsSync(path.join(out, 'reload.tgz'))).toBe(true);
});

test('restores an archive dropped on the window into a new volume', async ({ page }) => {
  test.setTimeout(120_000);
  const source = await volumeWith(
    'jobs-e2e-drop',
    'mkdir -p "/volume/notebooks/sp ace" && echo hi > "/volume/notebooks/sp ace/ünï.txt" && echo secret > /volume/ai_lab_secure_configuration_storage.sqlite',
  );
  // An archive made by the guide's own command.
  runGuideTar({ volume: source, dir: out }, ['-czvf', '/dest/dropped.tgz', '.']);
  const bytes = fs.readFileSync(path.join(out, 'dropped.tgz'));
  const target = uniqueName('jobs-e2e-restored');
  volumes.push(target);

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app.url);
  await expect(page.getByRole('tab', { name: 'Volumes' })).toBeVisible();
  // A real drag: a DataTransfer holding a File, dispatched on the window's content.
  await dropFiles(page, [{ name: 'dropped.tgz', content: bytes }]);

  const dialog = page.getByRole('dialog', { name: 'Restore dropped.tgz' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('region', { name: 'What the archive holds' })).toContainText('entries');
  await expect(dialog).toContainText('master password');
  await expect(dialog.getByRole('radio', { name: 'A new volume' })).toBeChecked();
  await dialog.getByLabel('New volume name').fill(target);
  await page.screenshot({ path: path.join(SHOTS, 'jobs-restore-dialog.png') });
  await dialog.getByRole('button', { name: `Restore into new volume ${target}` }).click();

  const view = page.getByRole('dialog', { name: `Restore into ${target}` });
  await expect(view.getByRole('region', { name: 'Result' })).toContainText(`Restored into ${target} (new volume)`, { timeout: 60_000 });
  await expect(view.getByRole('log')).toContainText('ünï.txt');
  await page.screenshot({ path: path.join(SHOTS, 'jobs-restore-result.png') });
  const files = await filesOf(target);
  expect(files).toContain('./notebooks/sp ace/ünï.txt');
  expect(files).toContain('./ai_lab_secure_configuration_storage.sqlite');
});

test('an archive dropped on a volume row restores into that volume (replace, with what it overwrites)', async ({ page }) => {
  const target = await volumeWith(
    'jobs-e2e-row',
    'mkdir -p /volume/notebooks && echo mine > /volume/notebooks/a.txt && echo x > /volume/ai_lab_secure_configuration_storage.sqlite',
  );
  const bytes = fs.readFileSync(path.join(out, 'dropped.tgz')).toString('base64');
  await page.goto(app.url);
  await page.getByPlaceholder(/Search/).fill(target);
  const row = page.getByRole('row').filter({ hasText: target }).first();
  await expect(row).toBeVisible();
  await row.evaluate(async (el, b64) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([data], 'dropped.tgz', { type: 'application/gzip' }));
    for (const type of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bytes);
  const dialog = page.getByRole('dialog', { name: 'Restore dropped.tgz' });
  await expect(dialog.getByRole('radio', { name: /replacing/ })).toBeChecked();
  await expect(dialog.getByLabel('Volume to restore into')).toHaveValue(target);
  await dialog.getByRole('radio', { name: /merging/ }).check();
  await expect(dialog).toContainText(/In both the archive and .*, so files of the same names are overwritten: .*notebooks/);
  await expect(dialog).toContainText('its master password stops working');
  await page.screenshot({ path: path.join(SHOTS, 'jobs-restore-merge.png') });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

test('refuses a dropped file that is not an archive, with nothing changed', async ({ page }) => {
  await page.goto(app.url);
  await expect(page.getByRole('tab', { name: 'Volumes' })).toBeVisible();
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['hello'], 'notes.txt', { type: 'text/plain' }));
    (document.querySelector('.app-main') ?? document.body).dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  await expect(page.getByRole('alert')).toContainText('notes.txt is not a backup');
  await page.evaluate(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['not really gzip'], 'fake.tgz', { type: 'application/gzip' }));
    (document.querySelector('.app-main') ?? document.body).dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  const dialog = page.getByRole('dialog', { name: 'Restore fake.tgz' });
  await expect(dialog.getByRole('alert')).toContainText('This file cannot be restored');
  await expect(dialog.getByRole('alert')).toContainText('not a tar or gzip archive');
  await page.screenshot({ path: path.join(SHOTS, 'jobs-restore-refused.png') });
});

test('a dropped archive with a setuid-root file: restored without the bit unless the box is checked (issue 11, item 4)', async ({ page }) => {
  test.setTimeout(120_000);
  const source = await volumeWith('jobs-e2e-suid', 'echo "#!/bin/sh" > /volume/rootshell && chmod 4755 /volume/rootshell && echo hi > /volume/notes.txt');
  runGuideTar({ volume: source, dir: out }, ['-czf', '/dest/suid.tgz', '.']);
  const bytes = fs.readFileSync(path.join(out, 'suid.tgz'));
  const drop = async () => {
    await page.goto(app.url);
    await expect(page.getByRole('tab', { name: 'Volumes' })).toBeVisible();
    await dropFiles(page, [{ name: 'suid.tgz', content: bytes }]);
    const dialog = page.getByRole('dialog', { name: 'Restore suid.tgz' });
    await expect(dialog).toBeVisible();
    return dialog;
  };
  const modeOf = async (volume: string) => (await runInVolume(volume, 'stat -c %a /volume/rootshell')).trim();

  await page.setViewportSize({ width: 1280, height: 900 });
  let dialog = await drop();
  const keep = dialog.getByRole('checkbox', { name: /Keep the setuid\/setgid bit of 1 root-owned file/ });
  await expect(keep).not.toBeChecked();
  await expect(dialog).toContainText('./rootshell');
  await page.screenshot({ path: path.join(SHOTS, 'jobs-restore-setuid.png') });
  const stripped = uniqueName('jobs-e2e-suid-off');
  volumes.push(stripped);
  await dialog.getByLabel('New volume name').fill(stripped);
  await dialog.getByRole('button', { name: `Restore into new volume ${stripped}` }).click();
  let view = page.getByRole('dialog', { name: `Restore into ${stripped}` });
  await expect(view.getByRole('region', { name: 'Result' })).toContainText(`Restored into ${stripped}`, { timeout: 60_000 });
  await expect(view).toContainText('Removed the setuid/setgid bit from 1 root-owned file (./rootshell)');
  expect(await modeOf(stripped)).toBe('755');

  dialog = await drop();
  const kept = uniqueName('jobs-e2e-suid-on');
  volumes.push(kept);
  await dialog.getByRole('checkbox', { name: /Keep the setuid\/setgid bit/ }).check();
  await dialog.getByLabel('New volume name').fill(kept);
  await dialog.getByRole('button', { name: `Restore into new volume ${kept}` }).click();
  view = page.getByRole('dialog', { name: `Restore into ${kept}` });
  await expect(view.getByRole('region', { name: 'Result' })).toContainText(`Restored into ${kept}`, { timeout: 60_000 });
  await expect(view).not.toContainText('Removed the setuid');
  expect(await modeOf(kept)).toBe('4755');
});

test('the backup dialog offers to overwrite only an earlier backup of the app, never a foreign file', async ({ page }) => {
  test.setTimeout(120_000);
  const volume = await volumeWith('jobs-e2e-over', 'echo one > /volume/a.txt');
  fs.writeFileSync(path.join(out, 'notes.tgz'), 'my own file\n');
  await page.goto(app.url);
  await openVolume(page, volume);
  const backUpAs = async (fileName: string) => {
    await page.getByRole('button', { name: 'Back up…' }).click();
    const dialog = page.getByRole('dialog', { name: `Back up ${volume}` });
    await fillFolder(dialog, out);
    await dialog.getByLabel('File name').fill(fileName);
    await dialog.getByRole('button', { name: 'Back up' }).click();
    return dialog;
  };

  const foreign = await backUpAs('notes.tgz');
  await expect(foreign.getByRole('alert')).toContainText('is not a backup that AI-Lab Desktop wrote');
  await expect(foreign.getByRole('button', { name: 'Overwrite it' })).toHaveCount(0);
  expect(fs.readFileSync(path.join(out, 'notes.tgz'), 'utf8')).toBe('my own file\n');
  await foreign.getByRole('button', { name: 'Cancel' }).click();

  await backUpAs('own.tgz');
  const view = page.getByRole('dialog', { name: `Backup of ${volume}` });
  await expect(view.getByRole('region', { name: 'Result' })).toContainText('Backup complete and verified', { timeout: 60_000 });
  await view.getByRole('button', { name: 'Close' }).click();

  const again = await backUpAs('own.tgz');
  await expect(again.getByRole('alert')).toContainText(`${path.join(out, 'own.tgz')} already exists.`);
  await again.getByRole('button', { name: 'Overwrite it' }).click();
  await expect(page.getByRole('dialog', { name: `Backup of ${volume}` }).getByRole('region', { name: 'Result' })).toContainText(
    'Backup complete and verified',
    { timeout: 60_000 },
  );
});
