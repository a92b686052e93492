// `npm run fuzz`: bundles the differential fuzzer (scripts/fuzz/cli.ts) with esbuild, as the benchmark
// does its library worker, and runs it with the given arguments (`npm run fuzz -- --help`).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = path.join(root, '.tmp/fuzz/fuzz.cjs');
mkdirSync(path.dirname(out), { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: ['scripts/fuzz/cli.ts'],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  logLevel: 'warning',
});
const child = spawn(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.on('SIGINT', () => undefined);
child.on('close', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
