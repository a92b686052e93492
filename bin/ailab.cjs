#!/usr/bin/env -S node --initial-heap-size=64
// The `ailab` command. It runs the bundle that `npm install` (prepare) or `npm run build` made.
// --initial-heap-size: streaming an archive churns through buffers on a heap of ~12 MB, and V8 then
// starts a full marking cycle whenever the old generation's headroom is below the young generation's
// size: ~200 major GCs in a 1 GiB backup. A 64 MB starting heap leaves headroom; measured here, a
// backup took 16 s and 19.5 s of CPU instead of 21-24 s and 27-30 s (9 major GCs). The browser mode
// (`npm run serve`) and `npm start` pass the same flag.
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'dist', 'cli', 'ailab.cjs');
if (!fs.existsSync(bundle)) {
  process.stderr.write('ailab: the CLI is not built yet. Run `npm run build` in ' + path.join(__dirname, '..') + ' first.\n');
  process.exit(1);
}
require(bundle).main();
