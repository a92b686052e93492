import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { AppError } from '../../../shared/contract/errors';
import type { PullLayer } from '../../../shared/contract/launcher';
import { engineMessage, engineStatus, toAppError } from '../docker/errors';

/** One JSON object of the pull stream. Errors arrive here, not as a rejected promise. */
interface PullEvent {
  id?: string;
  status?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

export interface PullProgress {
  layers: PullLayer[];
  status: string;
}

/** Turn what the registry or the engine said into a message and a hint a person can act on. */
export function explainPullError(image: string, raw: string): AppError {
  const m = raw.toLowerCase();
  const details = { image, engineMessage: raw };
  if (/no space left on device/.test(m)) {
    return new AppError('DISK_FULL', `Pulling ${image} failed: the Docker host has no space left.`, {
      hint: "Free space for Docker (remove unused images with `docker image prune`, or enlarge Docker Desktop's disk), then launch again.",
      details,
    });
  }
  if (
    /dial tcp|lookup .*(no such host|server misbehaving)|i\/o timeout|network is unreachable|connection refused|tls handshake timeout|client\.timeout|context deadline exceeded|temporary failure in name resolution|no route to host|proxyconnect/.test(
      m,
    )
  ) {
    return new AppError('IMAGE_PULL_FAILED', `Pulling ${image} failed: the Docker engine cannot reach the registry.`, {
      hint: 'Check the network connection of the Docker host (and its proxy settings), then launch again. An image that is already present locally needs no network.',
      details,
    });
  }
  if (
    /unauthorized|authentication required|no basic auth credentials|denied: requested access|incorrect username or password/.test(m) &&
    !/repository does not exist/.test(m)
  ) {
    return new AppError('IMAGE_PULL_FAILED', `Pulling ${image} failed: the registry refused access.`, {
      hint: 'Log in to the registry with `docker login`, or check the image name.',
      details,
    });
  }
  if (/manifest unknown|manifest for .* not found|not found: manifest|repository does not exist|pull access denied|not found/.test(m)) {
    return new AppError('IMAGE_NOT_FOUND', `The image ${image} does not exist in its registry.`, {
      hint: 'Check the image name and tag (AI-Lab is exasol/ai-lab with tags such as latest or 6.1.0); a private image needs `docker login`.',
      details,
    });
  }
  return new AppError('IMAGE_PULL_FAILED', `Pulling ${image} failed: ${raw}`, {
    hint: "Check the image name and the Docker host's network, then try again.",
    details,
  });
}

/**
 * Pull an image and report per-layer progress. `docker.pull` resolves when the stream starts, not when
 * the pull ends; followProgress ends it, and errors come inside progress objects. Aborting destroys the
 * stream, which makes the engine stop the pull.
 */
export async function pullImage(docker: Dockerode, image: string, onProgress: (p: PullProgress) => void, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw cancelled(image);
  let stream: Readable;
  try {
    stream = (await docker.pull(image)) as Readable;
  } catch (err) {
    if (engineStatus(err) !== null) throw explainPullError(image, engineMessage(err));
    throw toAppError(err);
  }
  const layers = new Map<string, PullLayer>();
  let status = '';
  let lastError: string | null = null;
  const snapshot = (): PullProgress => ({ layers: [...layers.values()], status });
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      stream.destroy();
      reject(cancelled(image));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (err: Error | null) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return;
        if (lastError !== null) reject(explainPullError(image, lastError));
        else if (err) reject(explainPullError(image, err.message));
        else resolve();
      },
      (ev: PullEvent) => {
        if (ev.error || ev.errorDetail?.message) {
          lastError = ev.errorDetail?.message ?? ev.error ?? 'unknown error';
          return;
        }
        if (ev.id && ev.status && !/^Pulling from /.test(ev.status) && !/^(Digest|Status):/.test(ev.status)) {
          layers.set(ev.id, {
            id: ev.id,
            status: ev.status,
            current: ev.progressDetail?.current ?? null,
            total: ev.progressDetail?.total ?? null,
          });
        } else if (ev.status) {
          status = ev.id && /^Pulling from /.test(ev.status) ? `${ev.status}` : ev.status;
        }
        onProgress(snapshot());
      },
    );
  });
  onProgress(snapshot());
}

function cancelled(image: string): AppError {
  return new AppError('CANCELLED', `Pulling ${image} was cancelled.`, { hint: 'Launch again to restart the pull; layers already downloaded are kept.' });
}
