import { z, type ZodError } from 'zod';
import { AppError, type Result } from './errors';
import { isMethodName, methods, type Handlers, type MethodName } from './index';

/**
 * The one path from an untrusted call to a handler, shared by the Electron IPC glue and the browser
 * mode's WebSocket server: check the method exists, validate the arguments against the contract,
 * run the handler, and wrap the outcome in a result-or-error envelope. Never throws.
 */
export async function invokeHandler(
  handlers: Handlers,
  method: unknown,
  rawArgs: unknown,
  onUnexpected: (method: string, err: unknown) => void = () => {},
): Promise<Result<unknown>> {
  if (!isMethodName(method)) {
    return fail(new AppError('UNKNOWN_METHOD', `Unknown method ${JSON.stringify(String(method)).slice(0, 80)}.`));
  }
  const parsed = methods[method].args.safeParse(padOptionalArgs(methods[method].args, rawArgs));
  if (!parsed.success) {
    return fail(
      new AppError('INVALID_ARGUMENT', describeZodError(method, parsed.error), {
        details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
      }),
    );
  }
  try {
    const fn = handlers[method] as (...a: unknown[]) => Promise<unknown>;
    const value = await fn(...(parsed.data as unknown[]));
    return { ok: true, value };
  } catch (err) {
    if (err instanceof AppError) return fail(err);
    onUnexpected(method, err);
    const message = err instanceof Error ? err.message : String(err);
    return fail(
      new AppError('INTERNAL', `Unexpected error in ${method}: ${message}`, { hint: 'This is a bug; please report it with the steps that led here.' }),
    );
  }
}

/**
 * A zod tuple refuses a short array even when the missing elements are optional; callers (and JSON,
 * which cannot carry a trailing undefined) omit trailing optional arguments, so pad them.
 */
export function padOptionalArgs(schema: z.ZodTypeAny, raw: unknown): unknown {
  if (!(schema instanceof z.ZodTuple) || !Array.isArray(raw)) return raw;
  const items = schema.items as z.ZodTypeAny[];
  if (raw.length >= items.length) return raw;
  const missing = items.slice(raw.length);
  return missing.every((s) => s.isOptional()) ? [...raw, ...missing.map(() => undefined)] : raw;
}

function fail(e: AppError): Result<never> {
  return { ok: false, error: e.toPayload() };
}

export function describeZodError(method: MethodName, err: ZodError): string {
  const first = err.issues[0];
  if (!first) return `Invalid arguments for ${method}.`;
  // Argument tuples have numeric first path elements; drop them so the message names the field.
  const path = first.path.filter((p) => typeof p === 'string').join('.');
  return path ? `${path}: ${first.message}` : first.message;
}
