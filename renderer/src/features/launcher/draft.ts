/**
 * The launch form as the user left it, kept for this window's session (sessionStorage: a reload and a
 * tab switch keep it, a new window starts from the settings). The password is never kept.
 */
export interface LaunchDraft {
  image: string;
  volume: string;
  newVolume: string;
  name: string;
  listenIp: string;
  port: string;
  dockerSocket: boolean;
  open: boolean;
}

const KEY = 'ailab.launchDraft';

export function loadDraft(): LaunchDraft | null {
  try {
    const d = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<Record<keyof LaunchDraft, unknown>> | null;
    if (!d || typeof d !== 'object') return null;
    const str = (k: keyof LaunchDraft) => (typeof d[k] === 'string' ? (d[k] as string) : null);
    const image = str('image');
    const volume = str('volume');
    const newVolume = str('newVolume');
    const name = str('name');
    const listenIp = str('listenIp');
    const port = str('port');
    if (image === null || volume === null || newVolume === null || name === null || listenIp === null || port === null) return null;
    return { image, volume, newVolume, name, listenIp, port, dockerSocket: d.dockerSocket === true, open: d.open === true };
  } catch {
    return null;
  }
}

export function saveDraft(d: LaunchDraft): void {
  try {
    const { image, volume, newVolume, name, listenIp, port, dockerSocket, open } = d;
    sessionStorage.setItem(KEY, JSON.stringify({ image, volume, newVolume, name, listenIp, port, dockerSocket, open }));
  } catch {
    // Storage may be unavailable (a locked-down profile): the form then starts from the settings.
  }
}
