// The synthetic archive of the small-file benchmarks (archive-index.mjs, progress-ui.mjs): N entries,
// folders of 100 notebooks of a few bytes each, so the time measured is per entry, not gzip's.
import { spawn } from 'node:child_process';

// Folders of 100 notebooks each; a pax-free GNU archive like the guide's `tar -czvf … .`.
const PY = `
import io, sys, tarfile, time
n, out = int(sys.argv[1]), sys.argv[2]
mt = 1700000000
with tarfile.open(out, 'w:gz', compresslevel=1, format=tarfile.GNU_FORMAT) as t:
    def add(name, kind, data=b''):
        i = tarfile.TarInfo(name); i.mtime = mt; i.uid = i.gid = 1001
        i.type = kind; i.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644; i.size = len(data)
        t.addfile(i, io.BytesIO(data) if data else None)
    add('./', tarfile.DIRTYPE)
    add('./notebooks/', tarfile.DIRTYPE)
    made, d = 2, 0
    while made < n:
        add(f'./notebooks/project-{d:04d}/', tarfile.DIRTYPE); made += 1
        for f in range(min(99, n - made)):
            add(f'./notebooks/project-{d:04d}/notebook-{f:02d}.ipynb', tarfile.REGTYPE, b'{"cells": []}\\n'); made += 1
        d += 1
`;

/** Writes the archive with Python's tarfile (a pax-free GNU archive like the guide's `tar -czvf … .`). */
export function writeSmallFilesTgz(file, entries) {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', PY, String(entries), file], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`python3 exited with ${code} writing ${file}`))));
  });
}
