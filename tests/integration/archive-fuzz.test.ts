// The differential fuzzer's bounded CI run (docs/fuzzing.md): a fixed list of seeds, each a fixed
// number of cases, under a time budget of about two minutes on a 2-core machine. Any disagreement
// between our check (or the fast restore's splitter) and GNU tar fails the test with the seed and case
// to repeat it with `npm run fuzz -- --seed S --case I`, which minimises and saves it to the corpus.
import { describe, expect, it } from 'vitest';
import { runFuzz, type Finding } from '../../scripts/fuzz/fuzzer';

const SEEDS = [1, 2, 3, 5, 8, 13, 21, 34];
const CASES_PER_SEED = 60;
/** The whole run's budget: seeds that do not fit stop early (the count run is printed). */
const BUDGET_MS = 110_000;

describe('differential fuzzing against GNU tar (bounded)', () => {
  it(
    'finds no disagreement on the fixed seeds',
    async () => {
      const started = Date.now();
      const findings: Finding[] = [];
      let cases = 0;
      for (const seed of SEEDS) {
        const left = BUDGET_MS - (Date.now() - started);
        if (left < 5_000) break;
        const r = await runFuzz({ seed, cases: CASES_PER_SEED, budgetMs: left, concurrency: 2, splitterEvery: 4, corpusDir: null });
        cases += r.cases;
        findings.push(...r.findings);
      }
      const seconds = (Date.now() - started) / 1000;
      console.log(`fuzz (CI): ${cases} cases in ${seconds.toFixed(1)} s (${(cases / seconds).toFixed(1)}/s), ${findings.length} findings`);
      expect(cases).toBeGreaterThan(50);
      expect(findings.map((f) => `${f.kind} (npm run fuzz -- --seed ${f.seed} --case ${f.index}): ${f.recipe}: ${f.detail}`)).toEqual([]);
    },
    180_000,
  );
});
