// A reproducible stand-in for a user's AI-Lab notebooks volume, as a tar stream: many small text
// files (code, notebooks, notes), CSVs, and incompressible binaries (models, images, parquet), with
// owners, modes, symlinks (one with an absolute target), hardlinks, empty folders, long, Unicode and
// spaced names. The same seed and size give the same bytes every time.
import tarStream from 'tar-stream';

/** sfc32: small, fast, good enough for test data. */
export function createRng(seed) {
  let a = 0x9e3779b9 ^ seed;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 16; i++) next();
  return {
    u32: next,
    float: () => next() / 4294967296,
    int: (lo, hi) => lo + Math.floor((next() / 4294967296) * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor((next() / 4294967296) * arr.length)],
    fill(buf) {
      const words = Math.floor(buf.length / 4);
      const view = new Uint32Array(buf.buffer, buf.byteOffset, words);
      for (let i = 0; i < words; i++) view[i] = next();
      for (let i = words * 4; i < buf.length; i++) buf[i] = next() & 0xff;
      return buf;
    },
  };
}

const MiB = 1024 * 1024;
const CORPUS = 8 * MiB;

function textCorpus(rng) {
  const letters = 'etaoinshrdlucmfwypvbgkjqxz';
  const words = [];
  for (let i = 0; i < 3000; i++) {
    let w = '';
    const len = rng.int(2, 10);
    for (let j = 0; j < len; j++) w += letters[Math.min(letters.length - 1, Math.floor(rng.float() ** 1.6 * letters.length))];
    words.push(w);
  }
  const keywords = ['def', 'return', 'import', 'for', 'in', 'if', 'else:', 'print(', 'self.', 'pd.', 'np.', '# ', '==', 'None', 'True'];
  const parts = [];
  let size = 0;
  while (size < CORPUS) {
    const indent = ' '.repeat(4 * rng.int(0, 3));
    const n = rng.int(3, 14);
    let line = indent;
    for (let i = 0; i < n; i++) {
      const r = rng.float();
      line += (r < 0.15 ? rng.pick(keywords) : words[Math.floor(rng.float() ** 2.5 * words.length)]) + (r > 0.92 ? ', ' : ' ');
    }
    line += '\n';
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join(''), 'latin1');
}

function csvCorpus(rng) {
  const tickers = ['EXA', 'SAP', 'SNOW', 'ORCL', 'MSFT', 'AMZN', 'GOOG', 'DBX'];
  const parts = [];
  let size = 0;
  let day = 0;
  while (size < CORPUS) {
    day++;
    const d = new Date(Date.UTC(2020, 0, 1) + day * 3600_000);
    const line = `${d.toISOString()},${rng.pick(tickers)},${(rng.float() * 500).toFixed(4)},${(rng.float() * 2 - 1).toFixed(6)},${rng.int(0, 1_000_000)},${rng.float() < 0.1 ? '' : (rng.float() * 100).toFixed(2)}\n`;
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join(''), 'latin1');
}

/** `size` bytes taken from random places of a corpus (each slice a few KiB, so files differ). */
function fromCorpus(rng, corpus, size) {
  const out = Buffer.allocUnsafe(size);
  let off = 0;
  while (off < size) {
    const n = Math.min(size - off, rng.int(2048, 65536));
    const start = rng.int(0, corpus.length - n - 1);
    corpus.copy(out, off, start, start + n);
    off += n;
  }
  return out;
}

/**
 * Returns { stream, done } where stream is the tar and done resolves with { entries, bytes, files }
 * once everything is packed. Paths are relative (`notebooks`-style, no `./`).
 */
