import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts', 'tests/unit/**/*.test.tsx'],
          environment: 'node',
        },
      },
      {
        // The renderer's hooks and components in jsdom, with the api faked: no Docker, no browser.
        test: {
          name: 'renderer',
          include: ['tests/renderer/**/*.test.ts', 'tests/renderer/**/*.test.tsx'],
          environment: 'jsdom',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          // Real Docker: one file at a time, so tests do not fight over the engine on 2 cores.
          fileParallelism: false,
          // Builds the fixture images (scripts/fixtures/build-images.sh) when missing or out of date.
          globalSetup: ['tests/support/vitest-global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
