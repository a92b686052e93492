import Docker from 'dockerode';

/** The engine's socket (AILAB_TEST_DOCKER_SOCKET overrides the default). */
export const ENGINE_SOCKET = process.env.AILAB_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock';

/**
 * The DOCKER_HOST an app under test gets: the private engine's when AILAB_TEST_DOCKER_SOCKET is set,
 * else none (the default socket). Lets several checkouts test side by side, each on its own dockerd.
 */
export const TEST_DOCKER_HOST: string | undefined = process.env.AILAB_TEST_DOCKER_SOCKET ? `unix://${ENGINE_SOCKET}` : undefined;

/** Points `env` at the test engine: the caller's DOCKER_HOST and DOCKER_CONTEXT are dropped. */
export function useTestEngine(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  delete env.DOCKER_HOST;
  delete env.DOCKER_CONTEXT;
  if (TEST_DOCKER_HOST) env.DOCKER_HOST = TEST_DOCKER_HOST;
  return env;
}

/** The engine the tests use: the same as the app would resolve on this machine (the default socket). */
export const docker = new Docker({ socketPath: ENGINE_SOCKET });

/** A name no other test (or helper running beside us) will use. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Label put on every resource a test creates, so a crashed run's leftovers can be found. */
export const TEST_LABEL = { 'com.exasol.ailab-desktop.test': '1' };

export async function removeVolumeQuietly(name: string): Promise<void> {
  await docker
    .getVolume(name)
    .remove({ force: true })
    .catch(() => undefined);
}

export async function removeContainerQuietly(idOrName: string): Promise<void> {
  // v: true removes the anonymous volumes an image's VOLUME created for it, never a named volume.
  await docker
    .getContainer(idOrName)
    .remove({ force: true, v: true })
    .catch(() => undefined);
}
