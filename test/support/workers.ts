import { availableParallelism } from 'node:os';

/**
 * How many integration files run at once (vitest.config.ts and global-setup.ts): one per core, at
 * most two, since each worker brings a moto (single-threaded Python) that needs a core of its own
 * to keep up. KEYWARDEN_TEST_WORKERS overrides it (1 runs the files one after another).
 */
export function integrationWorkers(): number {
  const asked = Number(process.env.KEYWARDEN_TEST_WORKERS);
  if (Number.isInteger(asked) && asked >= 1) return asked;
  return Math.max(1, Math.min(2, availableParallelism()));
}

/**
 * How many unit files run at once: one per core. vitest's default leaves a core free (one worker
 * on this 2-core machine), but unit files only load modules and compute, and nothing else runs
 * beside them: the integration project starts after them.
 */
export function unitWorkers(): number {
  return Math.max(1, availableParallelism());
}
