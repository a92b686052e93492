import { dialog, Notification, shell, type BrowserWindow, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import type { DesktopIntegration } from '../services/core/context';

/**
 * What only a desktop app can do, for the services: native file dialogs (modal to the window when
 * there is one), revealing a file, notifications and taskbar progress.
 */
export function createDesktopIntegration(getWindow: () => BrowserWindow | null): DesktopIntegration {
  const liveWindow = () => {
    const win = getWindow();
    return win && !win.isDestroyed() ? win : null;
  };
  const open = async (options: OpenDialogOptions): Promise<string | null> => {
    const win = liveWindow();
    const res = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
    return res.canceled ? null : (res.filePaths[0] ?? null);
  };
  const save = async (options: SaveDialogOptions): Promise<string | null> => {
    const win = liveWindow();
    const res = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return res.canceled || !res.filePath ? null : res.filePath;
  };
  return {
    chooseFolder: ({ title, defaultPath }) => open({ title, defaultPath, properties: ['openDirectory', 'createDirectory'] }),
    chooseOpenFile: ({ title, defaultPath, filters }) => open({ title, defaultPath, filters, properties: ['openFile'] }),
    chooseSaveFile: ({ title, defaultPath, filters }) => save({ title, defaultPath, filters, properties: ['createDirectory', 'showOverwriteConfirmation'] }),
    showItemInFolder: (file) => shell.showItemInFolder(file),
    notify(title, body) {
      // The window already shows what happened when it has focus; a toast on top would be noise.
      if (liveWindow()?.isFocused() || !Notification.isSupported()) return;
      new Notification({ title, body }).show();
    },
    setProgress(fraction) {
      const win = liveWindow();
      if (!win) return;
      win.setProgressBar(fraction === null ? -1 : Math.min(1, Math.max(0, fraction)));
    },
  };
}