export function generateVolumeTar({ sizeMB = 1024, seed = 42 } = {}) {
  const rng = createRng(seed);
  const pack = tarStream.pack();
  const target = sizeMB * MiB;
  const budget = { text: Math.floor(target * 0.35), csv: Math.floor(target * 0.35), bin: Math.floor(target * 0.3) };
  const stats = { entries: 0, bytes: 0, files: 0 };
  const baseTime = Date.UTC(2024, 4, 1) / 1000;
  const jupyter = { uid: 1001, gid: 1001, uname: 'jupyter', gname: 'jupyter' };
  const mtime = () => new Date((baseTime + rng.int(0, 3e7)) * 1000);

  const add = (header, content) =>
    new Promise((resolve, reject) => {
      stats.entries++;
      if (header.type === undefined || header.type === 'file') {
        stats.files++;
        stats.bytes += content ? content.length : header.size;
      }
      pack.entry({ ...jupyter, mtime: mtime(), ...header }, content ?? undefined, (err) => (err ? reject(err) : resolve()));
    });

  /** Large files are written in 1 MiB chunks with backpressure, never whole. */
  const addStreamed = (header, size, chunk) =>
    new Promise((resolve, reject) => {
      stats.entries++;
      stats.files++;
      stats.bytes += size;
      const sink = pack.entry({ ...jupyter, mtime: mtime(), ...header, size }, (err) => (err ? reject(err) : resolve()));
      let left = size;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(MiB, left);
          left -= n;
          if (!sink.write(chunk(n))) {
            sink.once('drain', pump);
            return;
          }
        }
        sink.end();
      };
      pump();
    });

  const done = (async () => {
    const text = textCorpus(rng);
    const csv = csvCorpus(rng);
    const dir = (name, mode = 0o755, extra = {}) => add({ name: `${name}/`, type: 'directory', mode, ...extra });

    await add(
      { name: 'start.ipynb', mode: 0o644 },
      Buffer.concat([Buffer.from('{"cells":[{"cell_type":"markdown","source":["'), fromCorpus(rng, text, 4000), Buffer.from('"]}]}\n')]),
    );
    await add({ name: 'ai_lab_secure_configuration_storage.sqlite', mode: 0o600 }, rng.fill(Buffer.alloc(64 * 1024)));
    await dir('.venv');
    await dir('.venv/bin');
    await add({ name: '.venv/bin/python', type: 'symlink', mode: 0o777, linkname: '/usr/bin/python3' });
    await add({ name: '.venv/bin/activate', mode: 0o755 }, fromCorpus(rng, text, 2200));
    await dir('Übersicht Daten');
    await add({ name: 'Übersicht Daten/résumé notes.md' }, fromCorpus(rng, text, 3000));
    await add({ name: 'Übersicht Daten/日本語 ファイル.txt' }, fromCorpus(rng, text, 1500));
    const longDir = `projects/${'a-rather-long-folder-name-for-testing-'.repeat(3)}deep`;
    await dir('projects');
    await dir(longDir);
    await add({ name: `${longDir}/${'and-an-even-longer-file-name-'.repeat(3)}.py` }, fromCorpus(rng, text, 5000));
    await dir('empty folder', 0o700);
    await dir('root-owned', 0o755, { uid: 0, gid: 0, uname: 'root', gname: 'root' });
    await add({ name: 'root-owned/config.yaml', uid: 0, gid: 0, uname: 'root', gname: 'root', mode: 0o640 }, fromCorpus(rng, text, 700));

    let project = 0;
    const kinds = ['text', 'csv', 'bin'];
    while (budget.text > 0 || budget.csv > 0 || budget.bin > 0) {
      const p = `projects/p${String(project).padStart(3, '0')}`;
      project++;
      await dir(p);
      await dir(`${p}/src`);
      await dir(`${p}/data`);
      await dir(`${p}/models`);
      await dir(`${p}/results`);
      await dir(`${p}/results/empty`);
      let firstText = null;
      // About 40 MiB per project, in the same proportions as the whole.
      for (const kind of kinds) {
        let share = Math.floor(Math.min(budget[kind], 40 * MiB * (kind === 'bin' ? 0.3 : 0.35)));
        budget[kind] -= share;
        let i = 0;
        while (share > 0) {
          i++;
          if (kind === 'text') {
            const size = Math.min(share, Math.floor(256 + rng.float() ** 3 * 48 * 1024));
            share -= size;
            const ext = rng.pick(['py', 'ipynb', 'md', 'txt', 'sql', 'json']);
            const name = `${p}/src/file ${String(i).padStart(4, '0')}.${ext}`;
            firstText ??= name;
            await add({ name, mode: rng.float() < 0.1 ? 0o755 : 0o644 }, fromCorpus(rng, text, size));
          } else if (kind === 'csv') {
            const size = Math.min(share, rng.int(1 * MiB, 16 * MiB));
            share -= size;
            await addStreamed({ name: `${p}/data/table-${i}.csv`, mode: 0o644 }, size, (n) => fromCorpus(rng, csv, n));
          } else {
            const size = Math.min(share, rng.int(256 * 1024, 24 * MiB));
            share -= size;
            await addStreamed({ name: `${p}/models/weights-${i}.bin`, mode: 0o644 }, size, (n) => rng.fill(Buffer.allocUnsafe(n)));
          }
        }
      }
      if (firstText) await add({ name: `${p}/data/copy of ${firstText.split('/').pop()}`, type: 'link', linkname: firstText });
    }
    await add({ name: 'latest', type: 'symlink', mode: 0o777, linkname: `projects/p${String(project - 1).padStart(3, '0')}` });
    pack.finalize();
    return stats;
  })();
  done.catch((err) => pack.destroy(err));
  return { stream: pack, done };
}
