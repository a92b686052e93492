// The benchmark's direct use of the archive library (bundled by backup.mjs with esbuild and run as its
// own process, so its peak memory is measured alone):
//   fill VOLUME SIZE_MB SEED                   PUT a generated volume (dataset.mjs)
//   backup VOLUME FILE [LEVEL] [BLOCK_KIB]     GET archive → tap → parallel gzip → atomic file → verify
//   restore FILE VOLUME [host|engine]          inspect, then PUT (host: parallel gunzip here; engine: PUT the .tgz)
//   digest VOLUME                              sha256 over every entry's metadata and content
// Each prints one JSON line.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import Docker from 'dockerode';
import tarStream from 'tar-stream';
import {
  assertSafe,
  createParallelGunzip,
  createParallelGzip,
  createTarTap,
  inspectArchive,
  openAtomicOutput,
  verifyArchive,
} from '../../electron/services/archive';
// @ts-expect-error plain ESM script without types; the shape is documented there.
import { generateVolumeTar } from './dataset.mjs';

const BENCH_LABELS = { 'com.exasol.ailab-desktop.bench': '1' };
const IMAGE = process.env.BENCH_HOLDER_IMAGE ?? 'ailab-fixture/gnu-tar:latest';
const docker = new Docker();

async function withHolder<T>(volume: string, fn: (c: Docker.Container) => Promise<T>): Promise<T> {
  const c = await docker.createContainer({
    Image: IMAGE,
    Cmd: ['true'],
    Labels: BENCH_LABELS,
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/volume' }], LogConfig: { Type: 'none', Config: {} } },
  });
  try {
    return await fn(c);
  } finally {
    await c.remove({ force: true }).catch(() => undefined);
  }
}

async function fill(volume: string, sizeMB: number, seed: number) {
  const { stream, done } = generateVolumeTar({ sizeMB, seed }) as {
    stream: NodeJS.ReadableStream;
    done: Promise<{ entries: number; bytes: number; files: number }>;
  };
  await withHolder(volume, async (c) => {
    await Promise.all([c.putArchive(stream, { path: '/volume' }), done]);
  });
  return done;
}

async function backup(volume: string, file: string, level: number, blockKiB: number) {
  return withHolder(volume, async (c) => {
    const t0 = performance.now();
    const out = await openAtomicOutput(file, { overwrite: true });
    const tap = createTarTap(() => undefined);
    const gz = createParallelGzip({ level, blockSize: blockKiB * 1024 });
    try {
      await pipeline(await c.getArchive({ path: '/volume/.' }), tap, gz, out.stream);
      const packed = performance.now();
      await out.commit();
      const v = await verifyArchive(file, { entries: tap.entries });
      return { entries: v.entries, bytes: tap.contentBytes, compressedBytes: v.compressedBytes, packMs: packed - t0, verifyMs: performance.now() - packed };
    } catch (err) {
      await out.abort();
      throw err;
    }
  });
}

async function restore(file: string, volume: string, mode: string) {
  const t0 = performance.now();
  const inspection = await inspectArchive(file);
  assertSafe(inspection);
  const inspected = performance.now();
  await docker.createVolume({ Name: volume, Labels: BENCH_LABELS });
  await withHolder(volume, async (c) => {
    const body = createReadStream(file, { highWaterMark: 1024 * 1024 });
    if (mode === 'engine' || inspection.format === 'tar') {
      await c.putArchive(body, { path: '/volume' });
    } else {
      const gunzip = createParallelGunzip();
      const put = c.putArchive(gunzip, { path: '/volume' });
      await Promise.all([pipeline(body, gunzip), put]);
    }
  });
  return { entries: inspection.entries, inspectMs: inspected - t0, putMs: performance.now() - inspected };
}

async function digest(volume: string) {
  return withHolder(volume, async (c) => {
    const lines: string[] = [];
    const extract = tarStream.extract();
    extract.on('entry', (h, stream, next) => {
      const hash = createHash('sha256');
      stream.on('data', (d: unknown) => hash.update(d as Buffer));
      stream.on('end', () => {
        const p = h.name.replace(/^\.\//, '').replace(/\/$/, '');
        // The root folder is not content: the Engine's PUT leaves the volume's own folder as it is.
        if (p !== '' && p !== '.') {
          lines.push(
            [
              p,
              h.type,
              (h.mode & 0o7777).toString(8),
              h.uid,
              h.gid,
              Math.floor(h.mtime.getTime() / 1000),
              h.linkname ?? '',
              h.size,
              h.type === 'file' ? hash.digest('hex') : '',
            ].join('\t'),
          );
        }
        next();
      });
    });
    await pipeline(await c.getArchive({ path: '/volume/.' }), extract);
    lines.sort();
    return { entries: lines.length, digest: createHash('sha256').update(lines.join('\n')).digest('hex') };
  });
}

async function main(): Promise<void> {
  const [cmd, a, b, c, d] = process.argv.slice(2);
  let result: unknown;
  if (cmd === 'fill') result = await fill(a as string, Number(b), Number(c ?? 42));
  else if (cmd === 'backup') result = await backup(a as string, b as string, Number(c ?? 6), Number(d ?? 1024));
  else if (cmd === 'restore') result = await restore(a as string, b as string, c ?? 'host');
  else if (cmd === 'digest') result = await digest(a as string);
  else throw new Error(`unknown command ${cmd}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  const e = err as { code?: string; message?: string };
  process.stderr.write(`lib-worker: ${e.code ?? ''} ${e.message ?? String(err)}\n`);
  process.exit(1);
});
