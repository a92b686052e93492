import type Dockerode from 'dockerode';
import { docker, TEST_LABEL } from './docker';
import { GNU_TAR_IMAGE } from './fixtures';

/**
 * Runs `script` in the GNU tar fixture with `volume` at /volume (no network); returns stdout, throws on a
 * non-zero exit. `on`: another engine and an image it has (a second dockerd holds only what was sent there).
 */
export async function runInVolume(
  volume: string,
  script: string,
  on: { engine: Dockerode; image: string } = { engine: docker, image: GNU_TAR_IMAGE },
): Promise<string> {
  const c = await on.engine.createContainer({
    Image: on.image,
    Cmd: ['sh', '-c', script],
    Labels: TEST_LABEL,
    HostConfig: { Mounts: [{ Type: 'volume', Source: volume, Target: '/volume' }], NetworkMode: 'none' },
  });
  try {
    await c.start();
    const res = (await c.wait()) as { StatusCode: number };
    const logs = (await c.logs({ stdout: true, stderr: true })) as Buffer;
    // Docker's log stream: frames of an 8-byte header (stream, 0, 0, 0, big-endian length) and the bytes.
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    for (let at = 0; at + 8 <= logs.length;) {
      const len = logs.readUInt32BE(at + 4);
      (logs[at] === 2 ? err : out).push(logs.subarray(at + 8, at + 8 + len));
      at += 8 + len;
    }
    if (res.StatusCode !== 0) throw new Error(`script failed (${res.StatusCode}): ${Buffer.concat(err).toString()}\n${script}`);
    return Buffer.concat(out).toString('utf8');
  } finally {
    await c.remove({ force: true, v: true }).catch(() => undefined);
  }
}

/**
 * Everything a restore must give back, one sorted line per entry (the root "." included): type,
 * owner, mode, size, mtime, link target, hard-link count and content hash.
 */
export async function volumeTree(volume: string, on?: { engine: Dockerode; image: string }): Promise<string[]> {
  const out = await runInVolume(
    volume,
    `cd /volume && find . -printf '%p\\t%y\\t%U:%G\\t%m\\t%s\\t%T@\\t%n\\t%l\\t' -exec sh -c 'if [ -f "$1" ] && [ ! -L "$1" ]; then sha256sum < "$1" | cut -c1-16; else echo -; fi' _ {} \\;`,
    on,
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const f = l.split('\t');
      // Folders' sizes are the file system's business; mtimes to the second, as tar keeps them.
      if (f[1] === 'd') f[4] = '-';
      f[5] = String(Math.floor(Number(f[5])));
      return f.join('\t');
    })
    .sort();
}
