import { describe, expect, it, vi } from 'vitest';
import { AppError, eventNames, methodNames, methods, subscriberName, type Handlers } from '../../shared/contract';
import { invokeHandler } from '../../shared/contract/invoke';

function fakeHandlers(overrides: Partial<Record<string, (...a: unknown[]) => Promise<unknown>>> = {}): Handlers {
  const all = Object.fromEntries(methodNames.map((m) => [m, vi.fn(async () => `${m} ok`)]));
  return { ...all, ...overrides } as unknown as Handlers;
}

describe('invokeHandler', () => {
  it('runs a valid call and wraps the value', async () => {
    const res = await invokeHandler(fakeHandlers(), 'getAppInfo', []);
    expect(res).toEqual({ ok: true, value: 'getAppInfo ok' });
  });

  it('refuses an unknown method without calling anything', async () => {
    const res = await invokeHandler(fakeHandlers(), 'constructor', []);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('UNKNOWN_METHOD');
  });

  it('refuses invalid arguments with a message naming the field', async () => {
    const handlers = fakeHandlers();
    const res = await invokeHandler(handlers, 'updateSettings', [{ hostPort: 'x' }]);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error.code).toBe('INVALID_ARGUMENT');
      expect(res.error.message).toMatch(/hostPort/);
    }
    expect(handlers.updateSettings).not.toHaveBeenCalled();
  });

  it('refuses unknown settings keys (strict schema)', async () => {
    const res = await invokeHandler(fakeHandlers(), 'updateSettings', [{ evil: true }]);
    expect(res.ok).toBe(false);
  });

  it('refuses a non-array argument list', async () => {
    const res = await invokeHandler(fakeHandlers(), 'getAppInfo', 'x');
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('INVALID_ARGUMENT');
  });

  it('passes AppErrors through with code and hint', async () => {
    const res = await invokeHandler(
      fakeHandlers({
        getAppInfo: async () => {
          throw new AppError('DOCKER_UNREACHABLE', 'Docker is down.', { hint: 'Start it.' });
        },
      }),
      'getAppInfo',
      [],
    );
    expect(res).toEqual({ ok: false, error: { code: 'DOCKER_UNREACHABLE', message: 'Docker is down.', hint: 'Start it.' } });
  });

  it('turns unexpected exceptions into INTERNAL and reports them', async () => {
    const seen = vi.fn();
    const res = await invokeHandler(
      fakeHandlers({
        getAppInfo: async () => {
          throw new TypeError('boom');
        },
      }),
      'getAppInfo',
      [],
      seen,
    );
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.code).toBe('INTERNAL');
    expect(seen).toHaveBeenCalledWith('getAppInfo', expect.any(TypeError));
  });
});

describe('contract', () => {
  it('every method has a tuple argument schema', () => {
    for (const m of methodNames) {
      expect(methods[m].args._def.typeName, m).toBe('ZodTuple');
    }
  });

  it('derives subscriber names from event names', () => {
    expect(subscriberName('dockerStatus')).toBe('onDockerStatus');
    expect(new Set(eventNames.map(subscriberName)).size).toBe(eventNames.length);
  });
});

describe('optional trailing arguments', () => {
  it('accepts a call that omits them', async () => {
    const { z } = await import('zod');
    const { padOptionalArgs } = await import('../../shared/contract/invoke');
    const schema = z.tuple([z.string(), z.number().optional()]);
    expect(schema.safeParse(padOptionalArgs(schema, ['a'])).success).toBe(true);
    expect(schema.safeParse(padOptionalArgs(schema, [])).success).toBe(false);
  });
});
