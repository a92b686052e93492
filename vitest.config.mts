import { fileURLToPath } from 'node:url';
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
        // Every import of the page's api/bridge gets tests/renderer/fakeBridge.ts (setFakeApi).
        resolve: {
          alias: [{ find: /^(\.\.?\/)+api\/bridge$/, replacement: fileURLToPath(new URL('tests/renderer/fakeBridge.ts', import.meta.url)) }],
        },
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
