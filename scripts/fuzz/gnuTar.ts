import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';

/** One member as a long listing shows it: the fields both sides must agree on. */
export interface ListedEntry {
  /** ls-style type letter: - d l h c b p C ? */
  kind: string;
  perms: string;
  uid: number;
  gid: number;
  /** The size column (for devices: "major,minor", not compared). */
  size: string;
  /** The name, quoted as GNU tar's escape style quotes it in the C locale. */
  name: string;
  /** Symlink or hardlink target, quoted alike; null for other kinds. */
  link: string | null;
}

export interface TarRun {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const TAR_ENV = { ...process.env, LC_ALL: 'C', TZ: 'UTC' };

export function runTar(args: string[], opts: { timeoutMs?: number; stdin?: Buffer } = {}): Promise<TarRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { env: TAR_ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 20_000);
    child.stdout.on('data', (b: Buffer) => {
      // A listing of millions of members is a finding of its own; keep memory bounded.
      outBytes += b.length;
      if (outBytes < 16 * 1024 * 1024) out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('latin1'), stderr: Buffer.concat(err).toString('latin1'), timedOut });
    });
    child.stdin.end(opts.stdin ?? Buffer.alloc(0));
  });
}

const LINE = /^(.)(\S{9}) (\d+)\/(\d+) +(\S+) (-?\d+-\d\d-\d\d \d\d:\d\d|-?\d+) (.*)$/;

/** Parses `tar -tvv --numeric-owner --quoting-style=escape` lines; other lines (Creating directory…) are skipped. */
export function parseListing(stdout: string): ListedEntry[] {
  const entries: ListedEntry[] = [];
  // print_header pads the time to the widest one printed so far (16 at first), so after a 5-digit
  // year every later line has a space more before the name: strip exactly that padding.
  let dateWidth = 16;
  for (const line of stdout.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const date = m[6] as string;
    dateWidth = Math.max(dateWidth, date.length);
    m[7] = (m[7] as string).slice(dateWidth - date.length);
    let kind = m[1] as string;
    // Volume headers, multi-volume continuations and old GNU "names" records are no entries for us.
    if (kind === 'V' || kind === 'M' || kind === 'N') kind = '?';
    // An unknown type's line ends in a note, not part of the name.
    let name =
      kind === '?'
        ? (m[7] as string).replace(/( unknown file type .*|--Volume Header--|--Continued at byte \d+--|--Mangled file names--)$/, '')
        : (m[7] as string);
    let link: string | null = null;
    // Escape quoting turns no space into anything else, but names themselves have no " -> " in our
    // comparison's output either: both sides go through this same split.
    const sep = kind === 'l' ? ' -> ' : kind === 'h' ? ' link to ' : null;
    if (sep) {
      const at = name.indexOf(sep);
      if (at >= 0) {
        link = name.slice(at + sep.length);
        name = name.slice(0, at);
      }
    }
    entries.push({ kind, perms: m[2] as string, uid: Number(m[3]), gid: Number(m[4]), size: m[5] as string, name, link });
  }
  return entries;
}

export interface GnuView {
  /** tar exited 0. */
  ok: boolean;
  code: number | null;
  stderr: string;
  entries: ListedEntry[];
}

const COMMON = ['--numeric-owner', '--quoting-style=escape'];

/** GNU tar's listing of an archive (compression detected by tar itself). */
export async function gnuList(file: string): Promise<GnuView> {
  const r = await runTar([...COMMON, '-tvvf', file]);
  return { ok: r.code === 0 && !r.timedOut, code: r.code, stderr: r.stderr, entries: parseListing(r.stdout) };
}

/** GNU tar's extraction into `into` (created), with what it says it extracts. */
export async function gnuExtract(file: string, into: string): Promise<GnuView> {
  await fs.mkdir(into, { recursive: true });
  const r = await runTar(['-C', into, ...COMMON, '-xvvf', file]);
  return { ok: r.code === 0 && !r.timedOut, code: r.code, stderr: r.stderr, entries: parseListing(r.stdout) };
}

/** One node of an extracted tree, for comparing two extractions. */
export interface TreeNode {
  path: string;
  kind: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  link: string | null;
  content: string | null;
  rdev: number;
}

/**
 * Everything under `root` (lstat, no following), content hashed cheaply: two extractions must match.
 * Names are handled as bytes (archives carry names that are not UTF-8) and shown as latin1.
 */
export async function readTree(root: string): Promise<TreeNode[]> {
  const { createHash } = await import('node:crypto');
  const nodes: TreeNode[] = [];
  const walk = async (rel: Buffer): Promise<void> => {
    const abs = rel.length === 0 ? Buffer.from(root) : Buffer.concat([Buffer.from(`${root}/`), rel]);
    const st = await fs.lstat(abs);
    const kind = st.isDirectory()
      ? 'd'
      : st.isSymbolicLink()
        ? 'l'
        : st.isFile()
          ? '-'
          : st.isFIFO()
            ? 'p'
            : st.isCharacterDevice()
              ? 'c'
              : st.isBlockDevice()
                ? 'b'
                : '?';
    let content: string | null = null;
    if (kind === '-' && st.size <= 64 * 1024 * 1024)
      content = createHash('sha1')
        .update(await fs.readFile(abs))
        .digest('hex');
    if (rel.length > 0) {
      nodes.push({
        path: rel.toString('latin1'),
        kind,
        mode: st.mode & 0o7777,
        uid: st.uid,
        gid: st.gid,
        size: kind === 'd' ? 0 : st.size,
        link: kind === 'l' ? (await fs.readlink(abs, { encoding: 'buffer' })).toString('latin1') : null,
        content,
        rdev: st.rdev,
      });
    }
    if (kind !== 'd') return;
    const names = (await fs.readdir(abs, { encoding: 'buffer' })).sort(Buffer.compare);
    for (const name of names) await walk(rel.length === 0 ? name : Buffer.concat([rel, Buffer.from('/'), name]));
  };
  await walk(Buffer.alloc(0));
  return nodes;
}
