import type Dockerode from 'dockerode';
import { isAiLabImage, layoutFromTable, normaliseRepository, splitImageRef } from '../../../shared/ailab';
import type { AiLabImageFacts } from '../../../shared/contract/launcher';
import { isNotFound, toAppError } from '../docker/errors';

/** The parts of `docker image inspect` the launcher reads. */
export interface ImageConfigLike {
  Id?: string;
  Config?: {
    ExposedPorts?: Record<string, unknown> | null;
    Volumes?: Record<string, unknown> | null;
    Env?: string[] | null;
  } | null;
}

/**
 * Container port and notebooks path of an AI-Lab image. Release images declare both (ExposedPorts,
 * Volumes, and from 5.0.0 ENV NOTEBOOKS), so what the image says wins over the version table, which
 * only covers tags we knew about when this was written.
 */
export function factsFromInspect(image: string, inspect: ImageConfigLike | null): AiLabImageFacts {
  const { repository, tag } = splitImageRef(image);
  const table = layoutFromTable(image);
  const config = inspect?.Config ?? null;

  let containerPort = table.containerPort;
  let containerPortSource = 'version table';
  const tcpPorts = Object.keys(config?.ExposedPorts ?? {})
    .map((k) => /^(\d+)(?:\/tcp)?$/.exec(k))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
  if (tcpPorts.length > 0) {
    // Several exposed ports: prefer the one the table expects, then Jupyter's usual ones.
    const pick = [table.containerPort, 49494, 8888].find((p) => tcpPorts.includes(p)) ?? tcpPorts[0];
    if (pick !== undefined) {
      containerPort = pick;
      containerPortSource = `image: ExposedPorts ${pick}/tcp`;
    }
  }

  let notebooksPath = table.notebooksPath;
  let notebooksPathSource = 'version table';
  const envNotebooks = (config?.Env ?? []).find((e) => e.startsWith('NOTEBOOKS='))?.slice('NOTEBOOKS='.length);
  const volumes = Object.keys(config?.Volumes ?? {});
  if (envNotebooks && envNotebooks.startsWith('/')) {
    notebooksPath = envNotebooks;
    notebooksPathSource = 'image: Env NOTEBOOKS';
  } else if (volumes.length > 0) {
    const pick = volumes.find((v) => v === table.notebooksPath) ?? volumes.find((v) => /notebooks/i.test(v)) ?? volumes[0];
    if (pick !== undefined) {
      notebooksPath = pick;
      notebooksPathSource = 'image: Volumes';
    }
  }

  // NOTEBOOKS arrived with 5.0.0, the same release that honours JUPYTER_PASSWORD.
  const supportsPasswordEnv = normaliseRepository(repository) !== 'exasol/data-science-sandbox' && (table.supportsPasswordEnv || envNotebooks !== undefined);
  return {
    image,
    repository,
    tag,
    present: inspect !== null,
    imageId: inspect?.Id ?? null,
    isAiLab: isAiLabImage(image),
    containerPort,
    containerPortSource,
    notebooksPath,
    notebooksPathSource,
    supportsPasswordEnv,
    defaultPassword: table.defaultPassword,
    loginHint: loginHint(table.defaultPassword, false),
  };
}

export function loginHint(defaultPassword: string | null, passwordSet: boolean): string {
  if (passwordSet) return 'Log in with the password you set.';
  if (defaultPassword) return `Log in with the default password "${defaultPassword}" (change it in Jupyter once you are in).`;
  return 'This image version has no default password; if Jupyter asks for a token, it is printed in the container log.';
}

/** `docker image inspect`, or null when the image is not present locally. */
export async function inspectImage(docker: Dockerode, image: string): Promise<ImageConfigLike | null> {
  try {
    return (await docker.getImage(image).inspect()) as ImageConfigLike;
  } catch (err) {
    if (isNotFound(err)) return null;
    throw toAppError(err);
  }
}

export async function imageFacts(docker: Dockerode, image: string): Promise<AiLabImageFacts> {
  return factsFromInspect(image, await inspectImage(docker, image));
}
