import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../shared/contract/app';
import { defaultSettings } from '../../shared/contract/settings';
import { createFakeApi, ok, type FakeApi } from './fakeApi';
import { setFakeApi } from './fakeBridge';

const { SettingsPage } = await import('../../renderer/src/features/settings/SettingsPage');

function info(mode: AppInfo['mode']): AppInfo {
  return { name: 'AI-Lab Desktop', version: '0.0.0', mode, platform: 'linux', settingsFile: '/d/settings.json', settingsWarning: null };
}

let api: FakeApi;

beforeEach(() => {
  api = setFakeApi(createFakeApi());
  api.getSettings.mockImplementation(() => ok(defaultSettings()));
  api.updateSettings.mockImplementation((patch: object) => ok({ ...defaultSettings(), ...patch }));
});
afterEach(cleanup);

describe('Settings page: start at login', () => {
  it('the desktop app offers it, off by default, and saves it', async () => {
    api.getAppInfo.mockImplementation(() => ok(info('electron')));
    render(<SettingsPage />);
    const box = await screen.findByRole('checkbox', { name: 'Start at login' });
    expect((box as HTMLInputElement).checked).toBe(false);
    expect(box.getAttribute('aria-describedby')).toBe('setting-startAtLogin-hint');
    fireEvent.click(box);
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(api.updateSettings).toHaveBeenCalledWith(expect.objectContaining({ startAtLogin: true })));
  });

  it('the browser mode does not show it (it cannot start anything at login)', async () => {
    api.getAppInfo.mockImplementation(() => ok(info('browser')));
    render(<SettingsPage />);
    await screen.findByRole('checkbox', { name: 'Open the browser when AI-Lab is ready' });
    // The app info has arrived (the page names the settings file from it).
    await screen.findByText('/d/settings.json');
    expect(screen.queryByRole('checkbox', { name: 'Start at login' })).toBeNull();
  });
});
