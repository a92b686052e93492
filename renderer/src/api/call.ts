import type { ArgsOf, MethodName, Result, ResultOf } from '../../../shared/contract';
import { unwrap } from '../../../shared/contract/errors';
import { api } from './bridge';

/** Call a contract method and throw AppError on failure, for code that prefers try/catch. */
export async function call<M extends MethodName>(method: M, ...args: ArgsOf<M> extends unknown[] ? ArgsOf<M> : never): Promise<ResultOf<M>> {
  const fn = api[method] as unknown as (...a: unknown[]) => Promise<Result<ResultOf<M>>>;
  return unwrap(await fn(...(args as unknown[])));
}
