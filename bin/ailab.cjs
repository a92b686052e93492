#!/usr/bin/env node
// The `ailab` command. It runs the bundle that `npm install` (prepare) or `npm run build` made.
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli', 'ailab.cjs');
if (!fs.existsSync(bundle)) {
  process.stderr.write('ailab: the CLI is not built yet. Run `npm run build` in ' + path.join(__dirname, '..') + ' first.\n');
  process.exit(1);
}
require(bundle).main();
