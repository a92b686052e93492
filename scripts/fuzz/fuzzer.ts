// The differential fuzzer's loop: case i of seed S is always built the same way from the grammar and
// the mutations (pool archives carry file times, so for those the saved archive is the reproduction).
import { gunzipSync } from 'node:zlib';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pack, type Packed } from './compress';
import { grammarArchive } from './grammar';
import { judge, type FindingKind, type Verdict } from './judge';
import { mutate } from './mutate';
import { buildPool, type PoolArchive } from './pool';
import { Rng } from './rng';

export interface FuzzOptions {
  seed: number;
  /** Stop after this many cases… */
  cases?: number;
  /** …or after this many milliseconds, whichever comes first. */
  budgetMs?: number;
  /** Cases judged at once (each runs two GNU tar processes). */
  concurrency?: number;
  /** Every n-th accepted case also goes through the splitter (0: never). */
  splitterEvery?: number;
  /** Where findings are saved (minimised); null: not saved. */
  corpusDir?: string | null;
  /** Only this case index (reproduction). */
  only?: number;
  log?: (line: string) => void;
  /** Called after every case with the count and the outcomes so far. */
  progress?: (done: number, kinds: Record<string, number>) => void;
}

export interface Finding {
  kind: FindingKind;
  seed: number;
  index: number;
  recipe: string;
  detail: string;
  file: string | null;
}

export interface FuzzResult {
  cases: number;
  ms: number;
  findings: Finding[];
  kinds: Record<string, number>;
}

/** A well-spread 32-bit seed for case `index` of run `seed`. */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export interface Case {
  tar: Buffer;
  packed: Packed;
  recipe: string;
}

export function buildCase(seed: number, index: number, pool: PoolArchive[]): Case {
  const rng = new Rng(caseSeed(seed, index));
  let tar: Buffer;
  let recipe: string;
  if (pool.length > 0 && rng.chance(0.4)) {
    const base = rng.pick(pool);
    tar = base.tar;
    recipe = base.label;
  } else {
    tar = grammarArchive(rng);
    recipe = 'grammar';
  }
  const others = [...pool.map((p) => p.tar), grammarArchive(rng)];
  const mutations = rng.chance(0.2) ? 0 : 1 + rng.small(5);
  const ops: string[] = [];
  for (let m = 0; m < mutations; m++) {
    const r = mutate(rng, tar, others);
    tar = r.tar;
    ops.push(r.op);
  }
  if (ops.length > 0) recipe += ` + ${ops.join(', ')}`;
  const packed = pack(rng, tar);
  return { tar, packed, recipe: `${recipe} (${packed.how})` };
}

