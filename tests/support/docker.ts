import Docker from 'dockerode';

/** The engine's socket (AILAB_TEST_DOCKER_SOCKET overrides the default). */
export const ENGINE_SOCKET = process.env.AILAB_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock';

/** The engine the tests use: the same as the app would resolve on this machine (the default socket). */
export const docker = new Docker({ socketPath: ENGINE_SOCKET });

/** A name no other test (or helper running beside us) will use. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Label put on every resource a test creates, so a crashed run's leftovers can be found. */
export const TEST_LABEL = { 'com.exasol.ailab-desktop.test': '1' };

export async function removeVolumeQuietly(name: string): Promise<void> {
  await docker.getVolume(name).remove({ force: true }).catch(() => undefined);
}

export async function removeContainerQuietly(idOrName: string): Promise<void> {
  // v: true removes the anonymous volumes an image's VOLUME created for it, never a named volume.
  await docker.getContainer(idOrName).remove({ force: true, v: true }).catch(() => undefined);
}
