import { defineConfig } from 'vitest/config';
import { integrationWorkers, unitWorkers } from './test/support/workers';

/**
 * Two projects:
 * - unit: test/unit, no services, files in parallel, one per core.
 * - integration: test/integration, against local AWS (moto) servers that the global setup starts
 *   for this run only, one per worker; every test starts from a reset moto holding the packaged
 *   template's resources, so several files run at once only because each has a moto of its own.
 */
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          maxWorkers: unitWorkers(),
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
          maxWorkers: integrationWorkers(),
          // Projects with their own maxWorkers run as groups of their own: unit first, then this.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
