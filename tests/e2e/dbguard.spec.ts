import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { EXASOL_DB_CONTAINER, EXASOL_DB_VOLUME, SCS_FILE } from '../../shared/ailab';
import { docker, removeContainerQuietly, removeVolumeQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { SCREENSHOTS as SHOTS, sharedServedApp } from '../support/e2e';
import { GNU_TAR_IMAGE } from '../support/fixtures';
import { runGuideTar } from '../support/guideTar';
import { testResources } from '../support/resources';
import { runInVolume } from '../support/volumeShell';

// Issue 18 in real Chromium against the browser mode and the real engine: the Exasol DB volume is
// removed only when its name is typed (alone and in a multi-selection), and the Restore dialog asks
// which Secure Configuration Storage a volume keeps when the archive's differs, keeping it when told.
//
// db_container_DemoDb_volume and db_container_DemoDb are fixed, real names: made here only when
// absent (or left by an earlier run of a test, which labels them), removed at the end.
const res = testResources('e2e-dbg');
const app = sharedServedApp(res);
const TEST_KEY = Object.keys(TEST_LABEL)[0] as string;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const row = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(`^Select ${escapeRe(name)} `) });

async function claimDbNames(): Promise<void> {
  const vol = await docker
    .getVolume(EXASOL_DB_VOLUME)
    .inspect()
    .catch(() => null);
  if (vol && !(vol.Labels ?? {})[TEST_KEY]) throw new Error(`${EXASOL_DB_VOLUME} exists and is not a test's: refusing to touch it.`);
  const c = await docker
    .getContainer(EXASOL_DB_CONTAINER)
    .inspect()
    .catch(() => null);
  if (c && !(c.Config.Labels ?? {})[TEST_KEY]) throw new Error(`${EXASOL_DB_CONTAINER} exists and is not a test's: refusing to touch it.`);
  await removeContainerQuietly(EXASOL_DB_CONTAINER);
  await removeVolumeQuietly(EXASOL_DB_VOLUME);
}

async function releaseDbNames(): Promise<void> {
  await removeContainerQuietly(EXASOL_DB_CONTAINER);
  const vol = await docker
    .getVolume(EXASOL_DB_VOLUME)
    .inspect()
    .catch(() => null);
  if (vol && (vol.Labels ?? {})[TEST_KEY]) await removeVolumeQuietly(EXASOL_DB_VOLUME);
}

test.beforeAll(claimDbNames);
test.afterAll(releaseDbNames);

async function openVolumes(page: Page, search: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app().url);
  await expect(page.getByRole('tab', { name: 'Volumes' })).toHaveAttribute('aria-selected', 'true');
  await page.getByLabel('Search volumes by name or label').fill(search);
}

test('the Exasol DB volume: labelled with its DB container, removed only when its name is typed (alone and with others)', async ({ page }) => {
  await docker.createVolume({ Name: EXASOL_DB_VOLUME, Labels: { ...TEST_LABEL } });
  const db = await docker.createContainer({
    name: EXASOL_DB_CONTAINER,
    Image: GNU_TAR_IMAGE,
    Cmd: ['sleep', '600'],
    Labels: { ...TEST_LABEL },
    StopSignal: 'SIGKILL',
    HostConfig: { Mounts: [{ Type: 'volume', Source: EXASOL_DB_VOLUME, Target: '/exa' }], NetworkMode: 'none' },
  });
  await db.start();

  await openVolumes(page, 'db_container');
  await expect(row(page, EXASOL_DB_VOLUME)).toContainText('Exasol database data');
  await expect(row(page, EXASOL_DB_VOLUME)).toContainText(`DB container ${EXASOL_DB_CONTAINER}`);
  await row(page, EXASOL_DB_VOLUME).click();
  const details = page.getByRole('complementary', { name: `Details of volume ${EXASOL_DB_VOLUME}` });
  await expect(details).toContainText(`Exasol database data, used by the DB container ${EXASOL_DB_CONTAINER}`);

  // Backing it up: stopping the DB is the default, marked recommended, with the reason.
  await details.getByRole('button', { name: 'Back up…' }).click();
  const backup = page.getByRole('dialog', { name: `Back up ${EXASOL_DB_VOLUME}` });
  const stop = backup.getByRole('checkbox', { name: /Stop it during the backup .*\(recommended\)/ });
  await expect(stop).toBeChecked();
  await expect(backup).toContainText('may not start again from the copy');
  await stop.uncheck();
  await expect(backup.getByRole('alert')).toContainText('this backup may not start again');
  await page.screenshot({ path: path.join(SHOTS, 'dbguard-backup-dialog.png') });
  await page.keyboard.press('Escape');
  await expect(backup).toHaveCount(0);

  await details.getByRole('button', { name: 'Remove…' }).click();

  const dialog = page.getByRole('dialog', { name: `Remove volume “${EXASOL_DB_VOLUME}”?` });
  // In use by the running DB: nothing to type until it would really go.
  await expect(dialog.getByLabel(`Type ${EXASOL_DB_VOLUME} to confirm`)).toHaveCount(0);
  await dialog.getByLabel(new RegExp(`Stop and remove ${EXASOL_DB_CONTAINER}`)).check();
  const field = dialog.getByLabel(`Type ${EXASOL_DB_VOLUME} to confirm`);
  await expect(field).toBeVisible();
  await expect(dialog).toContainText("holds AI-Lab's Exasol database");
  const confirm = dialog.getByRole('button', { name: 'Stop 1 container and remove volume' });
  await expect(confirm).toBeDisabled();
  // Keyboard only: Tab reaches the field, a wrong name keeps the button disabled.
  await field.focus();
  await page.keyboard.type('db_container_DemoDb');
  await expect(confirm).toBeDisabled();
  await page.screenshot({ path: path.join(SHOTS, 'dbguard-remove-typed-wrong.png') });
  await page.keyboard.type('_volum');
  await expect(confirm).toBeDisabled();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  expect((await docker.getContainer(EXASOL_DB_CONTAINER).inspect()).State.Running).toBe(true);

  // A multi-selection holding it: the same, once the DB container is gone.
  await db.remove({ force: true });
  // Named so that one search shows both.
  const other = await res.volume(uniqueName('db_container-e2e-dbg'));
  await expect(row(page, other)).toBeVisible({ timeout: 5000 });
  await row(page, EXASOL_DB_VOLUME).getByRole('checkbox').check();
  await row(page, other).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Remove 2 selected…' }).click();
  const multi = page.getByRole('dialog', { name: 'Remove 2 volumes?' });
  await expect(multi.getByRole('list', { name: 'Volumes to remove' })).toContainText('Exasol database data');
  const removeBoth = multi.getByRole('button', { name: 'Remove 2 volumes' });
  await expect(removeBoth).toBeDisabled();
  const typed = multi.getByLabel(`Type ${EXASOL_DB_VOLUME} to confirm`);
  await typed.fill(`${EXASOL_DB_VOLUME}x`);
  await expect(removeBoth).toBeDisabled();
  await typed.fill(EXASOL_DB_VOLUME);
  await expect(removeBoth).toBeEnabled();
  await page.screenshot({ path: path.join(SHOTS, 'dbguard-remove-typed.png') });
  await removeBoth.click();
  await expect(multi).toHaveCount(0, { timeout: 30_000 });
  await expect(docker.getVolume(EXASOL_DB_VOLUME).inspect()).rejects.toMatchObject({ statusCode: 404 });
  await expect(docker.getVolume(other).inspect()).rejects.toMatchObject({ statusCode: 404 });
});

