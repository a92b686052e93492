// Real files for the archive tests: trees on disk, tars made by the system's GNU tar (spawned with
// argument arrays), and hand-made hostile tars from tar-stream's pack.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tarStream, { type Header } from 'tar-stream';
import { AppError } from '../../shared/contract/errors';

export async function tempDir(prefix = 'archive-test-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs a program with an argument array (never a shell); resolves with its exit code and output. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, LC_ALL: 'C.UTF-8', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined);
    if (opts.input) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

export async function runOk(cmd: string, args: string[], opts: { cwd?: string; input?: Buffer } = {}): Promise<Buffer> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Deterministic pseudo-random bytes (not crypto): content that does not compress. */
export function noise(size: number, seed = 1): Buffer {
  const buf = Buffer.alloc(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

export const LONG_NAME = `${'a-long-file-name-'.repeat(8)}end.txt`; // > 100 bytes in one component
export const LONG_DIR = `${'deep-folder-name-'.repeat(4)}x/${'another-long-folder-'.repeat(4)}y`; // path > 100 bytes

/**
 * A tree with everything a notebooks volume may hold: files with content and odd modes, an empty
 * folder, symlinks (relative and absolute), a hardlink, a FIFO, long names, Unicode and spaces.
 */
export async function makeTree(root: string): Promise<void> {
  await fs.mkdir(path.join(root, 'notebooks/sub dir'), { recursive: true });
  await fs.mkdir(path.join(root, 'empty folder'));
  await fs.mkdir(path.join(root, '.venv/bin'), { recursive: true });
  await fs.mkdir(path.join(root, LONG_DIR), { recursive: true });
  await fs.writeFile(path.join(root, 'notebooks/start.ipynb'), '{"cells": []}\n');
  await fs.writeFile(path.join(root, 'notebooks/sub dir/data.csv'), 'a,b\n1,2\n'.repeat(5000));
  await fs.writeFile(path.join(root, 'notebooks/blob.bin'), noise(300_000, 7));
  await fs.writeFile(path.join(root, 'Übersicht – résumé 日本.md'), 'unicode\n');
  await fs.writeFile(path.join(root, 'ai_lab_secure_configuration_storage.sqlite'), noise(4096, 3));
  await fs.chmod(path.join(root, 'ai_lab_secure_configuration_storage.sqlite'), 0o600);
  await fs.writeFile(path.join(root, '.venv/bin/activate'), '#!/bin/sh\n');
  await fs.chmod(path.join(root, '.venv/bin/activate'), 0o755);
  await fs.symlink('/usr/bin/python3', path.join(root, '.venv/bin/python'));
  await fs.symlink('notebooks/start.ipynb', path.join(root, 'start-link'));
  await fs.link(path.join(root, 'notebooks/start.ipynb'), path.join(root, 'hardlink-to-start'));
  await fs.writeFile(path.join(root, LONG_DIR, LONG_NAME), 'long\n');
  await fs.symlink(LONG_NAME, path.join(root, LONG_DIR, `link-${LONG_NAME}`));
  await runOk('mkfifo', [path.join(root, 'a fifo')]);
  const t = new Date('2024-05-01T12:00:00Z');
  await fs.utimes(path.join(root, 'notebooks/start.ipynb'), t, t);
}

/** GNU tar of `dir`'s contents, `./`-prefixed as the seed writes it, with numeric owners. */
export async function gnuTar(
  dir: string,
  out: string,
  opts: { format?: 'gnu' | 'pax' | 'ustar'; gzip?: boolean; owner?: number; members?: string[] } = {},
): Promise<void> {
  const args = ['-C', dir, `--format=${opts.format ?? 'gnu'}`, '--numeric-owner'];
  if (opts.owner !== undefined) args.push(`--owner=${opts.owner}`, `--group=${opts.owner}`);
  args.push(opts.gzip ? '-czf' : '-cf', out, ...(opts.members ?? ['.']));
  await runOk('tar', args);
}

export interface ListedEntry {
  path: string;
  kind: string;
  size: number | null;
  uid: number;
  gid: number;
  mode: string;
  link: string | null;
}

/** `tar -tvf` parsed (numeric owners, literal names). */
export async function gnuList(file: string, extraArgs: string[] = []): Promise<ListedEntry[]> {
  const out = await runOk('tar', ['--numeric-owner', '--quoting-style=literal', '-tvf', file, ...extraArgs]);
  return out
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const m = /^(.)(\S{9})\s+(\d+)\/(\d+)\s+(\S+)\s+\d{4}-\d\d-\d\d \d\d:\d\d (.*)$/.exec(line);
      if (!m) throw new Error(`cannot parse tar listing line: ${line}`);
      const kind = m[1] as string;
      let rest = m[6] as string;
      let link: string | null = null;
      if (kind === 'l') [rest, link] = rest.split(' -> ') as [string, string];
      else if (kind === 'h') [rest, link] = rest.split(' link to ') as [string, string];
      return { path: rest, kind, size: /^\d+$/.test(m[5] as string) ? Number(m[5]) : null, uid: Number(m[3]), gid: Number(m[4]), mode: m[2] as string, link };
    });
}

export type PackEntry = Partial<Header> & { name: string; content?: Buffer | string };

/** A tar made with tar-stream's pack: for archives GNU tar would refuse to write. */
export async function packTar(file: string, entries: PackEntry[], opts: { gzip?: boolean } = {}): Promise<void> {
  const pack = tarStream.pack();
  const writing = (async () => {
    for (const { content, ...header } of entries) {
      await new Promise<void>((resolve, reject) => {
        const done = (err?: Error | null) => (err ? reject(err) : resolve());
        const h = { mtime: new Date('2024-01-01T00:00:00Z'), ...header };
        if (content === undefined) pack.entry(h, done);
        else pack.entry(h, Buffer.from(content), done);
      });
    }
    pack.finalize();
  })();
  const { createGzip } = await import('node:zlib');
  if (opts.gzip) await pipeline(pack, createGzip(), createWriteStream(file));
  else await pipeline(pack, createWriteStream(file));
  await writing;
}

/** A sorted description of a tree on disk (paths, types, modes, owners, sizes, link targets, content hash). */
export async function describeTree(root: string): Promise<string[]> {
  const { createHash } = await import('node:crypto');
  const out: string[] = [];
  const walk = async (rel: string) => {
    const abs = path.join(root, rel);
    const st = await fs.lstat(abs);
    const mode = (st.mode & 0o7777).toString(8);
    const own = `${st.uid}:${st.gid}`;
    const mtime = Math.floor(st.mtimeMs / 1000);
    if (st.isDirectory()) {
      if (rel !== '') out.push(`d ${rel} ${mode} ${own} ${mtime}`);
      for (const name of (await fs.readdir(abs)).sort()) await walk(rel === '' ? name : `${rel}/${name}`);
    } else if (st.isSymbolicLink()) {
      out.push(`l ${rel} -> ${await fs.readlink(abs)} ${own}`);
    } else if (st.isFile()) {
      const hash = createHash('sha256')
        .update(await fs.readFile(abs))
        .digest('hex')
        .slice(0, 16);
      out.push(`f ${rel} ${mode} ${own} ${st.size} ${hash} ${mtime} links=${st.nlink}`);
    } else if (st.isFIFO()) {
      out.push(`p ${rel} ${mode} ${own}`);
    } else {
      out.push(`? ${rel}`);
    }
  };
  await walk('');
  return out;
}

/** A fresh temp folder with makeTree's tree in it, at `<dir>/<name>`. */
export async function tempTree(name = 'tree'): Promise<{ dir: string; tree: string }> {
  const dir = await tempDir();
  const tree = path.join(dir, name);
  await makeTree(tree);
  return { dir, tree };
}

/** The AppError a promise rejects with; anything else (a resolve, another error) fails the test. */
export async function appErrorOf(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`Expected an AppError, got ${err === null ? 'success' : String(err)}.`);
  return err;
}

/** The AppError `fn` throws, or null when it returns. */
export function thrownBy(fn: () => void): AppError | null {
  try {
    fn();
    return null;
  } catch (e) {
    return e as AppError;
  }
}
