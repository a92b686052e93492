import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { fillFolder, SCREENSHOTS as SHOTS } from '../support/e2e';
import { fillVolume, testResources } from '../support/resources';
import { startServedApp, type ServedApp } from '../support/serve';
import { sshdAvailable, startSshd, type TestSshd } from '../support/sshd';

// A plan with a copy off the machine, in real Chromium against the browser-mode server, the real engine
// and a real sshd on loopback (tests/support/sshd.ts): the SFTP section of the plan dialog, the
// first-contact host-key dialog (Cancel, then "Trust and save"), "Back up now" uploading to the
// server, and a changed host key refused.
const res = testResources('e2e-plans-sftp');
const dirs: string[] = [];
let served: ServedApp | undefined;
let sshd: TestSshd | undefined;
/** The server's data folder (AILAB_DESKTOP_HOME): plans.json, known_hosts. */
let home = '';
const app = (): ServedApp => {
  if (!served) throw new Error('The served app is not running.');
  return served;
};
const server = (): TestSshd => {
  if (!sshd) throw new Error('sshd is not running.');
  return sshd;
};
/** Also kept outside the repository, for the review of this change. */
const EXTRA_SHOTS = process.env.AILAB_EXTRA_SHOTS;

test.skip(!sshdAvailable(), '/usr/sbin/sshd is missing (apt-get install openssh-server)');

test.beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  sshd = await startSshd('ailab-e2e-sshd-');
  // As in plans.spec.ts: this process holds the scheduler lock, so only the runs the test asks for happen.
  home = folder('ailab-e2e-plans-sftp-home-');
  fs.writeFileSync(path.join(home, 'plans.lock'), JSON.stringify({ host: os.hostname(), pid: process.pid, token: 'e2e-plans-sftp-spec', since: Date.now() }));
  // AILAB_SSH_KNOWN_HOSTS='': the machine's ~/.ssh/known_hosts is not read; only <home>/known_hosts, which starts empty.
  served = await startServedApp({ AILAB_DESKTOP_HOME: home, AILAB_SSH_KNOWN_HOSTS: '', SSH_AUTH_SOCK: '' });
  await expect.poll(() => served?.output()).toMatch(/Backup plans do not run in this process/);
});

test.afterAll(async () => {
  await res.removeAll();
  await served?.stop();
  await sshd?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const row = (page: Page, name: string) => page.getByRole('row', { name: new RegExp(`^Select ${escapeRe(name)} `) });

function folder(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, name) });
  if (EXTRA_SHOTS) {
    fs.mkdirSync(EXTRA_SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(EXTRA_SHOTS, name) });
  }
}

