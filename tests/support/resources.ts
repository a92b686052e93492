import { pack } from 'tar-stream';
import { docker, removeContainerQuietly, removeVolumeQuietly, TEST_LABEL, uniqueName } from './docker';
import { GNU_TAR_IMAGE } from './fixtures';

export interface ContainerOptions {
  /** Start it (it then sleeps; stopping it is instant: SIGKILL). */
  running?: boolean;
  /** Another image, run with its own command (default: the GNU tar fixture sleeping 600 s). */
  image?: string;
  name?: string;
  labels?: Record<string, string>;
  /** Where the volume is mounted (default /data). */
  target?: string;
}

/**
 * Volumes and containers one test file makes, labelled as a test's and removed together by
 * removeAll(). Names made elsewhere (by the app under test) can be pushed onto `volumes` and
 * `containers` to be removed too.
 */
export interface TestResources {
  volumes: string[];
  containers: string[];
  /** Creates a volume (default name: `${prefix}-…`, unique) with TEST_LABEL and `labels`. */
  volume(name?: string, labels?: Record<string, string>): Promise<string>;
  /** Creates a container that mounts `volume`, without network. */
  container(volume: string, opts?: ContainerOptions): Promise<{ id: string; name: string }>;
  removeAll(): Promise<void>;
}

export function testResources(prefix: string): TestResources {
  const volumes: string[] = [];
  const containers: string[] = [];
  return {
    volumes,
    containers,
    async volume(name = uniqueName(prefix), labels = {}) {
      await docker.createVolume({ Name: name, Labels: { ...TEST_LABEL, ...labels } });
      volumes.push(name);
      return name;
    },
    async container(volume, opts = {}) {
      const name = opts.name ?? uniqueName(`${prefix}-c`);
      const c = await docker.createContainer({
        name,
        Image: opts.image ?? GNU_TAR_IMAGE,
        ...(opts.image ? {} : { Cmd: ['sleep', '600'] }),
        Labels: { ...TEST_LABEL, ...opts.labels },
        StopSignal: 'SIGKILL',
        HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: opts.target ?? '/data' }], NetworkMode: 'none' },
      });
      containers.push(c.id);
      if (opts.running) await c.start();
      return { id: c.id, name };
    },
    async removeAll() {
      for (const c of containers.splice(0)) await removeContainerQuietly(c);
      for (const v of volumes.splice(0)) await removeVolumeQuietly(v);
    },
  };
}

export interface VolumeEntry {
  /** Relative to the volume's root ("a/b.txt"). */
  name: string;
  type?: 'file' | 'directory';
  /** Default 0644 for a file, 0755 for a folder. */
  mode?: number;
  /** Default 0 (root). */
  uid?: number;
  /** Default: the uid. */
  gid?: number;
  content?: string | Buffer;
}

/** Writes entries into a volume through the engine's archive API, owners and modes kept as given. */
export async function fillVolume(volume: string, entries: VolumeEntry[]): Promise<void> {
  const p = pack();
  for (const e of entries) {
    const uid = e.uid ?? 0;
    const header = { name: e.name, uid, gid: e.gid ?? uid };
    if (e.type === 'directory') p.entry({ ...header, type: 'directory', mode: e.mode ?? 0o755 });
    else p.entry({ ...header, mode: e.mode ?? 0o644 }, e.content ?? Buffer.alloc(0));
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  // Created, never started: the archive API writes into a stopped container's mounts.
  const helper = await docker.createContainer({
    Image: GNU_TAR_IMAGE,
    Cmd: ['true'],
    Labels: TEST_LABEL,
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/data' }], NetworkMode: 'none' },
  });
  try {
    await helper.putArchive(Buffer.concat(chunks), { path: '/data' });
  } finally {
    await helper.remove({ force: true, v: true });
  }
}
