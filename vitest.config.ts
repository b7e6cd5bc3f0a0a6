import { defineConfig } from 'vitest/config';

/**
 * Two projects:
 * - unit: test/unit, no services, files in parallel.
 * - integration: test/integration, against a local AWS (moto) that the global setup starts for
 *   this run only; every test starts from a reset moto holding the packaged template's resources,
 *   so files run one at a time (they share that moto).
 */
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          setupFiles: ['test/support/integration-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
