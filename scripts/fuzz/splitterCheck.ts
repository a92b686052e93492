// The fast restore's splitter on a case: its outputs, extracted by GNU tar one after the other (output 0
// last, with its final folder pass, as the restore orders them), must give the tree that one GNU tar
// extracting the input gives.
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createParallelGunzip } from '../../electron/services/archive/parallelGunzip';
import { createTarSplitter } from '../../electron/services/archive/tarSplitter';
import { readTree, runTar, type TreeNode } from './gnuTar';

const WAYS = 2;

export async function splitterTree(file: string, into: string): Promise<TreeNode[] | string> {
  const head = Buffer.alloc(2);
  const fh = await fs.open(file, 'r');
  await fh.read(head, 0, 2, 0);
  await fh.close();
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  const splitter = createTarSplitter(WAYS);
  const chunks: Buffer[][] = splitter.outputs.map(() => []);
  const drained = splitter.outputs.map(
    (out, i) =>
      new Promise<void>((resolve, reject) => {
        out.on('data', (b: Buffer) => (chunks[i] as Buffer[]).push(b));
        out.on('end', resolve);
        out.on('error', reject);
      }),
  );
  const sink = splitter as Writable;
  try {
    await pipeline(gz ? [createReadStream(file), createParallelGunzip(), sink] : [createReadStream(file), sink]);
  } catch (err) {
    return `splitter refused: ${err instanceof Error ? err.message : String(err)}`;
  }
  await Promise.all(drained.slice(1));
  splitter.finish();
  await drained[0];
  await fs.rm(into, { recursive: true, force: true });
  await fs.mkdir(into, { recursive: true });
  for (const i of [...splitter.outputs.keys()].slice(1).concat([0])) {
    const r = await runTar(['-C', into, '--numeric-owner', '-xf', '-'], { stdin: Buffer.concat(chunks[i] as Buffer[]) });
    if (r.code !== 0) return `output ${i}: tar exit ${r.code}: ${r.stderr.trim()}`;
  }
  const tree = await readTree(into);
  await fs.rm(into, { recursive: true, force: true });
  return tree;
}
