import type { ArgsOf, Handlers, MethodName, ResultOf } from '../../shared/contract';
import type { Core } from '../services/createCore';
import type { Readable, Writable } from 'node:stream';
import type { StdinLike } from './password';

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stdout is a terminal (colour, progress bars). */
  tty: boolean;
  /** Where secrets are read from (`--password-stdin`); process.stdin when absent. */
  stdin?: StdinLike;
  /** Bytes out (`volumes cp VOL:PATH -` writes a tar stream); process.stdout when absent. */
  binaryOut?: Writable;
  /** Bytes in (`volumes cp - VOL:PATH` reads a tar stream); process.stdin when absent. */
  binaryIn?: Readable;
}

export interface CliContext {
  io: CliIO;
  /** The environment Docker is found from: process.env with --context applied. */
  env: NodeJS.ProcessEnv;
  /** Created on first use, so `--help` never touches Docker. */
  core(): Promise<Core>;
  /**
   * Call a contract method exactly as the UI does (same validation, same messages). Throws AppError
   * on failure; the CLI's top level prints it and maps its code to an exit code.
   */
  call<M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never): Promise<ResultOf<M>>;
  handlers(): Promise<Handlers>;
}

export interface CliCommand {
  name: string;
  /** One line for the command list in `ailab --help`. */
  summary: string;
  /** Full help for `ailab NAME --help`. */
  help: string;
  run(ctx: CliContext, argv: string[]): Promise<number>;
}
