// Archives from a grammar of real tar features, written by hand block by block so that every odd
// corner is reachable: ustar (name + prefix), GNU (L/K long names, base-256 numbers, old-GNU sparse
// with extension blocks), pax (x/X per entry, g global, GNU.sparse 0.0/0.1/1.0), V7, links, devices,
// FIFOs, contiguous and unknown types, odd number encodings, end markers or their absence.
import { BLOCK, header, pad, paxRecord, sparseEntry, type HeaderFields } from '../../tests/unit/tar-craft';
import type { Rng } from './rng';

const WORDS = ['a', 'b', 'dir', 'x.txt', 'notebooks', 'data.csv', 'é', 'sp ace', '.hidden', 'f\\n', 'ai_lab_secure_configuration_storage.sqlite'];

export function randomName(rng: Rng, opts: { dir?: boolean } = {}): string {
  const parts: string[] = [];
  const depth = 1 + rng.small(5);
  for (let i = 0; i < depth; i++) {
    const r = rng.next();
    if (r < 0.03) parts.push('..');
    else if (r < 0.06) parts.push('.');
    else if (r < 0.08) parts.push('');
    else if (r < 0.14) parts.push('n'.repeat(rng.pick([60, 99, 100, 101, 154, 155, 156, 200, 255, 256, 300])));
    else if (r < 0.16) parts.push('new\nline');
    else parts.push(rng.pick(WORDS) + (rng.chance(0.5) ? String(rng.int(10)) : ''));
  }
  let name = parts.join('/');
  if (rng.chance(0.4)) name = `./${name}`;
  else if (rng.chance(0.03)) name = `/${name}`;
  if (opts.dir ? rng.chance(0.8) : rng.chance(0.04)) name += '/';
  if (rng.chance(0.01)) name = 'l'.repeat(rng.pick([1000, 4095, 4096, 5000]));
  return name;
}

function octalField(value: number, len: number): Buffer {
  return Buffer.from(`${value.toString(8).padStart(len - 1, '0')}\0`, 'latin1');
}

