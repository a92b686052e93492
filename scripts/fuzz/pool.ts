// Archives written by real writers (GNU tar 1.34 in every format it has, Python's tarfile in its
// three) from a small tree with sparse files, long names, links, a FIFO and a device: the bases the
// mutations start from, and cases of their own.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Rng } from './rng';

const exec = promisify(execFile);

export interface PoolArchive {
  label: string;
  tar: Buffer;
}

async function makeTree(root: string, rng: Rng): Promise<string[]> {
  const long = 'd'.repeat(rng.pick([90, 120, 200]));
  const dirs = ['notebooks', `notebooks/${long}`, 'data/sub', 'empty'];
  for (const d of dirs) await fs.mkdir(path.join(root, d), { recursive: true });
  await fs.writeFile(path.join(root, 'notebooks/a.ipynb'), '{"cells": []}\n');
  await fs.writeFile(path.join(root, `notebooks/${long}/${'f'.repeat(rng.pick([50, 101, 160]))}.txt`), Buffer.alloc(rng.int(2000), 0x41));
  await fs.writeFile(path.join(root, 'data/sub/block.bin'), Buffer.alloc(512 * rng.range(0, 3), 0x42));
  await fs.chmod(path.join(root, 'data/sub/block.bin'), rng.pick([0o644, 0o4755, 0o2750]));
  // Sparse: regions between holes; more than four so old-GNU needs extension blocks.
  const sparse = await fs.open(path.join(root, 'data/disk.img'), 'w');
  await sparse.truncate(rng.pick([256, 1024]) * 1024);
  const regions = rng.pick([1, 3, 6, 30]);
  for (let i = 0; i < regions; i++) await sparse.write(Buffer.alloc(rng.pick([1, 600, 5000]), 0x43 + (i % 20)), 0, undefined, i * 8192 + rng.int(2000));
  await sparse.close();
  await fs.symlink('a.ipynb', path.join(root, 'notebooks/link'));
  await fs.symlink(rng.pick(['/etc/passwd', '../data', 'x'.repeat(150)]), path.join(root, 'data/far'));
  await fs.link(path.join(root, 'notebooks/a.ipynb'), path.join(root, 'data/hard'));
  await exec('mkfifo', [path.join(root, 'data/fifo')]);
  if (rng.chance(0.3)) await exec('mknod', [path.join(root, 'data/null'), 'c', '1', '3']).catch(() => undefined);
  await fs.writeFile(path.join(root, 'ai_lab_secure_configuration_storage.sqlite'), 'scs');
  return ['.'];
}

const PY = String.raw`
import sys, tarfile, os
root, out, fmt = sys.argv[1], sys.argv[2], sys.argv[3]
f = {'ustar': tarfile.USTAR_FORMAT, 'gnu': tarfile.GNU_FORMAT, 'pax': tarfile.PAX_FORMAT}[fmt]
try:
    with tarfile.open(out, 'w', format=f) as t:
        t.add(root, arcname='.')
except Exception as e:
    print(e, file=sys.stderr)
    sys.exit(3)
`;

/** A few archives of the tree in different formats; whatever a writer refuses (V7 and long names) is left out. */
export async function buildPool(dir: string, rng: Rng): Promise<PoolArchive[]> {
  const root = path.join(dir, 'tree');
  await fs.rm(root, { recursive: true, force: true });
  await fs.mkdir(root, { recursive: true });
  await makeTree(root, rng);
  const pool: PoolArchive[] = [];
  const gnu: Array<[string, string[]]> = [
    ['gnu', ['--format=gnu', '-S']],
    ['oldgnu', ['--format=oldgnu', '-S']],
    ['pax-0.0', ['--format=posix', '-S', '--sparse-version=0.0']],
    ['pax-0.1', ['--format=posix', '-S', '--sparse-version=0.1']],
    ['pax-1.0', ['--format=posix', '-S', '--sparse-version=1.0']],
    ['ustar', ['--format=ustar']],
    ['v7', ['--format=v7']],
  ];
  for (const [label, args] of gnu) {
    const out = path.join(dir, `pool-${label}.tar`);
    try {
      await exec('tar', ['-C', root, ...args, '-cf', out, '.'], { env: { ...process.env, LC_ALL: 'C' } });
      pool.push({ label: `gnu-tar ${label}`, tar: await fs.readFile(out) });
    } catch {
      // V7 and ustar cannot hold every name of the tree: tar still writes the rest, exit status 2.
      const partial = await fs.readFile(out).catch(() => null);
      if (partial && partial.length > 0) pool.push({ label: `gnu-tar ${label} (partial)`, tar: partial });
    }
  }
  for (const fmt of ['ustar', 'gnu', 'pax']) {
    const out = path.join(dir, `pool-py-${fmt}.tar`);
    try {
      await exec('python3', ['-c', PY, root, out, fmt]);
      pool.push({ label: `python ${fmt}`, tar: await fs.readFile(out) });
    } catch {
      // USTAR cannot hold the long names; Python gives up on the whole archive.
    }
  }
  await fs.rm(root, { recursive: true, force: true });
  return pool;
}
