import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { AppError } from '../../../shared/contract/errors';
import type { CopyIntoVolumeResult } from '../../../shared/contract/volumes';
import { UsageError } from '../args';
import type { CliContext } from '../command';
import { EXIT } from '../exitCodes';
import { formatBytes, printable } from '../format';

export type CpOperand = { kind: 'volume'; volume: string; path: string } | { kind: 'host'; path: string } | { kind: 'stdio' };

/**
 * `VOLUME:PATH`, `-` or a host path, as `docker cp` tells them apart: a colon before any slash makes a
 * volume operand (a volume name has at least 2 characters, so `C:\…` stays a host path); a host path
 * holding a colon is written `./a:b` or absolute.
 */
export function parseCpOperand(arg: string): CpOperand {
  if (arg === '-') return { kind: 'stdio' };
  const m = /^([a-zA-Z0-9][a-zA-Z0-9_.-]+):(.*)$/s.exec(arg);
  if (m) return { kind: 'volume', volume: m[1] as string, path: m[2] as string };
  if (arg === '') throw new UsageError('an empty path was given to `ailab volumes cp`.');
  return { kind: 'host', path: arg };
}

/** `auto` or `UID:GID` (numbers). */
export function parseOwner(value: string | undefined): 'auto' | { uid: number; gid: number } {
  if (value === undefined || value === 'auto') return 'auto';
  const m = /^(\d{1,10}):(\d{1,10})$/.exec(value);
  const uid = Number(m?.[1]);
  const gid = Number(m?.[2]);
  if (!m || uid > 2 ** 31 || gid > 2 ** 31) {
    throw new AppError('INVALID_ARGUMENT', `--owner "${value}" is neither "auto" nor UID:GID.`, {
      hint: "Use --owner auto (the folder's owner) or numbers, e.g. --owner 1001:1001.",
    });
  }
  return { uid, gid };
}

export type Conflict = 'overwrite' | 'keep-both' | 'skip';

export function parseConflict(value: string | undefined): Conflict | undefined {
  if (value === undefined) return undefined;
  if (value === 'overwrite' || value === 'keep-both' || value === 'skip') return value;
  throw new AppError('INVALID_ARGUMENT', `--conflict "${value}" is not one of the choices.`, { hint: 'Use --conflict overwrite, keep-both or skip.' });
}

/**
 * Where `cp VOL:PATH HOSTPATH` writes: into HOSTPATH when it is an existing folder (or ends with a
 * slash), else as the new name HOSTPATH inside its parent folder, like `docker cp`.
 */
export function hostTarget(hostPath: string, isDir: (p: string) => boolean): { dest: string; name?: string } {
  if (/[/\\]$/.test(hostPath) || isDir(hostPath)) return { dest: hostPath };
  return { dest: path.dirname(hostPath), name: path.basename(hostPath) };
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export interface CpValues {
  json?: boolean;
  'as-tgz'?: boolean;
  conflict?: string;
  owner?: string;
}

function printJson(ctx: CliContext, value: unknown): void {
  ctx.io.out(`${JSON.stringify(value, null, 2)}\n`);
}

function printIn(ctx: CliContext, r: CopyIntoVolumeResult): void {
  const where = `${r.volume}:/${r.folder}`;
  ctx.io.out(`Copied ${r.copied.length} item${r.copied.length === 1 ? '' : 's'} into ${printable(where)}, owned by ${r.uid}:${r.gid}.\n`);
  for (const c of r.copied) ctx.io.out(`  ${printable(c)}\n`);
  for (const m of r.renamed) ctx.io.out(`  kept both: ${printable(m.to)} (the volume's ${printable(m.from)} is unchanged)\n`);
  for (const s of r.skipped) ctx.io.out(`  skipped: ${printable(s)} (exists)\n`);
}

/** `ailab volumes cp SRC DEST`: one direction per call, like `docker cp`. */
export async function cp(ctx: CliContext, values: CpValues, args: string[]): Promise<number> {
  if (args.length < 2) throw new UsageError('Usage: ailab volumes cp VOLUME:PATH HOSTPATH|-   or   ailab volumes cp HOSTPATH...|- VOLUME:FOLDER');
  const ops = args.map(parseCpOperand);
  const last = ops[ops.length - 1] as CpOperand;
  const first = ops[0] as CpOperand;

  if (first.kind === 'volume') {
    if (ops.length !== 2) throw new UsageError('copying out of a volume takes one VOLUME:PATH and one HOSTPATH (or -).');
    if (values.conflict !== undefined || values.owner !== undefined) throw new UsageError('--conflict and --owner apply to copies into a volume.');
    if (last.kind === 'volume') throw new UsageError('copying between volumes is not supported; copy to the host first.');
    if (last.kind === 'stdio') {
      if (values.json) throw new UsageError('--json cannot be used with "-": stdout carries the tar stream.');
      if (values['as-tgz']) throw new UsageError('--as-tgz does not apply to "-"; pipe the tar stream into gzip.');
      const out: Writable = ctx.io.binaryOut ?? process.stdout;
      const core = await ctx.core();
      await core.volumes.exportTar(first.volume, first.path, out);
      return EXIT.OK;
    }
    const { dest, name } = hostTarget(last.path, isDir);
    const r = await ctx.call('copyFromVolume', {
      volume: first.volume,
      path: first.path,
      dest,
      as: values['as-tgz'] ? 'tgz' : 'folder',
      ...(name ? { name } : {}),
    });
    if (values.json) printJson(ctx, r);
    else
      ctx.io.out(
        `Copied ${printable(`${first.volume}:/${first.path.replace(/^\.?\/+/, '')}`)} to ${printable(r.written)} (${r.entries} entr${r.entries === 1 ? 'y' : 'ies'}, ${formatBytes(r.bytes)}).\n`,
      );
    return EXIT.OK;
  }

  if (last.kind !== 'volume') throw new UsageError('one side of `ailab volumes cp` must be VOLUME:PATH (e.g. notebooks:/data).');
  if (values['as-tgz']) throw new UsageError('--as-tgz applies to copies out of a volume.');
  const sources = ops.slice(0, -1);
  const conflict = parseConflict(values.conflict);
  const owner = parseOwner(values.owner);
  let result: CopyIntoVolumeResult;
  if (sources.some((s) => s.kind === 'stdio')) {
    if (sources.length !== 1) throw new UsageError('"-" (a tar stream on stdin) is the only source when given.');
    const input: Readable = ctx.io.binaryIn ?? process.stdin;
    const core = await ctx.core();
    result = await core.volumes.importTar(last.volume, last.path, input, { conflict, owner });
  } else {
    if (sources.some((s) => s.kind === 'volume')) throw new UsageError('copying between volumes is not supported; copy to the host first.');
    const hostPaths = sources.map((s) => (s as { path: string }).path);
    result = await ctx.call('copyIntoVolume', {
      volume: last.volume,
      folder: last.path,
      sources: hostPaths.map((p) => ({ hostPath: path.resolve(p) })),
      owner,
      ...(conflict ? { conflict } : {}),
    });
  }
  if (values.json) printJson(ctx, result);
  else printIn(ctx, result);
  return EXIT.OK;
}
