import type { LaunchOptions } from '../../shared/contract/launcher';
import type { CoreTestEnv } from '../support/core';
import { removeContainerQuietly, TEST_LABEL, uniqueName } from '../support/docker';
import { fillVolume } from '../support/resources';

// The launcher's tests run on the shared test core (tests/support); what only they need is here.
export { coreTestEnv as launcherTestEnv, type CoreTestEnv as LauncherTestEnv } from '../support/core';
export { freePort, holdPort } from '../support/ports';
export { waitForEvent as waitForBus } from '../support/wait';

/** A new volume holding `files` (owned by root, mode 644), labelled as a test's. */
export async function volumeWithFiles(t: CoreTestEnv, files: Record<string, string>): Promise<string> {
  const name = await t.volume(uniqueName('launch-vol'));
  await fillVolume(
    name,
    Object.entries(files).map(([file, content]) => ({ name: file, content })),
  );
  return name;
}

export function launchOptions(t: CoreTestEnv, o: Partial<LaunchOptions> & Pick<LaunchOptions, 'image' | 'volume' | 'hostPort'>): LaunchOptions {
  const name = o.name ?? uniqueName('ailab-launch');
  t.containers.push(name);
  return {
    createVolume: false,
    name,
    listenIp: '127.0.0.1',
    dockerSocket: false,
    startExisting: false,
    pull: true,
    timeoutSeconds: 30,
    open: false,
    labels: TEST_LABEL,
    ...o,
  };
}

export async function httpGet(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}

export { removeContainerQuietly, uniqueName };