test('restore: the dialog asks which SCS the volume keeps; "keep the current one" leaves it as it was', async ({ page }) => {
  test.setTimeout(120_000);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-dbg-e2e-'));
  try {
    const source = await res.volume(uniqueName('e2e-dbg-src'));
    await runInVolume(source, `mkdir -p /volume/notebooks && echo backup > /volume/notebooks/a.txt && printf archive-scs > /volume/${SCS_FILE}`);
    runGuideTar({ volume: source, dir: out }, ['-czvf', '/dest/scs.tgz', '.']);
    const target = await res.volume(uniqueName('e2e-dbg-dst'));
    await runInVolume(target, `printf current-scs > /volume/${SCS_FILE} && chmod 600 /volume/${SCS_FILE} && touch -d @1700000000 /volume/${SCS_FILE}`);
    const before = await runInVolume(target, `stat -c '%a %U %Y %s' /volume/${SCS_FILE} && cat /volume/${SCS_FILE}`);

    await openVolumes(page, target);
    await row(page, target).click();
    const details = page.getByRole('complementary', { name: `Details of volume ${target}` });
    await expect(details.getByLabel('Secure Configuration Storage')).toContainText('present, changed');
    const bytes = fs.readFileSync(path.join(out, 'scs.tgz')).toString('base64');
    await row(page, target).evaluate(async (el, b64) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], 'scs.tgz', { type: 'application/gzip' }));
      for (const type of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    const dialog = page.getByRole('dialog', { name: 'Restore scs.tgz' });
    await expect(dialog.getByRole('radio', { name: /replacing/ })).toBeChecked();
    const scs = dialog.getByRole('group', { name: 'Secure Configuration Storage' });
    await expect(scs).toContainText('The two differ');
    const keep = scs.getByRole('radio', { name: new RegExp(`Keep the current one of ${escapeRe(target)}`) });
    const archive = scs.getByRole('radio', { name: /Restore the backup's/ });
    await expect(keep).not.toBeChecked();
    await expect(archive).not.toBeChecked();
    const replace = dialog.getByRole('button', { name: `Replace ${target}` });
    await expect(replace).toBeDisabled();
    await keep.check();
    await expect(replace).toBeEnabled();
    await expect(dialog).not.toContainText('its master password stops working');
    await page.screenshot({ path: path.join(SHOTS, 'dbguard-restore-keep-scs.png') });
    await replace.click();
    const view = page.getByRole('dialog', { name: `Restore into ${target}` });
    await expect(view.getByRole('region', { name: 'Result' })).toContainText(`Restored into ${target}`, { timeout: 90_000 });
    expect(await runInVolume(target, `stat -c '%a %U %Y %s' /volume/${SCS_FILE} && cat /volume/${SCS_FILE}`)).toBe(before);
    expect(await runInVolume(target, 'cat /volume/notebooks/a.txt')).toBe('backup\n');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});
