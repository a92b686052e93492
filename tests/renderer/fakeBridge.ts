// Stands in for renderer/src/api/bridge.ts in the `renderer` Vitest project (an alias in
// vitest.config.ts), so no test file repeats a vi.mock of it: a test hands its fake api to setFakeApi.
import type { SessionProblem } from '../../renderer/src/api/browserSession';
import type { FakeApi } from './fakeApi';

let current: FakeApi | null = null;

/** The api the page's modules see from now on; returns it. */
export function setFakeApi<T extends FakeApi>(api: T): T {
  current = api;
  return api;
}

export const runMode: 'electron' | 'browser' = 'browser';

export const api = new Proxy({} as FakeApi, {
  get(_target, key) {
    if (!current) throw new Error('tests/renderer: call setFakeApi(createFakeApi()) before the code under test uses the api');
    return Reflect.get(current, key);
  },
});

export async function browserSessionProblem(): Promise<SessionProblem | null> {
  return null;
}
