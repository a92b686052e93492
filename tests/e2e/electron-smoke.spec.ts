import { _electron as electron, expect, test } from '@playwright/test';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * The one test that runs the real Electron app. Where Electron's binary could not be downloaded (as on
 * the machines that build this project) it is skipped, loudly: the rest of the e2e suite drives the
 * same renderer in Chromium through the browser mode, and the Electron glue has its own unit tests.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const MAIN = path.join(ROOT, 'dist', 'electron', 'main.cjs');

function whyElectronCannotRun(): string | null {
  let bin: unknown;
  try {
    bin = createRequire(__filename)('electron');
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return `Electron's binary is not installed (require('electron') failed: ${first})`;
  }
  if (typeof bin !== 'string' || !fs.existsSync(bin)) return `Electron's binary is not installed (${String(bin)} does not exist)`;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display to open a window on (run it under xvfb-run)';
  }
  return null;
}

const skipReason = whyElectronCannotRun();
// Printed while the file is collected, so CI logs say why the Electron smoke test did not run.
if (skipReason && process.env.TEST_WORKER_INDEX === undefined) {
  console.log(`electron-smoke: SKIPPED: ${skipReason}. The renderer is covered end to end in Chromium via the browser mode.`);
}

test.describe('Electron app smoke test', () => {
  test.skip(skipReason !== null, skipReason ?? '');

  test('opens a hardened window that shows the volume list', async () => {
    expect(fs.existsSync(MAIN), `${MAIN} is missing: run npm run build first`).toBe(true);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-electron-'));
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
    delete env.AILAB_DEV_SERVER_URL;
    delete env.ELECTRON_RUN_AS_NODE;
    env.AILAB_DESKTOP_HOME = home;
    // Chromium refuses to run as root with its OS sandbox; the renderer's sandbox webPreference stays on.
    const args = process.getuid?.() === 0 ? ['--no-sandbox', MAIN] : [MAIN];
    const app = await electron.launch({ args, env, cwd: ROOT });
    try {
      const page = await app.firstWindow();

      const facts = await app.evaluate(({ app: electronApp, BrowserWindow }) => {
        type Prefs = { contextIsolation?: boolean; sandbox?: boolean; nodeIntegration?: boolean; nodeIntegrationInSubFrames?: boolean; webviewTag?: boolean };
        const win = BrowserWindow.getAllWindows()[0];
        // The effective preferences of the live webContents (Electron's own specs read them this way;
        // the method is not in the public typings).
        const contents = win?.webContents as unknown as { getLastWebPreferences?: () => Prefs | null } | undefined;
        const prefs = contents?.getLastWebPreferences?.() ?? null;
        return {
          windows: BrowserWindow.getAllWindows().length,
          hasPrefs: prefs !== null,
          url: win?.webContents.getURL() ?? '',
          userData: electronApp.getPath('userData'),
          contextIsolation: prefs?.contextIsolation,
          sandbox: prefs?.sandbox,
          nodeIntegration: prefs?.nodeIntegration,
          nodeIntegrationInSubFrames: prefs?.nodeIntegrationInSubFrames,
          webviewTag: prefs?.webviewTag,
        };
      });
      expect(facts).toMatchObject({
        windows: 1,
        hasPrefs: true,
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInSubFrames: false,
        webviewTag: false,
      });
      expect(facts.url).toMatch(/^app:\/\/ailab\//);
      expect(facts.userData).toBe(home);

      // The page sees exactly window.ailab, and no Node.
      const inPage = await page.evaluate(async () => {
        const g = globalThis as unknown as Record<string, unknown>;
        const api = g.ailab as { getAppInfo: () => Promise<{ ok: boolean; value?: { mode: string } }> } | undefined;
        return { require: typeof g.require, process: typeof g.process, info: api ? await api.getAppInfo() : null };
      });
      expect(inPage).toMatchObject({ require: 'undefined', process: 'undefined', info: { ok: true, value: { mode: 'electron' } } });

      await expect(
        page
          .getByRole('table')
          .or(page.getByRole('heading', { name: 'Volumes' }))
          .first(),
      ).toBeVisible();
    } finally {
      await app.close();
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
