import { describe, expect, it } from 'vitest';
import { apiAtLeast, MIN_TARGET_API } from '../../electron/services/volumeOps/targetEngine';

describe('the target engine’s API check', () => {
  it.each([
    ['1.41', true],
    ['1.43', true],
    ['2.0', true],
    ['1.40', false],
    // Compared as numbers: 1.9 is older than 1.41, though "1.9" > "1.41" as text.
    ['1.9', false],
    ['0', false],
  ])('API %s is %s for a transfer', (have, ok) => {
    expect(apiAtLeast(have, MIN_TARGET_API)).toBe(ok);
  });
});
