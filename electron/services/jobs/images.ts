import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import { isNotFound, toAppError } from '../docker/errors';

/** `ubuntu` → `ubuntu:latest`, as `docker run` reads it. */
export function withDefaultTag(ref: string): string {
  if (ref.includes('@')) return ref;
  const slash = ref.lastIndexOf('/');
  return ref.lastIndexOf(':') > slash ? ref : `${ref}:latest`;
}

export async function imagePresent(docker: Dockerode, ref: string): Promise<boolean> {
  try {
    await docker.getImage(withDefaultTag(ref)).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw toAppError(err);
  }
}

export function imageNotFound(ref: string): AppError {
  return new AppError('IMAGE_NOT_FOUND', `The helper image ${ref} is not on this Docker engine.`, {
    hint: `Pull it (needs internet): the Pull button, or \`docker pull ${ref}\`. Or set another helper image with tar in the settings.`,
    details: { image: ref, canPull: true },
  });
}

/** The helper image, which runs `tar`, `find` and `sh`; IMAGE_NOT_FOUND (with a pull offer) when absent. */
export async function requireRunnableImage(docker: Dockerode, helperImage: string): Promise<string> {
  const ref = withDefaultTag(helperImage);
  if (!(await imagePresent(docker, ref))) throw imageNotFound(helperImage);
  return ref;
}

/**
 * An image to create (never start) a container from, for the Engine's archive API: the helper image
 * when present, else any image on the engine (an AI-Lab image will do), so the fast engine works
 * even where `ubuntu` was never pulled.
 */
export async function anyImageForCreate(docker: Dockerode, helperImage: string): Promise<{ image: string; runnable: boolean }> {
  const ref = withDefaultTag(helperImage);
  if (await imagePresent(docker, ref)) return { image: ref, runnable: true };
  let images: Dockerode.ImageInfo[];
  try {
    images = await docker.listImages();
  } catch (err) {
    throw toAppError(err);
  }
  const tagged = images.flatMap((i) => (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'));
  const first = tagged[0] ?? images[0]?.Id;
  if (!first) throw imageNotFound(helperImage);
  return { image: first, runnable: false };
}

/** The image a job creates its helper from: tar needs one that runs tar, fast only creates a container. */
export async function helperImageForEngine(docker: Dockerode, engine: 'fast' | 'tar', helperImage: string): Promise<{ image: string; runnable: boolean }> {
  return engine === 'tar' ? { image: await requireRunnableImage(docker, helperImage), runnable: true } : anyImageForCreate(docker, helperImage);
}
