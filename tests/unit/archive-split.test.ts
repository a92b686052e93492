import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTarSplitter } from '../../electron/services/archive/tarSplitter';
import { TarParser } from '../../electron/services/archive/tarParser';
import { describeTree, gnuTar, makeTree, runOk, tempDir } from './archive-fixtures';

let dir: string;
let src: string;

beforeAll(async () => {
  dir = await tempDir();
  src = path.join(dir, 'src');
  await makeTree(src);
  // Enough files that every output gets some, with hard links whose targets land elsewhere.
  for (let i = 0; i < 60; i++) {
    await fs.mkdir(path.join(src, `many/d${i % 7}`), { recursive: true });
    await fs.writeFile(path.join(src, `many/d${i % 7}/f${i}.txt`), `file ${i}\n`.repeat(i * 50));
    if (i % 10 === 0) await fs.link(path.join(src, `many/d${i % 7}/f${i}.txt`), path.join(src, `many/link-${i}`));
  }
  await fs.chmod(path.join(src, 'many/d3'), 0o700);
  const t = new Date('2023-03-03T03:03:03Z');
  for (let i = 0; i < 7; i++) await fs.utimes(path.join(src, `many/d${i}`), t, t);
  await fs.utimes(path.join(src, 'many'), t, t);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A `tar -xf -` reading a stream, as the helper containers do. */
function extractor(dest: string, input: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-C', dest, '--numeric-owner', '-xf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited ${code}: ${err}`))));
    input.pipe(child.stdin);
  });
}

async function entriesOf(data: Buffer): Promise<string[]> {
  const names: string[] = [];
  const parser = new TarParser({ onEntry: (e) => names.push(e.info.path) });
  parser.write(data);
  parser.end();
  return names;
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('createTarSplitter', () => {
  it.each([2, 3])('extracts %i ways at once to the same tree as one tar (owners, modes, times, links, long names)', async (ways) => {
    for (const format of ['gnu', 'pax'] as const) {
      const archive = path.join(dir, `src-${format}.tar`);
      await gnuTar(src, archive, { format });
      const single = path.join(dir, `single-${format}-${ways}`);
      await fs.mkdir(single);
      await runOk('tar', ['-C', single, '--numeric-owner', '-xf', archive]);

      const split = path.join(dir, `split-${format}-${ways}`);
      await fs.mkdir(split);
      const splitter = createTarSplitter(ways, { highWaterMark: 4096 });
      const [first, ...others] = splitter.outputs;
      const firstDone = extractor(split, first as Readable);
      const othersDone = Promise.all(others.map((o) => extractor(split, o)));
      await pipeline(createReadStream(archive, { highWaterMark: 1000 }), splitter);
      await othersDone;
      splitter.finish();
      await firstDone;
      expect(await describeTree(split)).toEqual(await describeTree(single));
    }
  });

  it('sends every entry once (folders twice, to the first output), the same path always to the same output', async () => {
    const archive = path.join(dir, 'src-gnu.tar');
    await gnuTar(src, archive, { format: 'gnu' });
    const splitter = createTarSplitter(3);
    const outs = splitter.outputs.map((o) => collect(o));
    await pipeline(createReadStream(archive), splitter);
    splitter.finish();
    const parts = await Promise.all((await Promise.all(outs)).map(entriesOf));
    const all = await entriesOf(await fs.readFile(archive));
    const folders = all.filter((p) => p.endsWith('/'));
    expect(parts.every((p) => p.length > 0)).toBe(true);
    expect(parts.flat().sort()).toEqual([...all, ...folders].sort());
    expect(parts[0]?.slice(-folders.length)).toEqual(folders);
    // A hard link travels with its target.
    const withLink = parts.find((p) => p.includes('./many/link-10'));
    expect(withLink).toContain('./many/d3/f10.txt');
  });

  it('fails on a stream that is not tar', async () => {
    const splitter = createTarSplitter(2);
    splitter.outputs.forEach((o) => o.resume());
    const garbage = path.join(dir, 'garbage.bin');
    await fs.writeFile(garbage, Buffer.alloc(2048, 7));
    await expect(pipeline(createReadStream(garbage), splitter)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
  });
});