/** Delta debugging over 512-byte blocks (then over bytes of the last partial block): the smallest archive that still shows `kind`. */
export async function minimise(tar: Buffer, still: (t: Buffer) => Promise<boolean>, maxTests = 400): Promise<Buffer> {
  let tests = 0;
  const check = async (t: Buffer) => {
    tests++;
    return still(t);
  };
  let blocks: Buffer[] = [];
  for (let i = 0; i < tar.length; i += 512) blocks.push(tar.subarray(i, i + 512));
  let n = 2;
  while (blocks.length >= 2 && tests < maxTests) {
    const chunk = Math.ceil(blocks.length / n);
    let reduced = false;
    for (let start = 0; start < blocks.length && tests < maxTests; start += chunk) {
      const candidate = [...blocks.slice(0, start), ...blocks.slice(start + chunk)];
      if (candidate.length > 0 && (await check(Buffer.concat(candidate)))) {
        blocks = candidate;
        n = Math.max(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= blocks.length) break;
      n = Math.min(blocks.length, n * 2);
    }
  }
  return Buffer.concat(blocks);
}

async function saveFinding(dir: string, f: Omit<Finding, 'file'>, bytes: Buffer, ext: string, v: Verdict): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const name = `${f.kind}-${f.seed}-${f.index}`;
  const file = path.join(dir, `${name}.${ext}`);
  await fs.writeFile(file, bytes);
  const sidecar = {
    seed: f.seed,
    case: f.index,
    kind: f.kind,
    recipe: f.recipe,
    detail: f.detail,
    ours: v.ours.ok ? { ok: true, entries: v.ours.entries.length, problems: v.ours.problems.slice(0, 5) } : v.ours,
    gnuList: { code: v.list.code, stderr: v.list.stderr.slice(0, 2000), entries: v.list.entries.length },
    found: new Date().toISOString(),
  };
  await fs.writeFile(path.join(dir, `${name}.json`), `${JSON.stringify(sidecar, null, 2)}\n`);
  return file;
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const log = opts.log ?? (() => undefined);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'ailab-fuzz-'));
  const started = Date.now();
  const findings: Finding[] = [];
  const kinds: Record<string, number> = {};
  let done = 0;
  try {
    const pool = await buildPool(path.join(work, 'pool'), new Rng(opts.seed)).catch((err: unknown) => {
      log(`pool: ${err instanceof Error ? err.message : String(err)} (grammar only)`);
      return [] as PoolArchive[];
    });
    log(`pool: ${pool.map((p) => p.label).join(', ')}`);
    let next = opts.only ?? 0;
    const last = opts.only !== undefined ? opts.only + 1 : (opts.cases ?? Number.POSITIVE_INFINITY);
    const deadline = opts.budgetMs !== undefined ? started + opts.budgetMs : Number.POSITIVE_INFINITY;
    const worker = async (w: number) => {
      const dir = path.join(work, `w${w}`);
      await fs.mkdir(dir, { recursive: true });
      while (next < last && Date.now() < deadline) {
        const index = next++;
        const c = buildCase(opts.seed, index, pool);
        const file = path.join(dir, `case.${c.packed.ext}`);
        await fs.writeFile(file, c.packed.bytes);
        const splitter = (opts.splitterEvery ?? 0) > 0 && index % (opts.splitterEvery as number) === 0;
        const t0 = Date.now();
        let v: Verdict;
        try {
          v = await judge(file, dir, { splitter });
        } catch (err) {
          // A fault of the fuzzer itself (not a disagreement): say so and go on with the next case.
          log(`ERROR seed=${opts.seed} case=${index} (${c.recipe}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          kinds['fuzzer-error'] = (kinds['fuzzer-error'] ?? 0) + 1;
          await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
          await fs.mkdir(dir, { recursive: true });
          continue;
        }
        if (Date.now() - t0 > 3000) log(`slow: case ${index} took ${Date.now() - t0} ms (${c.recipe})`);
        done++;
        const bucket = v.pass ? (v.ours.ok ? 'pass-accepted' : v.designed ? 'refused-by-design' : 'pass-refused') : (v.kind as string);
        kinds[bucket] = (kinds[bucket] ?? 0) + 1;
        opts.progress?.(done, kinds);
        if (v.pass) continue;
        const kind = v.kind as FindingKind;
        log(`FINDING ${kind} seed=${opts.seed} case=${index} after ${((Date.now() - started) / 1000).toFixed(1)} s: ${c.recipe}: ${v.detail}`);
        let bytes = c.packed.bytes;
        let ext: string = c.packed.ext;
        let final = v;
        if (opts.corpusDir) {
          // Minimise the plain tar when the finding does not need the compression.
          const tmp = path.join(dir, 'min');
          await fs.mkdir(tmp, { recursive: true });
          const still = async (t: Buffer, e = 'tar') => {
            const f2 = path.join(tmp, `m.${e}`);
            await fs.writeFile(f2, t);
            const v2 = await judge(f2, tmp, { splitter: kind === 'splitter-differs' });
            return v2.kind === kind;
          };
          let plain: Buffer | null = null;
          try {
            plain = ext === 'tgz' ? gunzipSync(bytes) : bytes;
          } catch {
            plain = null;
          }
          if (plain && (await still(plain))) {
            bytes = await minimise(plain, (t) => still(t));
            ext = 'tar';
          }
          const f3 = path.join(tmp, `final.${ext}`);
          await fs.writeFile(f3, bytes);
          final = await judge(f3, tmp, { splitter: kind === 'splitter-differs' });
        }
        const f: Omit<Finding, 'file'> = { kind, seed: opts.seed, index, recipe: c.recipe, detail: final.detail || v.detail };
        const saved = opts.corpusDir ? await saveFinding(opts.corpusDir, f, bytes, ext, final) : null;
        findings.push({ ...f, file: saved });
        if (saved) log(`  saved ${saved} (${bytes.length} bytes)`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, (_, w) => worker(w)));
  } finally {
    await fs.rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
  return { cases: done, ms: Date.now() - started, findings, kinds };
}
