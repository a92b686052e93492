// The differential fuzzer's bounded CI run (docs/fuzzing.md): a fixed list of seeds, each a fixed
// number of cases, under a time budget of about two minutes on a 2-core machine. Any disagreement
// between our check (or the fast restore's splitter) and GNU tar fails the test with the seed and case
// to repeat it with `npm run fuzz -- --seed S --case I`, which minimises and saves it to the corpus.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFuzz, type Finding } from '../../scripts/fuzz/fuzzer';
import { judge } from '../../scripts/fuzz/judge';
import { buildPool } from '../../scripts/fuzz/pool';
import { Rng } from '../../scripts/fuzz/rng';

const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34];
const CASES_PER_SEED = 60;
/** The whole run's budget: seeds that do not fit stop early (the count run is printed). */
const BUDGET_MS = 100_000;

describe('differential fuzzing against GNU tar (bounded)', () => {
  it('accepts what GNU tar and Python write, unmutated, with the entries GNU tar sees (V7 aside: no magic)', async () => {
    const work = await fs.mkdtemp(path.join(os.tmpdir(), 'fuzz-pool-'));
    try {
      const pool = await buildPool(path.join(work, 'pool'), new Rng(7));
      expect(pool.length).toBeGreaterThanOrEqual(8);
      for (const [i, p] of pool.entries()) {
        const file = path.join(work, `${i}.tar`);
        await fs.writeFile(file, p.tar);
        const v = await judge(file, path.join(work, `w${i}`), { splitter: true });
        expect({ writer: p.label, kind: v.kind, detail: v.detail }).toEqual({ writer: p.label, kind: null, detail: '' });
        if (!p.label.includes('v7')) expect(v.ours.ok, `${p.label}: ${v.ours.ok ? '' : v.ours.error}`).toBe(true);
      }
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  }, 60_000);

  it('finds no disagreement on the fixed seeds', async () => {
    const started = Date.now();
    const findings: Finding[] = [];
    let cases = 0;
    let errors = 0;
    for (const seed of SEEDS) {
      const left = BUDGET_MS - (Date.now() - started);
      if (left < 5_000) break;
      const r = await runFuzz({
        seed,
        cases: CASES_PER_SEED,
        budgetMs: left,
        concurrency: 2,
        splitterEvery: 4,
        corpusDir: null,
        log: (line) => console.log(line),
      });
      cases += r.cases;
      findings.push(...r.findings);
      errors += r.kinds['fuzzer-error'] ?? 0;
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`fuzz (CI): ${cases} cases in ${seconds.toFixed(1)} s (${(cases / seconds).toFixed(1)}/s), ${findings.length} findings`);
    expect(cases).toBeGreaterThan(50);
    expect(errors, 'cases the fuzzer itself failed on (ERROR lines above)').toBe(0);
    expect(findings.map((f) => `${f.kind} (npm run fuzz -- --seed ${f.seed} --case ${f.index}): ${f.recipe}: ${f.detail}`)).toEqual([]);
  }, 180_000);
});
