import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../shared/contract/errors';

const electron = vi.hoisted(() => {
  const shown: Array<{ title: string; body: string }> = [];
  class Notification {
    static isSupported = () => true;
    constructor(private readonly opts: { title: string; body: string }) {}
    show() {
      shown.push(this.opts);
    }
  }
  return {
    shown,
    Notification,
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn() },
    shell: { showItemInFolder: vi.fn(), openExternal: vi.fn() },
  };
});
vi.mock('electron', () => electron);

const { createSafeOpenExternal } = await import('../../electron/main/openExternal');
const { createDesktopIntegration } = await import('../../electron/main/desktop');
type WindowParam = ReturnType<Parameters<typeof createDesktopIntegration>[0]>;

function fakeWindow(focused: boolean) {
  return {
    focused,
    progress: [] as number[],
    isDestroyed: () => false,
    isFocused() {
      return this.focused;
    },
    setProgressBar(v: number) {
      this.progress.push(v);
    },
  };
}

beforeEach(() => {
  electron.shown.length = 0;
  vi.clearAllMocks();
});

describe('openExternal for the services', () => {
  it('opens http and https URLs', async () => {
    const open = vi.fn(async () => {});
    const safe = createSafeOpenExternal(open);
    await safe('http://127.0.0.1:49494/');
    await safe('https://docs.exasol.com/');
    expect(open.mock.calls).toEqual([['http://127.0.0.1:49494/'], ['https://docs.exasol.com/']]);
  });

  for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-settings:', 'vscode://x', 'not a url', '']) {
    it(`rejects ${JSON.stringify(url)} without opening anything`, async () => {
      const open = vi.fn(async () => {});
      const err = await createSafeOpenExternal(open)(url).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('INVALID_ARGUMENT');
      expect(open).not.toHaveBeenCalled();
    });
  }
});

describe('desktop integration', () => {
  it('notifies only when the window is not focused', () => {
    const win = fakeWindow(true);
    const desktop = createDesktopIntegration(() => win as unknown as WindowParam);
    desktop.notify('Backup finished', 'notebooks.tgz');
    expect(electron.shown).toEqual([]);
    win.focused = false;
    desktop.notify('Backup finished', 'notebooks.tgz');
    expect(electron.shown).toEqual([{ title: 'Backup finished', body: 'notebooks.tgz' }]);
  });

  it('sets and clears the taskbar progress, clamped to 0..1', () => {
    const win = fakeWindow(true);
    const desktop = createDesktopIntegration(() => win as unknown as WindowParam);
    desktop.setProgress(0.5);
    desktop.setProgress(1.7);
    desktop.setProgress(null);
    expect(win.progress).toEqual([0.5, 1, -1]);
  });

  it('returns the chosen folder, or null when the dialog is cancelled', async () => {
    const win = fakeWindow(true);
    const desktop = createDesktopIntegration(() => win as unknown as WindowParam);
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: ['/home/u/backups'] });
    await expect(desktop.chooseFolder({ title: 'Backup folder' })).resolves.toBe('/home/u/backups');
    expect(electron.dialog.showOpenDialog).toHaveBeenCalledWith(
      win,
      expect.objectContaining({ title: 'Backup folder', properties: expect.arrayContaining(['openDirectory']) }),
    );
    electron.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    await expect(desktop.chooseOpenFile({ title: 'Archive' })).resolves.toBeNull();
  });

  it('returns the save path, or null when cancelled, and works without a window', async () => {
    const desktop = createDesktopIntegration(() => null);
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: '/home/u/nb.tgz' });
    await expect(desktop.chooseSaveFile({ title: 'Save backup', defaultPath: 'nb.tgz' })).resolves.toBe('/home/u/nb.tgz');
    expect(electron.dialog.showSaveDialog).toHaveBeenCalledWith(expect.objectContaining({ defaultPath: 'nb.tgz' }));
    electron.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: true, filePath: '' });
    await expect(desktop.chooseSaveFile({ title: 'Save backup' })).resolves.toBeNull();
    desktop.showItemInFolder('/home/u/nb.tgz');
    expect(electron.shell.showItemInFolder).toHaveBeenCalledWith('/home/u/nb.tgz');
  });
});