test('a plan with an SFTP copy: the unknown host key is shown, trusted, and the backup lands on the server', async ({ page }) => {
  test.setTimeout(150_000);
  const s = server();
  const volume = await res.volume();
  await fillVolume(volume, [
    { name: 'notebooks', type: 'directory' },
    { name: 'notebooks/start.ipynb', content: '{"cells": []}' },
  ]);
  const dest = folder('ailab-e2e-plans-sftp-');
  // What `ssh-keygen -lf` on the server prints: "256 SHA256:… comment (ED25519)".
  const fingerprint = /SHA256:[A-Za-z0-9+/]{43}/.exec(execFileSync('ssh-keygen', ['-lf', s.hostKeyPub], { encoding: 'utf8' }))?.[0] ?? '';
  expect(fingerprint).not.toBe('');

  await page.setViewportSize({ width: 1280, height: 860 });
  await page.goto(app().url);
  await page.getByLabel('Search volumes by name or label').fill(volume);
  await row(page, volume).hover();
  await page.getByRole('button', { name: `Protect ${volume}…` }).click();
  const dialog = page.getByRole('dialog', { name: `Protect ${volume}` });
  await fillFolder(dialog, dest);

  // The SFTP section: inline validation of user@host:port/folder, the key file else the agent.
  await expect(dialog.getByLabel('Server and folder')).toHaveCount(0);
  await dialog.getByLabel('Also copy each backup to an SFTP server').check();
  await expect(dialog.getByText(/Empty: the keys of your SSH agent \(SSH_AUTH_SOCK\) are used/)).toBeVisible();
  await dialog.getByLabel('Server and folder').fill(`127.0.0.1:${s.port}${s.remoteDir}`);
  await dialog.getByLabel('Server and folder').blur();
  await expect(dialog.getByText('Name the user (user@host…). Write it as user@host:port/folder', { exact: false })).toBeVisible();
  await expect(dialog.getByLabel('Server and folder')).toHaveAttribute('aria-invalid', 'true');
  await dialog.getByLabel('Server and folder').fill(`${s.user}@127.0.0.1:${s.port}${s.remoteDir}`);
  await dialog.getByLabel('Key file (optional)').fill(s.userKey);
  await expect(dialog.getByLabel('Server and folder')).toHaveAttribute('aria-invalid', 'false');

  // First contact: the host key is shown to compare; Cancel (Escape) saves nothing.
  await dialog.getByRole('button', { name: 'Protect', exact: true }).click();
  const ask = page.getByRole('dialog', { name: `Trust 127.0.0.1:${s.port}?` });
  await expect(ask).toBeVisible();
  await expect(ask.getByTestId('host-fingerprint')).toHaveText(fingerprint);
  await expect(ask).toContainText('ssh-ed25519');
  await expect(ask).toContainText('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
  await expect(ask.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shot(page, 'plans-sftp-host-key.png');
  await page.keyboard.press('Escape');
  await expect(ask).toBeHidden();
  await expect(dialog).toBeVisible();
  await expect(row(page, volume).getByText('Not protected')).toBeAttached();
  expect(fs.existsSync(path.join(home, 'known_hosts'))).toBe(false);

  // Trust and save: the key goes to the app's known_hosts, the plan is saved (main logged in and checked the folder).
  await dialog.getByRole('button', { name: 'Protect', exact: true }).click();
  await ask.getByRole('button', { name: 'Trust and save' }).click();
  await expect(ask).toBeHidden();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  expect(fs.readFileSync(path.join(home, 'known_hosts'), 'utf8')).toContain(`[127.0.0.1]:${s.port} ssh-ed25519 `);
  const badge = row(page, volume).getByRole('button', { name: new RegExp(`Edit the plan of ${escapeRe(volume)}$`) });
  await expect(badge).toHaveAttribute('data-protection', 'never-run');

  // Back up now: backed up, then copied to the server.
  await badge.click();
  const edit = page.getByRole('dialog', { name: `Backup plan of ${volume}` });
  await expect(edit.getByLabel('Server and folder')).toHaveValue(`${s.user}@127.0.0.1:${s.port}${s.remoteDir}`);
  await expect(edit.getByLabel('Key file (optional)')).toHaveValue(s.userKey);
  await edit.getByRole('button', { name: 'Back up now' }).click();
  const result = edit.getByRole('status', { name: 'Result of Back up now' });
  await expect(result).toContainText('Backed up.', { timeout: 90_000 });
  await expect(result.getByTestId('copy-outcome')).toContainText(`Copied to sftp://${s.user}@127.0.0.1:${s.port}${s.remoteDir}/${volume}-`);
  await page.keyboard.press('Escape');
  await expect(edit).toBeHidden();
  await expect(badge).toHaveAttribute('data-protection', 'ok');
  const uploaded = fs.readdirSync(s.remoteDir).filter((f) => new RegExp(`^${escapeRe(volume)}-\\d{8}-\\d{6}\\.tgz$`).test(f));
  expect(uploaded).toHaveLength(1);
  const local = fs.readdirSync(dest).filter((f) => f.endsWith('.tgz'));
  expect(local).toEqual(uploaded);
  expect(fs.statSync(path.join(s.remoteDir, uploaded[0] ?? '')).size).toBe(fs.statSync(path.join(dest, local[0] ?? '')).size);
  expect(fs.existsSync(path.join(s.remoteDir, `${uploaded[0]}.json`))).toBe(true);

  // The details panel says where the copy went.
  await row(page, volume).getByText(volume, { exact: true }).click();
  const protection = page.getByRole('complementary', { name: `Details of volume ${volume}` }).getByRole('region', { name: `Protection of ${volume}` });
  await expect(protection).toContainText(`copies each backup to sftp://${s.user}@127.0.0.1:${s.port}${s.remoteDir}`);
  await expect(protection.getByTestId('copy-outcome')).toContainText(`Copied to sftp://${s.user}@127.0.0.1:${s.port}${s.remoteDir}/${uploaded[0]}`);

  // The server is reinstalled with a new host key: saving is refused, loudly, with no way to accept.
  await s.restart({ newHostKey: true });
  await badge.click();
  await edit.getByLabel('Keep last backups to keep').fill('2');
  await edit.getByRole('button', { name: 'Save plan' }).click();
  const refused = page.getByRole('dialog', { name: `The host key of 127.0.0.1:${s.port} has changed` });
  await expect(refused).toBeVisible();
  await expect(refused.getByRole('alert')).toContainText('Not saved');
  await expect(refused.getByRole('alert')).toContainText('known_hosts');
  await expect(refused.getByRole('button', { name: 'Trust and save' })).toHaveCount(0);
  await shot(page, 'plans-sftp-host-key-changed.png');
  await refused.getByRole('button', { name: 'Close' }).click();
  await expect(refused).toBeHidden();
  await expect(edit).toBeVisible();
});
