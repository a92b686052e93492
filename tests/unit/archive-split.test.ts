import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTarSplitter } from '../../electron/services/archive/tarSplitter';
import { TarParser } from '../../electron/services/archive/tarParser';
import { EXTRACT_RECORDS } from '../../electron/services/docker/helperTar';
import { describeTree, gnuTar, packTar, runOk, tempTree } from './archive-fixtures';
import { end, file, pax } from './tar-craft';

let dir: string;
let src: string;

beforeAll(async () => {
  ({ dir, tree: src } = await tempTree('src'));
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

/** A `tar -xf -` reading a stream, with the helper containers' records (helperTar.ts). */
function extractor(dest: string, input: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', ['-C', dest, '--numeric-owner', ...EXTRACT_RECORDS, '-xf', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
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

/** The archive split `ways` ways, each output whole in memory (small test archives only). */
async function splitFile(archive: string, ways: number): Promise<Buffer[]> {
  const splitter = createTarSplitter(ways);
  const outs = splitter.outputs.map((o) => collect(o));
  await pipeline(createReadStream(archive), splitter);
  splitter.finish();
  return Promise.all(outs);
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

  it('sends every entry but folders once, the same path always to the same output, all folders last to the first', async () => {
    const archive = path.join(dir, 'src-gnu.tar');
    await gnuTar(src, archive, { format: 'gnu' });
    const data = await splitFile(archive, 3);
    const parts = await Promise.all(data.map(entriesOf));
    const all = await entriesOf(await fs.readFile(archive));
    const folders = all.filter((p) => p.endsWith('/'));
    const notFolders = (names: string[]) => names.filter((p) => !p.endsWith('/'));
    expect(parts.every((p) => notFolders(p).length > 0)).toBe(true);
    expect(notFolders(parts.flat()).sort()).toEqual(notFolders(all).sort());
    expect(parts[0]?.slice(-folders.length)).toEqual(folders);
    // A hard link travels with its target.
    const withLink = parts.find((p) => p.includes('./many/link-10'));
    expect(withLink).toContain('./many/d3/f10.txt');
  });

  /** Each output's entries, checked: every parent folder of an entry came earlier in the same output. */
  async function expectSelfSufficient(parts: string[][]): Promise<void> {
    for (const names of parts) {
      const had = new Set<string>();
      for (const name of names) {
        const parts = name.split('/').filter((c) => c !== '' && c !== '.');
        for (let i = 1; i < parts.length; i++) expect(had, `${name} needs ${parts.slice(0, i).join('/')} first`).toContain(parts.slice(0, i).join('/'));
        if (name.endsWith('/')) had.add(parts.join('/'));
      }
    }
  }

  it('gives every output the folders its entries are in, before them, so no extractor waits for another', async () => {
    const archive = path.join(dir, 'src-pax.tar');
    await gnuTar(src, archive, { format: 'pax' });
    const data = await splitFile(archive, 3);
    await expectSelfSufficient(await Promise.all(data.map(entriesOf)));
    // Extracted alone, an output other than the first makes its folders from the archive's entries
    // (many/d3 is 0700 there), not as missing parents (0755).
    for (const [i, out] of data.entries()) {
      if (i === 0 || !(await entriesOf(out)).some((p) => p.startsWith('./many/d3/'))) continue;
      const alone = path.join(dir, `alone-${i}`);
      await fs.mkdir(alone);
      await runOk('tar', ['-C', alone, '--numeric-owner', ...EXTRACT_RECORDS, '-xf', '-'], { input: out });
      expect(((await fs.stat(path.join(alone, 'many/d3'))).mode & 0o777).toString(8)).toBe('700');
    }
  });

  it('makes the missing folders of an archive without folder entries (long paths too) for each output', async () => {
    const deep = `${'a'.repeat(60)}/${'b'.repeat(60)}`;
    const deeper = `${deep}/${'c'.repeat(90)}/${'d'.repeat(90)}`;
    const archive = path.join(dir, 'no-folders.tar');
    const files = Array.from({ length: 24 }, (_, i) => ({ name: `./${i % 2 ? deep : deeper}/f${i}`, content: `f${i}`, mode: 0o644 }));
    await packTar(archive, files);
    const data = await splitFile(archive, 2);
    await expectSelfSufficient(await Promise.all(data.map(entriesOf)));
    const together = path.join(dir, 'no-folders-split');
    await fs.mkdir(together);
    for (const out of data) await runOk('tar', ['-C', together, '--numeric-owner', ...EXTRACT_RECORDS, '-xf', '-'], { input: out });
    for (const f of files) expect(await fs.readFile(path.join(together, f.name), 'utf8')).toBe(f.content);
    expect(((await fs.stat(path.join(together, deeper))).mode & 0o777).toString(8)).toBe('755');
  });

  it('hands out the made-up folders of deep paths with backpressure, holding at most a little of them (issue 11, item 1)', async () => {
    // 24 files, each 2,000 folders deep on a branch of its own, in one small input chunk: ~6 MB of
    // folder records each (every record holds its whole path), 150 MB in all, for slow readers.
    const depth = 2000;
    const tar = Buffer.concat([
      ...Array.from({ length: 24 }, (_, i) => Buffer.concat([pax([['path', `b${i}/${'a/'.repeat(depth)}f`]]), file(`f${i}`, 'x')])),
      end(),
    ]);
    const splitter = createTarSplitter(2, { highWaterMark: 64 * 1024 });
    let peak = 0;
    const sample = () => {
      const queued = splitter.outputs.reduce((n, o) => n + o.writableLength + o.readableLength, 0);
      peak = Math.max(peak, queued);
    };
    const readers = splitter.outputs.map((out) => {
      let folders = 0;
      let lastFolder = '';
      const files: Array<{ path: string; folders: number; parentOk: boolean }> = [];
      const parser = new TarParser({
        onEntry: (e) => {
          if (e.info.type === 'directory') {
            folders++;
            lastFolder = e.info.path.replace(/^\.\//, '').replace(/\/$/, '');
          } else {
            files.push({
              path: e.info.path,
              folders,
              parentOk: e.info.path.startsWith(`${lastFolder}/`) && !e.info.path.slice(lastFolder.length + 1).includes('/'),
            });
            folders = 0;
          }
        },
      });
      const sink = new Writable({
        highWaterMark: 16 * 1024,
        write(chunk: Buffer, _e, cb) {
          sample();
          parser.write(chunk);
          setImmediate(cb);
        },
      });
      return pipeline(out, sink).then(() => files);
    });
    await pipeline(Readable.from([tar]), splitter);
    splitter.finish();
    const got = (await Promise.all(readers)).flat();
    expect(got.length).toBe(24);
    for (const f of got) {
      expect(f.folders).toBe(depth + 1);
      expect(f.parentOk).toBe(true);
    }
    expect(peak).toBeLessThan(8 * 1024 * 1024);
  }, 30_000);

  it('reports every entry in archive order and the tar bytes read, for progress', async () => {
    const archive = path.join(dir, 'src-gnu.tar');
    await gnuTar(src, archive, { format: 'gnu' });
    const seen: string[] = [];
    const splitter = createTarSplitter(2, { onEntry: (e) => seen.push(e.path) });
    splitter.outputs.forEach((o) => o.resume());
    await pipeline(createReadStream(archive), splitter);
    splitter.finish();
    expect(seen).toEqual(await entriesOf(await fs.readFile(archive)));
    expect(splitter.tarBytes).toBeGreaterThan(0);
    expect(splitter.tarBytes).toBeLessThanOrEqual((await fs.stat(archive)).size);
  });

  it('fails on a stream that is not tar', async () => {
    const splitter = createTarSplitter(2);
    splitter.outputs.forEach((o) => o.resume());
    const garbage = path.join(dir, 'garbage.bin');
    await fs.writeFile(garbage, Buffer.alloc(2048, 7));
    await expect(pipeline(createReadStream(garbage), splitter)).rejects.toMatchObject({ code: 'ARCHIVE_INVALID' });
  });
});
