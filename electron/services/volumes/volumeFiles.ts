import type Dockerode from 'dockerode';
import { PassThrough } from 'node:stream';
import { LABELS } from '../../../shared/ailab';
import { AppError } from '../../../shared/contract/errors';
import type { VolumeFileEntry, VolumeFileListing } from '../../../shared/contract/volumes';
import { engineMessage, toAppError } from '../docker/errors';
import { helperHostConfig, VOLUME_MOUNT } from '../docker/helperHardening';
import { volumeNotFound } from '../docker/volumes';
import { FIND_FORMAT, parseFindOutput } from './findOutput';
import { FILES_HELPER_ROLE, FILES_HELPER_ROLE_LABEL } from './volumeModel';
import { containerPathFor, normalizeVolumePath } from './volumePath';

/** A listing stops here; the UI says the folder has more. */
export const MAX_ENTRIES = 5000;
/** find's output is cut here (and the helper killed), so a folder with a million files cannot exhaust memory. */
const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;
const TIMEOUT_MS = 60_000;

export interface ListFilesDeps {
  client: Dockerode;
  helperImage: string;
  /** Told the helper's id as soon as it exists, so its mount events are not mistaken for the user's. */
  onHelper?: (id: string, phase: 'created' | 'removed') => void;
}

function helperImageMissing(image: string): AppError {
  return new AppError('IMAGE_NOT_FOUND', `The helper image "${image}" is not on this machine. The file browser runs it to list the volume's files.`, {
    hint: `Pull it (\`docker pull ${image}\`), or set "Helper image" in Settings to an image you have that contains GNU find (e.g. ubuntu or debian).`,
    details: { image },
  });
}

/**
 * Lists one folder of a volume without copying the volume: a short-lived helper container mounts it
 * read-only and runs GNU find on that folder alone, as root so that files of other users and mode-700
 * folders are readable. Networkless, capabilities reduced to reading, removed afterwards whatever happens.
 */
export async function listVolumeFiles(deps: ListFilesDeps, volume: string, rawPath: string | undefined): Promise<VolumeFileListing> {
  const rel = normalizeVolumePath(rawPath);
  const { client, helperImage } = deps;
  try {
    await client.getVolume(volume).inspect();
  } catch (err) {
    throw toAppError(err, { notFound: () => volumeNotFound(volume) });
  }

  let container: Dockerode.Container;
  try {
    container = await client.createContainer({
      Image: helperImage,
      Entrypoint: ['find'],
      Cmd: [containerPathFor(rel), '-maxdepth', '1', '-printf', FIND_FORMAT],
      User: '0:0',
      WorkingDir: '/',
      Labels: { [LABELS.managed]: '1', [FILES_HELPER_ROLE_LABEL]: FILES_HELPER_ROLE },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      NetworkDisabled: true,
      HostConfig: {
        Mounts: [{ Type: 'volume', Source: volume, Target: VOLUME_MOUNT, ReadOnly: true }],
        ...helperHostConfig('read'),
      },
    });
  } catch (err) {
    throw toAppError(err, { notFound: () => (/volume/i.test(engineMessage(err)) ? volumeNotFound(volume) : helperImageMissing(helperImage)) });
  }
  deps.onHelper?.(container.id, 'created');
  try {
    const { stdout, stderr, exitCode, cut } = await runAndCollect(container, helperImage);
    const records = parseFindOutput(stdout);
    const self = records.find((r) => r.depth === 0);
    if (exitCode !== 0 && !cut && (!self || records.length === 1)) {
      const msg = stderr.toString('utf8').trim();
      if (/No such file or directory/i.test(msg)) {
        throw new AppError('FILE_NOT_FOUND', `There is no "${rel}" in volume "${volume}".`, { hint: 'It may have been deleted; go back to the volume root.' });
      }
      throw new AppError('DOCKER_ERROR', `Listing "${rel || '/'}" in volume "${volume}" failed: ${msg || `find exited with ${exitCode}`}`);
    }
    if (self && self.type !== 'dir') {
      throw new AppError('INVALID_ARGUMENT', `"${rel}" in volume "${volume}" is not a folder (it is a ${self.type}).`);
    }
    const entries: VolumeFileEntry[] = records
      .filter((r) => r.depth === 1)
      .map(({ depth: _depth, ...entry }) => entry)
      .sort((a, b) => Number(b.type === 'dir') - Number(a.type === 'dir') || a.name.localeCompare(b.name));
    return {
      volume,
      path: rel,
      entries: entries.slice(0, MAX_ENTRIES),
      truncated: cut || entries.length > MAX_ENTRIES,
    };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
    deps.onHelper?.(container.id, 'removed');
  }
}

async function runAndCollect(container: Dockerode.Container, helperImage: string): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number; cut: boolean }> {
  const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as NodeJS.ReadableStream;
  const out = new PassThrough();
  const err = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  let outBytes = 0;
  let cut = false;
  out.on('data', (c: Buffer) => {
    if (cut) return;
    outBytes += c.length;
    outChunks.push(c);
    if (outBytes > MAX_OUTPUT_BYTES) {
      cut = true;
      void container.kill().catch(() => undefined);
    }
  });
  err.on('data', (c: Buffer) => {
    if (errChunks.length < 64) errChunks.push(c);
  });
  container.modem.demuxStream(stream, out, err);
  const ended = new Promise<void>((resolve) => {
    stream.once('end', () => resolve());
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
  });

  try {
    await container.start();
  } catch (e) {
    const msg = engineMessage(e);
    if (/executable file not found|no such file or directory/i.test(msg)) {
      throw new AppError('DOCKER_ERROR', `The helper image "${helperImage}" has no \`find\` command, which the file browser needs.`, {
        hint: 'Set "Helper image" in Settings to an image with GNU find, e.g. ubuntu or debian.',
        cause: e,
      });
    }
    throw toAppError(e);
  }

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void container.kill().catch(() => undefined);
      reject(
        new AppError('TIMEOUT', `Listing the folder took longer than ${TIMEOUT_MS / 1000} s.`, {
          hint: 'The volume may be very large or Docker very busy; try a smaller folder.',
        }),
      );
    }, TIMEOUT_MS);
  });
  try {
    const res = (await Promise.race([container.wait(), timeout])) as { StatusCode?: number };
    // The exit is what ends the run; give the attach stream a moment to deliver what it still holds.
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2000))]);
    return { stdout: Buffer.concat(outChunks), stderr: Buffer.concat(errChunks), exitCode: res.StatusCode ?? -1, cut };
  } catch (e) {
    throw toAppError(e);
  } finally {
    clearTimeout(timer);
  }
}
