// `npm run fuzz -- [--seed N] [--minutes M | --cases N] [--case I] [--concurrency C] [--splitter-every K] [--no-save]`
// A long local run of the differential fuzzer (see docs/fuzzing.md). Prints the seed it uses, a line per
// finding, and a summary; findings are minimised and saved under tests/fixtures/fuzz/.
import path from 'node:path';
import { runFuzz } from './fuzzer';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    console.log('npm run fuzz -- [--seed N] [--minutes M | --cases N] [--case I] [--concurrency C] [--splitter-every K] [--no-save] [--corpus DIR]');
    return;
  }
  const seed = arg('seed') !== undefined ? Number(arg('seed')) >>> 0 : Math.floor(Math.random() * 2 ** 32);
  const minutes = arg('minutes') !== undefined ? Number(arg('minutes')) : undefined;
  const cases = arg('cases') !== undefined ? Number(arg('cases')) : undefined;
  const only = arg('case') !== undefined ? Number(arg('case')) : undefined;
  const corpusDir = process.argv.includes('--no-save') ? null : path.resolve(arg('corpus') ?? 'tests/fixtures/fuzz');
  console.log(`fuzz: seed ${seed} (repeat with --seed ${seed})`);
  const started = Date.now();
  let lastReport = started;
  const result = await runFuzz({
    seed,
    cases: cases ?? (minutes === undefined && only === undefined ? 2000 : undefined),
    budgetMs: minutes !== undefined ? minutes * 60_000 : undefined,
    concurrency: Number(arg('concurrency') ?? 2),
    splitterEvery: Number(arg('splitter-every') ?? 4),
    corpusDir,
    only,
    log: (line) => console.log(line),
    // A line a minute, so a long run's log shows its pace and outcomes as it goes.
    progress: (done, kinds) => {
      const now = Date.now();
      if (now - lastReport < 60_000) return;
      lastReport = now;
      const s = (now - started) / 1000;
      console.log(`progress: ${done} cases in ${s.toFixed(0)} s (${(done / s).toFixed(1)}/s) ${JSON.stringify(kinds)}`);
    },
  });
  const s = result.ms / 1000;
  console.log(`fuzz: seed ${seed}: ${result.cases} cases in ${s.toFixed(1)} s (${(result.cases / s).toFixed(1)} cases/s), ${result.findings.length} findings`);
  console.log(`outcomes: ${JSON.stringify(result.kinds)}`);
  process.exitCode = result.findings.length > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