/** base-256 (GNU): 0x80 then the big-endian value; 0xff for negatives. */
export function base256(value: number, len: number): Buffer {
  const b = Buffer.alloc(len);
  let v = BigInt(value);
  const negative = v < 0n;
  if (negative) v = (1n << BigInt(8 * len)) + v;
  for (let i = len - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  b[0] = negative ? (b[0] as number) | 0xc0 : 0x80 | ((b[0] as number) & 0x3f);
  return b;
}

/** The same number written in one of the ways tar readers meet in the wild (or in fuzzers). */
export function numberField(rng: Rng, value: number, len: number): Buffer {
  const r = rng.next();
  if (r < 0.7) return octalField(value, len);
  if (r < 0.8) return base256(value, len);
  if (r < 0.85) return Buffer.from(`${value.toString(8)} `.padStart(len, ' '), 'latin1').subarray(0, len);
  if (r < 0.9) return Buffer.concat([Buffer.from([0]), Buffer.from(value.toString(8).padStart(len - 2, '0'), 'latin1'), Buffer.from([0x20])]).subarray(0, len);
  if (r < 0.95) return Buffer.from(value.toString(8).padStart(len, '0'), 'latin1').subarray(0, len);
  return Buffer.from(`${value.toString(8)}\0`.padEnd(len, '\0'), 'latin1').subarray(0, len);
}

interface Ctx {
  rng: Rng;
  paths: string[];
  out: Buffer[];
}

type Magic = 'ustar' | 'gnu' | 'v7';

/**
 * A small tar stream to put inside file data (a backup holding a .tar, a disk image): a parser that
 * falls out of step with GNU tar reads it as entries, so it is what hides a device from a bad check.
 */
function nestedTar(rng: Rng): Buffer {
  const blocks = [header({ name: rng.pick(['b.txt', 'inner/x']), size: rng.pick([0, 512]) })];
  if ((blocks[0] as Buffer).toString('latin1', 124, 135) !== '00000000000') blocks.push(Buffer.alloc(512, 0x78));
  blocks.push(header({ name: rng.pick(['dev0', 'hidden-fifo']), type: rng.pick(['3', '6']), mode: 0o666 }));
  if (rng.chance(0.5)) blocks.push(header({ name: 'after.txt' }));
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function content(rng: Rng): Buffer {
  const n = rng.pick([0, 0, 1, 100, 511, 512, 513, 1024, 1500, rng.int(3000)]);
  const b = Buffer.alloc(n);
  // Content that looks like headers is what desynchronised parsers stumble over.
  if (n >= 512 && rng.chance(0.3)) (rng.chance(0.5) ? nestedTar(rng) : header({ name: 'hidden-dev', type: '3' })).copy(b, 0);
  else for (let i = 0; i < n; i++) b[i] = 97 + ((i * 7) % 26);
  return b;
}

/** Stored data of `n` bytes: plain, or a tar stream placed at a block boundary inside it. */
function storedData(rng: Rng, n: number, fill: number): Buffer {
  const b = Buffer.alloc(n, fill);
  if (n >= 512 && rng.chance(0.5)) {
    // At the last block it is where a reader one block out of step takes its next header.
    const at = rng.chance(0.5) ? 512 * (Math.ceil(n / 512) - 1) : 512 * rng.int(n / 512);
    nestedTar(rng).copy(b, at);
  }
  return b;
}

function paxBlock(records: Array<[string, string | Buffer]>, type: string, rng: Rng): Buffer {
  const body = Buffer.concat(records.map(([k, v]) => paxRecord(k, v)));
  return Buffer.concat([header({ name: rng.chance(0.5) ? './PaxHeaders/x' : 'PaxHeader', size: body.length, type }), pad(body)]);
}

function longRecord(flag: 'L' | 'K', value: string): Buffer {
  const body = Buffer.concat([Buffer.from(value), Buffer.from([0])]);
  return Buffer.concat([header({ name: '././@LongLink', size: body.length, type: flag, magic: 'gnu' }), pad(body)]);
}

/** Fits the name into a header: name alone, or ustar prefix + name; null when neither fits. */
function splitUstar(name: Buffer): { prefix: Buffer; name: Buffer } | null {
  if (name.length <= 100) return { prefix: Buffer.alloc(0), name };
  for (let i = Math.min(name.length - 1, 155); i > 0; i--) {
    if (name[i] === 0x2f && name.length - i - 1 <= 100 && name.length - i - 1 > 0) return { prefix: name.subarray(0, i), name: name.subarray(i + 1) };
  }
  return null;
}

/** One entry with the name/link carried the way `style` says; returns the blocks. */
function entry(
  ctx: Ctx,
  f: HeaderFields & { data?: Buffer },
  magic: Magic,
  style: 'plain' | 'gnu' | 'pax',
  extraPax: Array<[string, string | Buffer]> = [],
): Buffer {
  const rng = ctx.rng;
  const blocks: Buffer[] = [];
  const name = Buffer.from(typeof f.name === 'string' ? f.name : f.name.toString());
  const at: Array<[number, Buffer]> = [...(f.at ?? [])];
  const pax: Array<[string, string | Buffer]> = [...extraPax];
  let headerName: Buffer = name;
  if (style === 'gnu' && name.length > 100) {
    blocks.push(longRecord('L', name.toString()));
    headerName = name.subarray(0, 100);
  } else if (style === 'pax' && (name.length > 100 || rng.chance(0.3))) {
    pax.push(['path', name.toString()]);
    headerName = name.subarray(0, Math.min(100, name.length));
  } else if (magic === 'ustar' && name.length > 100) {
    const split = splitUstar(name);
    if (split) {
      headerName = split.name;
      at.push([345, split.prefix]);
    }
  }
  let link = f.link;
  if (link !== undefined && Buffer.byteLength(link) > 100) {
    if (style === 'gnu') blocks.push(longRecord('K', link));
    else pax.push(['linkpath', link]);
    link = Buffer.from(link).subarray(0, 100).toString('latin1');
  }
  if (style === 'pax' && rng.chance(0.2)) pax.push(['uid', String(rng.pick([0, 1000, 65534, 2 ** 21, 4294967295]))]);
  if (style === 'pax' && rng.chance(0.1)) pax.push(['size', String(rng.chance(0.7) ? (f.data?.length ?? 0) : rng.pick([1, 512, 1024]))]);
  if (style === 'pax' && rng.chance(0.1)) pax.push(['mtime', rng.pick(['1700000000.5', '-1', '0', '99999999999'])]);
  if (pax.length > 0) blocks.push(paxBlock(pax, rng.chance(0.9) ? 'x' : 'X', rng));
  const data = f.data ?? Buffer.alloc(0);
  if (rng.chance(0.15)) at.push([124, numberField(rng, f.size ?? data.length, 12)]);
  if (rng.chance(0.1)) at.push([108, numberField(rng, f.uid ?? 0, 8)]);
  if (rng.chance(0.1)) at.push([136, numberField(rng, rng.pick([0, 1700000000, 2 ** 33, -1]), 12)]);
  blocks.push(header({ ...f, name: headerName, link, magic, at, size: f.size ?? data.length }));
  if (data.length > 0) blocks.push(pad(data));
  return Buffer.concat(blocks);
}

function oldGnuSparseEntry(ctx: Ctx, name: string): Buffer {
  const rng = ctx.rng;
  const regions: Array<[number, number]> = [];
  let off = 0;
  const n = rng.pick([0, 1, 3, 4, 5, 25, 26, 30]);
  for (let i = 0; i < n; i++) {
    off += rng.pick([0, 1, 512, 4096, 100000]);
    const len = rng.pick([0, 1, 100, 512, 600]);
    regions.push([off, len]);
    off += len;
  }
  const realSize = off + rng.pick([0, 0, 1, 4096]);
  const stored = regions.reduce((s, [, l]) => s + Math.ceil(l / 512) * 512, 0) + (rng.chance(0.1) ? 512 : 0);
  const at: Array<[number, Buffer]> = regions.slice(0, 4).map(([o, l], i) => [386 + i * 24, sparseEntry(o, l)]);
  const extended = regions.length > 4 || rng.chance(0.1);
  at.push([482, Buffer.from([extended ? 1 : 0])], [483, rng.chance(0.9) ? octalField(realSize, 12) : base256(realSize, 12)]);
  const blocks = [header({ name, size: stored, type: 'S', magic: 'gnu', at, mode: 0o644 })];
  let rest = regions.slice(4);
  while (extended && (rest.length > 0 || blocks.length === 1)) {
    const b = Buffer.alloc(BLOCK);
    rest.slice(0, 21).forEach(([o, l], i) => sparseEntry(o, l).copy(b, i * 24));
    rest = rest.slice(21);
    b[504] = rest.length > 0 ? 1 : 0;
    blocks.push(b);
  }
  blocks.push(storedData(rng, stored, 0x61));
  return Buffer.concat(blocks);
}

function paxSparseEntry(ctx: Ctx, name: string): Buffer {
  const rng = ctx.rng;
  const version = rng.pick(['0.0', '0.1', '1.0']);
  const regions: Array<[number, number]> = [];
  let off = 0;
  const n = rng.pick([0, 1, 2, 3, 7]);
  for (let i = 0; i < n; i++) {
    off += rng.pick([0, 1, 512, 4096]);
    const len = rng.pick([0, 1, 100, 512, 513]);
    regions.push([off, len]);
    off += len;
  }
  const realSize = off + rng.pick([0, 1, 8192]);
  const dataBlocks = regions.reduce((s, [, l]) => s + Math.ceil(l / 512) * 512, 0);
  const records: Array<[string, string | Buffer]> = [];
  let data: Buffer;
  let headerName = name;
  if (version === '1.0') {
    records.push(['GNU.sparse.major', '1'], ['GNU.sparse.minor', '0'], ['GNU.sparse.name', name], ['GNU.sparse.realsize', String(realSize)]);
    const map = pad(Buffer.from(`${regions.length}\n${regions.map(([o, l]) => `${o}\n${l}\n`).join('')}`));
    data = Buffer.concat([map, storedData(rng, dataBlocks, 0x62)]);
    headerName = `./GNUSparseFile.0/${name.slice(-60)}`;
  } else {
    records.push(['GNU.sparse.size', String(realSize)], ['GNU.sparse.numblocks', String(regions.length)]);
    if (version === '0.0') for (const [o, l] of regions) records.push(['GNU.sparse.offset', String(o)], ['GNU.sparse.numbytes', String(l)]);
    else records.push(['GNU.sparse.map', regions.flat().join(',')]);
    if (rng.chance(0.7)) records.push(['GNU.sparse.name', name]);
    else records.push(['path', name]);
    data = storedData(rng, dataBlocks, 0x62);
  }
  if (rng.chance(0.2)) records.reverse();
  return Buffer.concat([paxBlock(records, 'x', rng), header({ name: headerName.slice(0, 100), size: data.length, type: rng.chance(0.9) ? '0' : 'S' }), data]);
}

/** A whole archive from the grammar. */
export function grammarArchive(rng: Rng, from: { names?: string[] } = {}): Buffer {
  const ctx: Ctx = { rng, paths: [...(from.names ?? [])], out: [] };
  const magic: Magic = rng.pick(['ustar', 'ustar', 'gnu', 'gnu', 'v7']);
  const style = magic === 'gnu' ? rng.pick(['gnu', 'gnu', 'plain'] as const) : magic === 'ustar' ? rng.pick(['pax', 'pax', 'plain'] as const) : 'plain';
  if (rng.chance(0.3)) ctx.out.push(entry(ctx, { name: rng.chance(0.5) ? './' : '.', type: '5', mode: 0o755 }, magic, 'plain'));
  if (rng.chance(0.1))
    ctx.out.push(paxBlock([[rng.pick(['uid', 'gid', 'mtime', 'uname', 'comment', 'path', 'size']), rng.pick(['7', '0', 'x', '1.5'])]], 'g', rng));
  const count = 1 + rng.small(8);
  for (let i = 0; i < count; i++) {
    const r = rng.next();
    const mode = rng.pick([0o644, 0o755, 0o4755, 0o2775, 0o1777, 0o7777, 0o000, 0o100644]);
    const uid = rng.pick([0, 1000, 65534, 2097151]);
    if (r < 0.35) {
      const name = randomName(rng);
      const data = content(rng);
      ctx.out.push(entry(ctx, { name, type: rng.pick(['0', '0', '0', '\0', '7']), mode, uid, data }, magic, style));
      ctx.paths.push(name);
    } else if (r < 0.5) {
      const name = randomName(rng, { dir: true });
      ctx.out.push(entry(ctx, { name, type: '5', mode: mode & 0o7777 }, magic, style));
      ctx.paths.push(name);
    } else if (r < 0.6) {
      const name = randomName(rng);
      ctx.out.push(
        entry(ctx, { name, type: '2', link: rng.chance(0.7) ? randomName(rng) : rng.pick(['/etc', '..', '../..', '.', 'a']), mode: 0o777 }, magic, style),
      );
      ctx.paths.push(name);
    } else if (r < 0.7) {
      const name = randomName(rng);
      const target = ctx.paths.length > 0 && rng.chance(0.8) ? rng.pick(ctx.paths) : randomName(rng);
      ctx.out.push(entry(ctx, { name, type: '1', link: target, size: rng.chance(0.1) ? 512 : 0 }, magic, style));
      ctx.paths.push(name);
    } else if (r < 0.75) {
      ctx.out.push(entry(ctx, { name: randomName(rng), type: rng.pick(['3', '4', '6', '6']), mode }, magic, style));
    } else if (r < 0.83) {
      ctx.out.push(oldGnuSparseEntry(ctx, randomName(rng)));
      // What follows a sparse member is what an out-of-step reader skips or invents.
      if (rng.chance(0.3)) ctx.out.push(entry(ctx, { name: 'dev-after', type: rng.pick(['3', '6']), mode: 0o666 }, magic, 'plain'));
    } else if (r < 0.91) {
      ctx.out.push(paxSparseEntry(ctx, randomName(rng)));
    } else if (r < 0.94) {
      ctx.out.push(entry(ctx, { name: randomName(rng), type: rng.pick(['D', 'V', 'M', 'N', 'Z', 'A']), data: content(rng) }, magic, 'plain'));
    } else {
      // A lone long-name or pax record, or several in a row: which one applies?
      ctx.out.push(longRecord(rng.pick(['L', 'K'] as const), randomName(rng)));
      if (rng.chance(0.5)) ctx.out.push(paxBlock([['path', randomName(rng)]], 'x', rng));
      ctx.out.push(entry(ctx, { name: randomName(rng), data: content(rng) }, magic, style));
    }
  }
  const endChoice = rng.next();
  if (endChoice < 0.8) ctx.out.push(Buffer.alloc(1024));
  else if (endChoice < 0.9) ctx.out.push(Buffer.alloc(512));
  else if (endChoice < 0.95) ctx.out.push(Buffer.alloc(1024 + 512 * rng.int(20)));
  return Buffer.concat(ctx.out);
}
